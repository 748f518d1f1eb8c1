import Foundation
import Testing

/// The README's code map names every source folder, and only folders that exist.
struct CodeMapTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The folders the code map's first column names. A cell lists a full path first, then
    /// siblings by name only (`Sources/AFKAdapters/GitHub/`, `Forgejo/`).
    static func mappedFolders() throws -> Set<String> {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = readme.range(of: "## Code map\n") else { return [] }
        let section = readme[start.upperBound...]
        var folders: Set<String> = []
        for line in section.split(separator: "\n") {
            if line.hasPrefix("## ") { break }
            guard line.hasPrefix("| `") else { continue }
            let cell = line.dropFirst(2).prefix { $0 != "|" }
            let names = cell.split(separator: ",")
                .map {
                    $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`"))
                }
            guard let first = names.first else { continue }
            folders.insert(first)
            let parent = first.split(separator: "/").dropLast().joined(separator: "/")
            for sibling in names.dropFirst() { folders.insert(parent + "/" + sibling) }
        }
        return folders
    }

    static func sourceFolders() throws -> [String] {
        let sources = root.appendingPathComponent("Sources")
        var out: [String] = []
        for target in try FileManager.default.contentsOfDirectory(atPath: sources.path).sorted() {
            var isDirectory: ObjCBool = false
            let path = sources.appendingPathComponent(target).path
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue
            else { continue }
            out.append("Sources/\(target)/")
            for sub in try FileManager.default.contentsOfDirectory(atPath: path).sorted() {
                var subIsDirectory: ObjCBool = false
                let subPath = sources.appendingPathComponent(target).appendingPathComponent(sub).path
                if FileManager.default.fileExists(atPath: subPath, isDirectory: &subIsDirectory),
                    subIsDirectory.boolValue
                {
                    out.append("Sources/\(target)/\(sub)/")
                }
            }
        }
        return out
    }

    @Test func everyMappedFolderExists() throws {
        let mapped = try Self.mappedFolders()
        #expect(mapped.count > 10, "README.md has no code map")
        for folder in mapped.sorted() {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(
                atPath: Self.root.appendingPathComponent(folder).path,
                isDirectory: &isDirectory
            )
            #expect(exists && isDirectory.boolValue, "README.md's code map names \(folder), which does not exist")
        }
    }

    @Test func everySourceFolderIsMapped() throws {
        let mapped = try Self.mappedFolders()
        for folder in try Self.sourceFolders() {
            let parts = folder.split(separator: "/")
            let covered: Bool
            if parts.count == 2 {
                // A target: itself, or one of its folders.
                covered = mapped.contains(folder) || mapped.contains { $0.hasPrefix(folder) }
            } else {
                // A folder in a target: itself, or the whole target.
                covered = mapped.contains(folder) || mapped.contains("\(parts[0])/\(parts[1])/")
            }
            #expect(covered, "README.md's code map does not say what \(folder) holds")
        }
    }
}
