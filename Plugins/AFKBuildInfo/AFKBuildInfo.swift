import Foundation
import PackagePlugin

/// Embeds the git commit afk is built from, without a git binary and without committing a
/// generated file: reads `.git/HEAD` (and the branch's ref file or `packed-refs`) of the package
/// directly, and has `AFKBuildInfoTool` write `BuildInfo.swift` into the plugin's work directory.
/// `AFK_BUILD_COMMIT` in the environment wins (the Dockerfile passes it as a build argument, since
/// `.git` is usually not in the build context); without either the commit is `unknown`.
///
/// SwiftPM build tool plugins: https://github.com/swiftlang/swift-package-manager/blob/main/Documentation/Plugins.md
/// Git's repository layout (HEAD, refs, packed-refs, gitdir and commondir files):
/// https://git-scm.com/docs/gitrepository-layout
@main
struct AFKBuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let root = context.package.directoryURL
        let git = GitHead(packageDirectory: root)
        let override = ProcessInfo.processInfo.environment["AFK_BUILD_COMMIT"].flatMap { $0.isEmpty ? nil : $0 }
        let commit = override ?? git.commit() ?? "unknown"
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildInfo.swift")
        return [
            .buildCommand(
                displayName: "Embedding build commit \(commit.prefix(12)) in \(target.name)",
                executable: try context.tool(named: "AFKBuildInfoTool").url,
                arguments: [output.path(percentEncoded: false), commit],
                // Re-run when HEAD moves (the commit is also in the arguments, which llbuild tracks).
                inputFiles: git.watchedFiles(),
                outputFiles: [output]
            )
        ]
    }
}

/// Reads the commit `HEAD` points at, as git stores it.
struct GitHead {
    let gitDirectory: URL?
    let commonDirectory: URL?

    init(packageDirectory: URL) {
        let dotGit = packageDirectory.appending(path: ".git")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit.path(percentEncoded: false), isDirectory: &isDirectory)
        else {
            gitDirectory = nil
            commonDirectory = nil
            return
        }
        var gitDir = dotGit
        if !isDirectory.boolValue {
            // A worktree or submodule: `.git` is a file `gitdir: <path>`.
            let text = Self.read(dotGit) ?? ""
            guard text.hasPrefix("gitdir:") else {
                gitDirectory = nil
                commonDirectory = nil
                return
            }
            let path = text.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespacesAndNewlines)
            gitDir = path.hasPrefix("/") ? URL(filePath: path) : packageDirectory.appending(path: path)
        }
        gitDirectory = gitDir
        if let common = Self.read(gitDir.appending(path: "commondir"))?.trimmingCharacters(in: .whitespacesAndNewlines),
            !common.isEmpty
        {
            commonDirectory = common.hasPrefix("/") ? URL(filePath: common) : gitDir.appending(path: common)
        } else {
            commonDirectory = gitDir
        }
    }

    static func read(_ url: URL) -> String? {
        (try? Data(contentsOf: url)).map { String(decoding: $0, as: UTF8.self) }
    }

    static func isCommit(_ text: String) -> Bool {
        (40...64).contains(text.count) && text.allSatisfy { $0.isHexDigit }
    }

    var headRef: String? {
        guard let gitDirectory, let head = Self.read(gitDirectory.appending(path: "HEAD")) else { return nil }
        let line = head.trimmingCharacters(in: .whitespacesAndNewlines)
        return line.hasPrefix("ref:") ? line.dropFirst(4).trimmingCharacters(in: .whitespaces) : nil
    }

    func commit() -> String? {
        guard let gitDirectory, let head = Self.read(gitDirectory.appending(path: "HEAD")) else { return nil }
        let line = head.trimmingCharacters(in: .whitespacesAndNewlines)
        if Self.isCommit(line) { return line }  // detached HEAD
        guard let ref = headRef else { return nil }
        for directory in [gitDirectory, commonDirectory].compactMap({ $0 }) {
            if let text = Self.read(directory.appending(path: ref))?.trimmingCharacters(in: .whitespacesAndNewlines),
                Self.isCommit(text)
            {
                return text
            }
        }
        // `packed-refs`: "<sha> <ref>" lines (and "^<sha>" peeled tags).
        guard let common = commonDirectory, let packed = Self.read(common.appending(path: "packed-refs")) else {
            return nil
        }
        for entry in packed.split(separator: "\n") {
            let parts = entry.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[1] == ref, Self.isCommit(String(parts[0])) { return String(parts[0]) }
        }
        return nil
    }

    /// The files whose change means a new commit: HEAD, the branch's ref file, packed-refs.
    func watchedFiles() -> [URL] {
        var files: [URL] = []
        if let gitDirectory { files.append(gitDirectory.appending(path: "HEAD")) }
        if let ref = headRef {
            for directory in [gitDirectory, commonDirectory].compactMap({ $0 }) {
                let url = directory.appending(path: ref)
                if FileManager.default.fileExists(atPath: url.path(percentEncoded: false)) { files.append(url) }
            }
        }
        if let common = commonDirectory {
            let packed = common.appending(path: "packed-refs")
            if FileManager.default.fileExists(atPath: packed.path(percentEncoded: false)) { files.append(packed) }
        }
        return files
    }
}
