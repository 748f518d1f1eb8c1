import AFKCore
import Foundation

/// `GET /search/issues` (https://docs.github.com/en/rest/search/search#search-issues-and-pull-requests):
/// its own rate-limit bucket (`search`, 30 requests a minute), at most 1,000 results a query,
/// eventually consistent. Queries are built by ``SearchQueries``.
extension GitHubTracker {
    /// Pages read per query at most (100 results each, GitHub's cap of 1,000).
    static let searchPages = 10

    public func searchIssues(
        labeled label: String,
        state: TrackerIssue.State?,
        updatedSince: Date?,
        in repos: [RepoRef]
    ) async -> [TrackerIssue]? {
        guard !repos.isEmpty else { return [] }
        let queries = SearchQueries.queries(
            label: label,
            state: state?.rawValue,
            updatedSince: updatedSince.map(Timestamp.format),
            repos: repos
        )
        // The search bucket as the last answer left it: do not spend a request that would be refused.
        if let left = client.transport.tickGuard?.fleet.reading(client.breakerKey, resource: "search")?.remaining,
            left < queries.count
        {
            return nil
        }
        let wanted = Dictionary(repos.map { ($0.slug.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        var found: [TrackerIssue] = []
        for query in queries {
            var next: URL? = client.url(
                "/search/issues",
                query: [
                    ("q", query), ("per_page", "100"), ("sort", "updated"), ("order", "desc"),
                    ("advanced_search", "true"),
                ]
            )
            var pages = 0
            while let url = next {
                guard pages < Self.searchPages else { return nil }  // past 1,000 results: list instead
                let response: ServiceResponse
                do { response = try await client.send("GET", url) } catch { return nil }
                guard response.status == 200,
                    let page = try? client.decode(GitHub.SearchResult.self, from: response, "searching issues"),
                    page.incompleteResults != true
                else { return nil }
                for item in page.items.items {
                    guard let slug = item.repositoryURL.flatMap(Self.slug(fromRepositoryURL:)),
                        let repo = wanted[slug.lowercased()]
                    else { continue }
                    found.append(issue(from: item, in: repo))
                }
                next = LinkHeader.parse(response.headers["link"])["next"]
                pages += 1
            }
        }
        return found
    }

    /// `owner/name` from `https://api.github.com/repos/owner/name`.
    static func slug(fromRepositoryURL url: String) -> String? {
        let parts = url.split(separator: "/")
        guard parts.count >= 3, parts[parts.count - 3] == "repos" else { return nil }
        return "\(parts[parts.count - 2])/\(parts[parts.count - 1])"
    }
}

extension GitHub {
    /// `issue-search-result-item` page (the search endpoint's `{total_count, incomplete_results, items}`).
    struct SearchResult: Decodable {
        let totalCount: Int?
        let incompleteResults: Bool?
        let items: LenientList<Issue>

        enum CodingKeys: String, CodingKey {
            case items
            case totalCount = "total_count"
            case incompleteResults = "incomplete_results"
        }
    }
}
