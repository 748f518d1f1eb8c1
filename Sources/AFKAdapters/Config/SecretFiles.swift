import Configuration
import Foundation

/// Reads secrets from a mounted Kubernetes Secret directory.
///
/// swift-configuration's `DirectoryFilesProvider` keeps regular files only, but Secret volumes
/// expose every key as a symlink into `..data/` (swift-configuration reads regular files only; Kubernetes: "Using Secrets as files from a Pod"), so it
/// would see nothing. This reads each expected key's file through `FileManager`, which follows
/// the symlink. A key `tracker.token` is the file `tracker-token` (the DirectoryFilesProvider
/// naming, with `_` also turned into `-`) or `tracker_token`; trailing newlines are trimmed.
enum SecretFiles {
    static func provider(directory: String, keys: [String]) throws(ConfigurationError) -> InMemoryProvider {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigurationError(
                "secrets directory \(directory) (secrets_dir / AFK_SECRETS_DIR) does not exist or is not a directory"
            )
        }
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for key in keys {
            for name in fileNames(for: key) {
                let path = (directory as NSString).appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: path) else { continue }
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw ConfigurationError("secret file \(path) for \(key) cannot be read")
                }
                let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if text.isEmpty { continue }
                values[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = ConfigValue(
                    .string(text),
                    isSecret: true
                )
                break
            }
        }
        return InMemoryProvider(name: "secret files in \(directory)", values: values)
    }

    static func fileNames(for key: String) -> [String] {
        let dashed = key.map { $0 == "." || $0 == "_" ? "-" : String($0) }.joined()
        let underscored = key.map { $0 == "." ? "_" : String($0) }.joined()
        return [dashed, underscored]
    }
}
