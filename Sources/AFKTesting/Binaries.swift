import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The built executables (`afk-poller`, `afk-watcher`, `afk`, `afk-sim`), for the tests that
/// must launch them: exit codes, flags, signals, the demo. Found next to the test bundle
/// (`swift test` builds every product first), in `.build/debug`, or in `$AFK_TEST_BIN_DIR`.
public enum Binaries {
    public static func url(_ name: String) throws -> URL {
        var candidates: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["AFK_TEST_BIN_DIR"] {
            candidates.append(URL(fileURLWithPath: dir).appendingPathComponent(name))
        }
        if let exe = Bundle.main.executableURL {
            candidates.append(exe.deletingLastPathComponent().appendingPathComponent(name))
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent(name))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/\(name)"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        throw BinaryMissing(name: name, looked: candidates.map(\.path))
    }

    public struct BinaryMissing: Error, CustomStringConvertible {
        let name: String
        let looked: [String]
        public var description: String {
            "\(name) is not built; looked in \(looked.joined(separator: ", ")). Run `swift build` first."
        }
    }

    /// Longest a launched program may run before it is killed.
    public static let limitSeconds: Double = 150

    /// Runs `name` with exactly `environment` (plus PATH and HOME), never the test's own AFK_
    /// variables. `killWhen` is asked every 20 ms while it runs; once it holds, `signal` is sent
    /// (once). A program that runs past ``limitSeconds`` is killed.
    public static func run(
        _ name: String,
        _ arguments: [String],
        environment: [String: String],
        killWhen: (@Sendable () async -> Bool)? = nil,
        signal: Int32 = SIGKILL
    ) async throws -> ToolRun {
        var env: [Environment.Key: String] = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        for (key, value) in environment { env[Environment.Key(stringLiteral: key)] = value }
        let result = try await Subprocess.run(
            .path(FilePath(try url(name).path)),
            arguments: Arguments(arguments),
            environment: .custom(env),
            input: .none,
            output: .sequence,
            error: .string(limit: 8 * 1024 * 1024)
        ) { execution in
            try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                // Standard output until it closes (the program ended, or was killed)…
                group.addTask {
                    var bytes: [UInt8] = []
                    for try await chunk in execution.standardOutput {
                        chunk.withUnsafeBytes { bytes.append(contentsOf: $0) }
                    }
                    return bytes
                }
                // …while the kill condition and the time limit are watched.
                group.addTask {
                    var check = killWhen
                    let started = Date()
                    while !Task.isCancelled {
                        try? await Task.sleep(nanoseconds: 20_000_000)
                        if let condition = check, await condition() {
                            try? execution.send(signal: Signal(rawValue: signal))
                            check = nil
                        }
                        if Date().timeIntervalSince(started) > limitSeconds {
                            try? execution.send(signal: .kill)
                            check = nil
                        }
                    }
                    return nil
                }
                var output: [UInt8] = []
                while let next = try await group.next() {
                    if let next {
                        output = next
                        group.cancelAll()
                    }
                }
                return String(decoding: output, as: UTF8.self)
            }
        }
        let code: Int32
        switch result.terminationStatus {
        case .exited(let status): code = status
        case .signaled(let number): code = 128 + number
        }
        return ToolRun(code: code, stdout: result.closureResult, stderr: result.standardError ?? "")
    }
}
