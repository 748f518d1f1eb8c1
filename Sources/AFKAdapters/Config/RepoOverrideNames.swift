import AFKCore
import Foundation
import Yams

/// Checks the *names* used for per-repository overrides, which typed reads cannot see: a key
/// under `repos:` (or an `AFK_REPOS_…` variable) that matches no allowlisted repository or no
/// overridable key would otherwise be ignored without a word.
enum RepoOverrideNames {
    /// - Parameters:
    ///   - yamlText: the configuration file's text, when there is one.
    ///   - environment: the process environment.
    ///   - allowlist: the allowlisted repositories; repository names are only checked against it
    ///     when it is not empty (a disabled configuration may be prepared ahead).
    static func check(yamlText: String?, file: String?, environment: [String: String], allowlist: [RepoRef]) throws(ConfigurationError) {
        let keys = AFKConfig.repoKeys
        let keyList = keys.joined(separator: ", ")
        if let yamlText, let file {
            let root: Any?
            do { root = try Yams.load(yaml: yamlText) } catch { root = nil }  // the YAML provider reports syntax errors
            if let root = root as? [String: Any], let repos = root["repos"] {
                guard let repos = repos as? [String: Any] else {
                    if repos is NSNull { return }
                    throw ConfigurationError("repos (in \(file)) must be a map of owner/name to overrides")
                }
                for (name, value) in repos.sorted(by: { $0.key < $1.key }) {
                    guard let repo = RepoRef(parsing: name) else {
                        throw ConfigurationError("repos.\(name) (in \(file)): the key must be a repository owner/name")
                    }
                    if !allowlist.isEmpty, !allowlist.contains(where: { $0.slug == repo.slug }) {
                        throw ConfigurationError("repos.\(name) (in \(file)) overrides a repository that is not on the allowlist")
                    }
                    guard let overrides = value as? [String: Any] else {
                        if value is NSNull { continue }
                        throw ConfigurationError("repos.\(name) (in \(file)) must be a map of overridable keys (\(keyList))")
                    }
                    for path in flatten(overrides) where !keys.contains(path) {
                        throw ConfigurationError("repos.\(name).\(path) (in \(file)) is not a key a repository can override; those are: \(keyList)")
                    }
                }
            }
        }
        let known = Set(allowlist.flatMap { repo in keys.map { AFKConfig.environmentName(for: "repos.\(repo.description).\($0)") } })
        for name in environment.keys.sorted() where name.hasPrefix("AFK_REPOS_") && !known.contains(name) {
            throw ConfigurationError("""
                \(name) is not a per-repository key of an allowlisted repository: expected AFK_REPOS_<OWNER>_<NAME>_<KEY> \
                for a repository on the allowlist, with KEY one of \(keys.map { AFKConfig.environmentName(for: $0).dropFirst(4) }.joined(separator: ", "))
                """)
        }
    }

    /// Dotted paths of the leaves (lists are leaves).
    static func flatten(_ map: [String: Any], prefix: String = "") -> [String] {
        map.flatMap { key, value -> [String] in
            if let nested = value as? [String: Any] { return flatten(nested, prefix: prefix + key + ".") }
            return [prefix + key]
        }.sorted()
    }
}
