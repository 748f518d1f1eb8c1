import Foundation
import Testing
import Yams

/// The output of `kubectl kustomize k8s/overlays/<overlay>`, parsed: what would be applied.
///
/// Schema validators (scripts/validate-k8s.sh) accept any string as a schedule, any
/// concurrencyPolicy, `restartPolicy: Always` in a Job and so on; these tests read the rendered
/// documents and check the values that matter for afk's ticks.
struct RenderedManifests {
    let overlay: String
    let resources: [Node]

    static let overlays = ["production", "ci-dry-run", "sharded"]
    static let cronJobs = ["afk-poller", "afk-watcher"]

    /// The repository root, found from this file's path (Tests/AFKDeployTests/<file>).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func render(_ overlay: String) async throws -> RenderedManifests {
        let directory = "k8s/overlays/\(overlay)"
        let text = try await Kubectl.run(["kustomize", directory], in: repositoryRoot)
        var documents: [Node] = []
        var sequence = try Yams.load_all(yaml: text)
        while let document = sequence.next() {
            documents.append(Node(document, path: "\(overlay)[\(documents.count)]"))
        }
        if let error = sequence.error {
            throw DeployTestError("kubectl kustomize \(directory) printed YAML that does not parse: \(error)")
        }
        return RenderedManifests(overlay: overlay, resources: documents.filter { $0["kind"].string != nil })
    }

    func all(_ kind: String) -> [Node] { resources.filter { $0["kind"].string == kind } }

    func one(_ kind: String, named name: String) throws -> Node {
        let matches = all(kind).filter { $0["metadata"]["name"].string == name }
        try #require(
            matches.count == 1,
            "\(overlay): expected exactly one \(kind) named \(name), found \(matches.count)"
        )
        return matches[0]
    }
}

/// A read-only view of a parsed YAML value that remembers where it came from.
struct Node: CustomStringConvertible {
    let value: Any?
    let path: String

    init(_ value: Any?, path: String) {
        self.value = value
        self.path = path
    }

    subscript(key: String) -> Node {
        Node((value as? [String: Any])?[key], path: "\(path).\(key)")
    }

    subscript(index: Int) -> Node {
        let array = value as? [Any]
        return Node(array.flatMap { index < $0.count ? $0[index] : nil }, path: "\(path)[\(index)]")
    }

    var isMissing: Bool { value == nil || value is NSNull }
    var string: String? { value as? String }
    /// Only a YAML integer: a quoted "60" is a string to the API server too.
    var int: Int? { value as? Int }
    var bool: Bool? { value as? Bool }
    var array: [Node] {
        ((value as? [Any]) ?? []).enumerated().map { Node($0.element, path: "\(path)[\($0.offset)]") }
    }
    var strings: [String]? { (value as? [Any])?.compactMap { $0 as? String } }
    var keys: Set<String> { Set((value as? [String: Any])?.keys.map { $0 } ?? []) }

    var description: String { "\(path) = \(value.map { "\($0)" } ?? "<missing>")" }
}

struct DeployTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs kubectl without blocking a cooperative thread: output goes to temporary files (no pipe
/// can fill up) and the termination handler resumes the caller.
enum Kubectl {
    static func executable() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let candidates = path.split(separator: ":").map { "\($0)/kubectl" } + ["/usr/lib/google-cloud-sdk/bin/kubectl"]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw DeployTestError(
                "kubectl is not installed (searched PATH and /usr/lib/google-cloud-sdk/bin): these tests render "
                    + "the overlays with `kubectl kustomize`, which needs no cluster. Install kubectl to run them."
            )
        }
        return URL(fileURLWithPath: found)
    }

    static func run(_ arguments: [String], in directory: URL) async throws -> String {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("afk-deploy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("out")
        let errURL = scratch.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let stdout = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
        let stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
        guard status == 0 else {
            throw DeployTestError("kubectl \(arguments.joined(separator: " ")) exited \(status): \(stderr)")
        }
        return stdout
    }
}

/// A strict reading of a standard 5-field cron schedule (numbers, `*`, ranges, steps, lists; no
/// names, no macros), expanded to the set of values each field matches.
enum Cron {
    static let ranges: [ClosedRange<Int>] = [0...59, 0...23, 1...31, 1...12, 0...7]

    static func expand(_ schedule: String) -> [Set<Int>]? {
        let fields = schedule.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count == 5 else { return nil }
        var result: [Set<Int>] = []
        for (field, range) in zip(fields, ranges) {
            guard let values = expand(field: field, range: range) else { return nil }
            result.append(values)
        }
        return result
    }

    private static func expand(field: String, range: ClosedRange<Int>) -> Set<Int>? {
        var values = Set<Int>()
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 1 || parts.count == 2 else { return nil }
            var step = 1
            if parts.count == 2 {
                guard let s = Int(parts[1]), s > 0 else { return nil }
                step = s
            }
            let base = parts[0]
            var lower: Int
            var upper: Int
            if base == "*" {
                (lower, upper) = (range.lowerBound, range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                guard let a = Int(base[..<dash]), let b = Int(base[base.index(after: dash)...]), a <= b else {
                    return nil
                }
                (lower, upper) = (a, b)
            } else {
                guard let a = Int(base) else { return nil }
                (lower, upper) = (a, parts.count == 2 ? range.upperBound : a)
            }
            guard range.contains(lower), range.contains(upper) else { return nil }
            values.formUnion(stride(from: lower, through: upper, by: step))
        }
        return values
    }
}
