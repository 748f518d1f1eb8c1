import Foundation

/// The cross-repository issue searches that find which allowlisted repositories have work,
/// within GitHub's limits (https://docs.github.com/en/rest/search/search#limitations-on-query-length):
/// at most five `AND`/`OR`/`NOT` operators a query, and the issue search's advanced syntax (the
/// default on github.com since 2025), where a space between qualifiers means AND. So repositories
/// are ORed in groups of at most six, in parentheses; an owner with several allowlisted
/// repositories is searched once as `user:owner` (which covers organisations too), and results
/// from its other repositories are dropped by the caller.
public enum SearchQueries {
    /// Scopes ORed in one query: five `OR` operators at most.
    public static let scopesPerQuery = 6

    /// The queries for issues (`is:issue`, not pull requests) carrying `label` in `repos`.
    /// `state` is `open`, `closed` or nil (both); `updatedSince` (an ISO 8601 timestamp) narrows
    /// to recently updated ones.
    public static func queries(
        label: String,
        state: String? = "open",
        updatedSince: String? = nil,
        repos: [RepoRef]
    ) -> [String] {
        var head = "is:issue"
        if let state { head += " is:\(state)" }
        head += " label:\"\(label.replacingOccurrences(of: "\"", with: ""))\""
        if let updatedSince { head += " updated:>=\(updatedSince)" }
        var byOwner: [String: [RepoRef]] = [:]
        var owners: [String] = []
        for repo in repos {
            let owner = repo.owner.lowercased()
            if byOwner[owner] == nil { owners.append(owner) }
            byOwner[owner, default: []].append(repo)
        }
        let scopes = owners.compactMap { owner -> String? in
            guard let list = byOwner[owner], let first = list.first else { return nil }
            return list.count == 1 ? "repo:\(first.slug)" : "user:\(first.owner)"
        }
        return stride(from: 0, to: scopes.count, by: scopesPerQuery)
            .map { start in
                let group = scopes[start..<min(start + scopesPerQuery, scopes.count)]
                return group.count == 1 ? "\(head) \(group[start])" : "\(head) (\(group.joined(separator: " OR ")))"
            }
    }
}

/// Which repositories a tick works on, given what the searches found.
public enum Discovery {
    /// The repositories of `allowlist` (in its order) that `found` names (`owner/name`, compared
    /// case-insensitively); all of them when the searches could not be made (`found` nil): the
    /// per-repository fallback.
    public static func busy(_ allowlist: [RepoRef], found: Set<String>?) -> [RepoRef] {
        guard let found else { return allowlist }
        let lowered = Set(found.map { $0.lowercased() })
        return allowlist.filter { lowered.contains($0.slug.lowercased()) }
    }
}
