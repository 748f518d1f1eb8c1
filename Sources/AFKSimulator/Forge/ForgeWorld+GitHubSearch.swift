import Foundation

/// GitHub's cross-repository issue search and rate-limit status, for afk at fleet scale.
extension ForgeWorld {
    static let searchIssuesDoc = "https://docs.github.com/rest/search/search#search-issues-and-pull-requests"

    /// The search limits (https://docs.github.com/en/rest/search/search#limitations-on-query-length and
    /// https://docs.github.com/en/rest/search/search#about-search): 256 characters of text besides operators and
    /// qualifiers, five `AND`/`OR`/`NOT`, 1,000 results.
    static let searchMaxTextLength = 256
    static let searchMaxOperators = 5
    static let searchMaxResults = 1000

    /// The operations the GitHub view serves: the fleet routes, then the others (``githubCoreRouter``).
    static let githubRouter = Router<GitHubHandler>(githubFleetRoutes + githubCoreRouter.routes)

    /// The fleet routes of the GitHub view, matched before the others.
    static let githubFleetRoutes: [Route<GitHubHandler>] = [
        .get("/search/issues") { world, call in world.searchIssues(call.request, login: call.login, now: call.now) },
        .get("/rate_limit") { world, call in .json(200, world.rateLimitObject(login: call.login)) },
    ]

    /// The 422 of a query GitHub refuses: `{"message":"Validation Failed","errors":[{…,"resource":"Search",
    /// "field":"q","code":…}]}`.
    static func searchValidationFailed(_ message: String?, code: String = "invalid") -> SimResponse {
        var error: [String: JSONValue] = [
            "resource": .string("Search"), "field": .string("q"), "code": .string(code),
        ]
        if let message { error["message"] = .string(message) }
        return .json(
            422,
            .obj([
                "message": .string("Validation Failed"),
                "errors": .array([.object(error)]),
                "documentation_url": .string(searchIssuesDoc),
                "status": .string("422"),
            ])
        )
    }

    /// Whether `login` may see repository `r` (public, or listed with a role other than `none`).
    func canSee(_ login: String, repo r: Int) -> Bool {
        !repos[r].isPrivate || (role(of: login, in: r).map { $0 != "none" } ?? false)
    }

    /// `GET /search/issues`: `{total_count, incomplete_results, items}` where items are issues as the issue
    /// lists render them (with `score`), as the search index holds them: with `search_lag_seconds`, a change
    /// shows only that long after it happened (``ForgeFleet/indexed(_:repoID:now:)``).
    mutating func searchIssues(_ request: SimRequest, login: String, now: Date) -> SimResponse {
        // A form-encoded `+` is a space, as GitHub reads it (`q=is:issue+label:x`).
        guard let q = request.query["q"]?.replacingOccurrences(of: "+", with: " "),
            !q.trimmingCharacters(in: .whitespaces).isEmpty
        else {
            return Self.searchValidationFailed(nil, code: "missing")
        }
        let query = GitHubSearchQuery(q)
        if query.textLength > Self.searchMaxTextLength {
            return Self.searchValidationFailed("The search is longer than 256 characters.")
        }
        if query.operators > Self.searchMaxOperators {
            return Self.searchValidationFailed("The search contains more than 5 AND / OR / NOT operators.")
        }
        // Scope: the named repositories and owners the caller can see (the others are dropped silently unless
        // none is left), or every repository it can see.
        var scope: [Int]
        if query.repos.isEmpty && query.owners.isEmpty {
            scope = repos.indices.filter { canSee(login, repo: $0) }
        } else {
            var chosen = Set<Int>()
            for full in query.repos {
                let parts = full.split(separator: "/", maxSplits: 1).map(String.init)
                if parts.count == 2, let r = repoIndex(parts[0], parts[1]), canSee(login, repo: r) { chosen.insert(r) }
            }
            var ownerSeen = false
            for owner in query.owners {
                let owned = repos.indices.filter { repos[$0].owner.lowercased() == owner.lowercased() }
                if owner.lowercased() == login.lowercased() || !owned.isEmpty { ownerSeen = true }
                chosen.formUnion(owned.filter { canSee(login, repo: $0) })
            }
            guard !chosen.isEmpty || ownerSeen else {
                return Self.searchValidationFailed(
                    "The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them."
                )
            }
            scope = chosen.sorted()
        }
        var hits: [(repo: Int, issue: Int, document: ForgeFleet.Document)] = []
        for r in scope {
            for (i, issue) in repos[r].issues.enumerated() {
                guard let document = fleet.indexed(issue, repoID: repos[r].id ?? 0, now: now),
                    query.matches(document, isPullRequest: issue.isPullRequest, createdAt: issue.createdAt)
                else { continue }
                hits.append((r, i, document))
            }
        }
        let descending = (request.query["order"] ?? "desc") != "asc"
        let sort = request.query["sort"] ?? ""
        hits.sort { a, b in
            let x = repos[a.repo].issues[a.issue]
            let y = repos[b.repo].issues[b.issue]
            let ordered: Bool
            switch sort {
            case "updated":
                ordered =
                    (a.document.updatedAt ?? "", a.repo, x.number) < (b.document.updatedAt ?? "", b.repo, y.number)
            case "comments": ordered = (x.comments.count, a.repo, x.number) < (y.comments.count, b.repo, y.number)
            default: ordered = (x.createdAt ?? "", a.repo, x.number) < (y.createdAt ?? "", b.repo, y.number)
            }
            return descending ? !ordered : ordered
        }
        let reachable = Array(hits.prefix(Self.searchMaxResults))
        let perPage = min(100, max(1, request.query["per_page"].flatMap { Int($0) } ?? 30))
        let page = max(1, request.query["page"].flatMap { Int($0) } ?? 1)
        if (page - 1) * perPage >= Self.searchMaxResults {
            return Self.error(422, "Only the first 1000 search results are available", doc: Self.searchIssuesDoc)
        }
        let start = min(reachable.count, (page - 1) * perPage)
        let slice = reachable[start..<min(reachable.count, start + perPage)]
        let (_, link) = paginate(Array(repeating: JSONValue.null, count: reachable.count), request)
        let items = slice.map { searchItem(repo: $0.repo, issue: $0.issue, document: $0.document) }
        var response = SimResponse.json(
            200,
            .obj([
                "total_count": .num(hits.count),
                "incomplete_results": .bool(fleet.incompleteResults),
                "items": .array(items),
            ])
        )
        if let link { response.setHeader("Link", link) }
        return response
    }

    /// An `issue-search-result-item`: the issue as the index holds it (title, state, labels, `updated_at`), with a
    /// `score`.
    func searchItem(repo r: Int, issue i: Int, document: ForgeFleet.Document) -> JSONValue {
        guard case .object(var members) = issueObject(repo: r, issue: i) else { return .null }
        members["title"] = .string(document.title)
        members["state"] = .string(document.state)
        members["updated_at"] = .str(document.updatedAt)
        members["labels"] = .array(
            document.labels.sorted { $0.lowercased() < $1.lowercased() }.map { labelObject($0, repo: r) }
        )
        members["score"] = .double(1)
        return .object(members)
    }
}
