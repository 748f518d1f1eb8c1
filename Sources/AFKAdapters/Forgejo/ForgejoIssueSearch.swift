import AFKCore
import Foundation

/// `GET /repos/issues/search` (Forgejo and Gitea API v1): issues of every repository the token
/// can read, filtered here to the allowlist. `labels` matches any of the names given; with an
/// empty `q` the database answers, so it is consistent, not lagging like the keyword indexer.
extension ForgejoTracker {
    /// Pages of 50 read at most; a busier instance is listed per repository instead.
    static let searchPages = 10

    public func searchIssues(
        labeled label: String,
        state: TrackerIssue.State?,
        updatedSince: Date?,
        in repos: [RepoRef]
    ) async -> [TrackerIssue]? {
        guard !repos.isEmpty else { return [] }
        let wanted = Dictionary(repos.map { ($0.slug.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        var query = [("labels", label), ("state", state?.rawValue ?? "all"), ("type", "issues")]
        if let updatedSince { query.append(("since", Timestamp.format(updatedSince))) }
        // One owner for every repository: narrow the search to it.
        let owners = Set(repos.map { $0.owner.lowercased() })
        if owners.count == 1, let owner = repos.first?.owner { query.append(("owner", owner)) }
        let items: [Forgejo.Issue]?
        do {
            items = try await getAll(
                "/repos/issues/search",
                query: query,
                Forgejo.Issue.self,
                "searching issues labeled \(label)",
                paging: Paging(maxPages: Self.searchPages, truncate: false)
            )
        } catch {
            return nil
        }
        guard let items else { return nil }
        return items.compactMap { item in
            guard let slug = item.repository?.fullName, let repo = wanted[slug.lowercased()] else { return nil }
            return issue(from: item, in: repo)
        }
    }
}
