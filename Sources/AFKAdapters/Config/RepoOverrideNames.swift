import AFKCore
import Foundation

/// Checks the *names* used for per-repository overrides, which typed reads cannot see: a
/// repository under `repos:` (or in an `AFK_REPOS_…` variable) that is not on the allowlist, or
/// a key no repository can override, would otherwise be ignored without a word. (The keys under
/// each repository are checked against ``ConfigKeys`` while the file is read.)
enum RepoOverrideNames {
    /// - Parameters:
    ///   - file: the configuration file, when there is one.
    ///   - environment: the process environment.
    ///   - allowlist: the allowlisted repositories; repository names are only checked against it
    ///     when it is not empty (a disabled configuration may be prepared ahead).
    /// - Returns: one sentence per problem.
    static func problems(file: ConfigFile?, environment: [String: String], allowlist: [RepoRef]) -> [String] {
        var problems: [String] = []
        let keys = ConfigKeys.overridablePaths
        if let file {
            for (name, line, _) in file.overrides {
                guard let repo = RepoRef(parsing: name) else {
                    problems.append(
                        "repos.\(name) (in \(file.path), line \(line)): the key must be a repository owner/name"
                    )
                    continue
                }
                if !allowlist.isEmpty, !allowlist.contains(where: { $0.slug == repo.slug }) {
                    problems.append(
                        "repos.\(name) (in \(file.path), line \(line)) overrides a repository that is not on the allowlist"
                    )
                }
            }
        }
        let variables = environment.keys.filter { $0.hasPrefix("AFK_REPOS_") }.sorted()
        guard !variables.isEmpty else { return problems }
        let known = Set(
            allowlist.flatMap { repo in keys.map { AFKConfig.environmentName(for: "repos.\(repo.description).\($0)") } }
        )
        for name in variables where !known.contains(name) {
            let near = ConfigKeys.nearest(to: name, among: known.sorted())
            problems.append(
                """
                \(name) (environment) is not a per-repository key of an allowlisted repository: expected AFK_REPOS_<OWNER>_<NAME>_<KEY> \
                for a repository on the allowlist, with KEY one of \(keys.map { AFKConfig.environmentName(for: $0).dropFirst(4) }.joined(separator: ", "))
                """ + (near.map { "; did you mean \($0)?" } ?? "")
            )
        }
        return problems
    }
}
