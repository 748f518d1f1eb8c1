import Foundation

// Writes the Swift file that carries the build's commit (see Plugins/AFKBuildInfo):
//   AFKBuildInfoTool <output.swift> <commit>
let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: AFKBuildInfoTool <output.swift> <commit>\n".utf8))
    exit(2)
}
let commit = arguments[2].filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
let source = """
    // Generated at build time by the AFKBuildInfo plugin. Do not edit; not committed.
    /// The git commit this binary was built from, or `unknown`.
    let afkBuildCommit = "\(commit.isEmpty ? "unknown" : commit)"

    """
do {
    let url = URL(fileURLWithPath: arguments[1])
    // Leave an unchanged file alone, so that nothing downstream rebuilds for nothing.
    if (try? String(contentsOf: url, encoding: .utf8)) != source {
        try source.write(to: url, atomically: true, encoding: .utf8)
    }
} catch {
    FileHandle.standardError.write(Data("AFKBuildInfoTool: cannot write \(arguments[1]): \(error)\n".utf8))
    exit(1)
}
