import Foundation

/// Gitea/Forgejo's cross-repository issue search, `GET /api/v1/repos/issues/search`
/// (https://codeberg.org/api/swagger#/issue/issueSearchIssues; `routers/api/v1/repo/issue.go SearchIssues` and
/// `modules/indexer/issues/indexer.go` in Forgejo and Gitea).
extension ForgeWorld {
    /// The operations the Forgejo view serves: the fleet routes, then the others (``forgejoCoreRouter``).
    static let forgejoRouter = Router<ForgejoHandler>(forgejoFleetRoutes + forgejoCoreRouter.routes)

    /// The fleet routes of the Forgejo view, matched before the others (`/repos/issues/search` would otherwise
    /// be read as the repository `issues/search`).
    static let forgejoFleetRoutes: [Route<ForgejoHandler>] = [
        .get("/repos/issues/search") { world, call in world.forgejoSearchIssues(call.request, call.context) }
    ]

    /// Issues and pull requests of every repository the caller can read, newest first, as `Issue` objects with
    /// `X-Total-Count` and `Link`. `state` (`open` by default, `closed`, `all`), `labels` (names, any of them;
    /// names no repository has are dropped, and nothing matches when none is left), `type` (`issues`, `pulls`),
    /// `since`/`before` (on `updated_at`), `owner`, `page`, `limit` (at most 50).
    ///
    /// Without `q` the database answers (read-after-write consistent); a keyword goes through the issue indexer,
    /// which sees changes only `search_lag_seconds` after they happen, while the objects returned are read
    /// from the database (current).
    mutating func forgejoSearchIssues(_ request: SimRequest, _ fj: ForgejoContext) -> SimResponse {
        let q = request.query
        let bounds: (since: Date?, before: Date?)
        switch Self.forgejoSinceBefore(request, fj) {
        case .success(let value): bounds = value
        case .failure(let error): return error.response
        }
        let state = q["state"] ?? "open"
        let type = q["type"] ?? ""
        let keyword = (q["q"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let names = (q["labels"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let known = Set(names.filter { name in repos.contains { $0.labels.contains { $0.name == name } } })
        if !names.isEmpty && known.isEmpty {
            return Self.forgejoList([], total: 0, link: true, request, fj)
        }
        let owner = (q["owner"] ?? "").lowercased()
        var hits: [(repo: Int, issue: Int)] = []
        for r in repos.indices where forgejoAccess(fj.login, repo: r, fj) >= .read {
            if !owner.isEmpty && repos[r].owner.lowercased() != owner { continue }
            for (i, issue) in repos[r].issues.enumerated() {
                if type == "issues" && issue.isPullRequest { continue }
                if type == "pulls" && !issue.isPullRequest { continue }
                let seen: ForgeFleet.Document?
                if keyword.isEmpty {
                    seen = ForgeFleet.Document(issue)
                } else {
                    seen = fleet.indexed(issue, repoID: repos[r].id ?? 0, now: fj.now)
                }
                guard let document = seen else { continue }
                if state != "all" && document.state != state { continue }
                if !known.isEmpty && !document.labels.contains(where: known.contains) { continue }
                if !keyword.isEmpty
                    && !(document.title.lowercased().contains(keyword) || document.body.lowercased().contains(keyword))
                {
                    continue
                }
                guard Self.within(document.updatedAt, since: bounds.since, before: bounds.before) else { continue }
                hits.append((r, i))
            }
        }
        hits.sort { a, b in
            let x = repos[a.repo].issues[a.issue]
            let y = repos[b.repo].issues[b.issue]
            return (x.createdAt ?? "", x.id ?? 0) > (y.createdAt ?? "", y.id ?? 0)
        }
        let page = Self.forgejoSlice(hits, request).map { forgejoIssue(repo: $0.repo, issue: $0.issue, fj) }
        return Self.forgejoList(page, total: hits.count, link: true, request, fj)
    }
}
