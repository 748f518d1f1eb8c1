import Foundation

/// The Gitea/Forgejo API v1 view of the forge: `/forgejo/api/v1/...` with the `/forgejo` prefix
/// already stripped (https://codeberg.org/api/swagger; behaviour checked against Forgejo @7958942e `routers/api/v1`).
///
/// Same repositories, issues, labels, comments, events, collaborators, commits and CI as `/github`; the
/// Swift helpers (`addLabel`, `addComment`, `pushCommit`, `setStatus`, …) therefore work whichever API a
/// client speaks.
extension ForgeWorld {
    typealias ForgejoHandler = WorldHandler<ForgeWorld, ForgejoContext>

    // MARK: Entry point

    mutating func handleForgejo(_ request: SimRequest, config: ForgejoScenario, appURL: String, now: Date)
        -> SimResponse
    {
        var response = forgejoDispatch(request, config: config, appURL: appURL, now: now)
        // One `Content-Type`, spelled as Go's `ctx.JSON` writes it.
        response.headers.removeAll { $0.name.lowercased() == "content-type" }
        if !response.body.isEmpty { response.headers.append(Self.forgejoJSONHeader[0]) }
        return response
    }

    private mutating func forgejoDispatch(_ request: SimRequest, config: ForgejoScenario, appURL: String, now: Date)
        -> SimResponse
    {
        let anonymous = ForgejoContext(config: config, appURL: appURL, login: "", now: now)
        let s = request.segments
        guard s.count >= 2, s[0] == "api", s[1] == "v1" else { return Self.forgejoNotFound(anonymous) }
        let path = Array(s.dropFirst(2))
        if case .found(let handler, let parameters) = Self.forgejoRouter.match(request.method, path, anonymous: true) {
            return handler(&self, RouteCall(request: request, parameters: parameters, context: anonymous))
        }
        guard let login = forgejoLogin(request, config) else {
            return Self.forgejoError(401, "token is required", anonymous)
        }
        let fj = ForgejoContext(config: config, appURL: appURL, login: login, now: now)
        // Forgejo answers 404 to a path or method it does not serve, as to a repository the caller may not read.
        guard case .found(let handler, let parameters) = Self.forgejoRouter.match(request.method, path) else {
            return Self.forgejoNotFound(fj)
        }
        return handler(&self, RouteCall(request: request, parameters: parameters, context: fj))
    }

    static let forgejoJSONHeader: [(name: String, value: String)] = [("content-type", "application/json;charset=utf-8")]

    /// The caller's login. Forgejo accepts the literal lower-case `token` or `bearer` in any case
    /// (`services/auth/oauth2.go parseToken`); Gitea accepts both schemes case-insensitively. Both accept
    /// Basic `user:token`.
    func forgejoLogin(_ request: SimRequest, _ config: ForgejoScenario) -> String? {
        guard let raw = request.header("authorization") else { return nil }
        let fields = raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 2 else { return nil }
        let scheme = fields[0]
        let credential = fields[1]
        let isToken = config.isGitea ? scheme.lowercased() == "token" : scheme == "token"
        if isToken || scheme.lowercased() == "bearer" { return tokens[credential] }
        if scheme.lowercased() == "basic", let data = Data(base64Encoded: credential) {
            let pair = String(decoding: data, as: UTF8.self).split(separator: ":", maxSplits: 1).map(String.init)
            guard pair.count == 2, let login = tokens[pair[1]], login.lowercased() == pair[0].lowercased() else {
                return nil
            }
            return login
        }
        return nil
    }

    // MARK: Errors

    /// `APIError`: `{"message", "url"}` with `url` the instance's swagger URL.
    static func forgejoError(_ status: Int, _ message: String, _ fj: ForgejoContext) -> SimResponse {
        .json(status, .obj(["message": .string(message), "url": .string(fj.swaggerURL)]), headers: forgejoJSONHeader)
    }

    /// `APINotFound` (`ctx.NotFound()`).
    static func forgejoNotFound(_ fj: ForgejoContext, errors: [String] = []) -> SimResponse {
        .json(
            404,
            .obj([
                "message": .string("The target couldn't be found."), "url": .string(fj.swaggerURL),
                "errors": .array(errors.map(JSONValue.string)),
            ]),
            headers: forgejoJSONHeader
        )
    }

    /// `ctx.Status(403)`: no body.
    static let forgejoForbidden = SimResponse(status: 403)

    // MARK: Pagination

    /// `page` as sent (0 when absent or invalid) and `limit` via `ToCorrectPageSize` (≤ 0 → 30, > 50 → 50).
    /// `per_page` is not a Gitea parameter and is ignored.
    static func forgejoListOptions(_ request: SimRequest) -> (page: Int, limit: Int) {
        let q = request.query
        let page = q["page"].flatMap { Int($0) } ?? 0
        var limit = q["limit"].flatMap { Int($0) } ?? 0
        if limit <= 0 { limit = 30 }
        if limit > 50 { limit = 50 }
        return (page, limit)
    }

    /// One page of `items`. With `allWhenNoPage`, `page` 0 (absent) returns everything — the queries that
    /// only paginate when `Page > 0` (labels, timeline, action runs).
    static func forgejoSlice<T>(_ items: [T], _ request: SimRequest, allWhenNoPage: Bool = false) -> [T] {
        let (page, limit) = forgejoListOptions(request)
        if page <= 0, allWhenNoPage { return items }
        let p = max(1, page)
        let start = min(items.count, (p - 1) * limit)
        return Array(items[start..<min(items.count, start + limit)])
    }

    /// `application/x-www-form-urlencoded` escaping as Go's `url.QueryEscape`.
    static func goQueryEscape(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            case UInt8(ascii: " "):
                out.append("+")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// `genAPILinks`: next, last, first, prev (in that order, joined by `,`), absolute URLs built from
    /// `AppURL` + the request URI with `page` replaced and the query re-encoded in key order.
    static func forgejoLinkHeader(_ request: SimRequest, total: Int, _ fj: ForgejoContext) -> String? {
        let (rawPage, limit) = forgejoListOptions(request)
        let totalPages = total == 0 ? 1 : (total + limit - 1) / limit
        var current = max(1, rawPage)
        if current > totalPages { current = totalPages }
        let hasNext = total > current * limit
        let isLast = total == 0 ? true : (total > (current - 1) * limit && !hasNext)
        let isFirst = current == 1
        let hasPrevious = current > 1
        func link(_ page: Int, _ rel: String) -> String {
            var values: [String: [String]] = [:]
            for item in request.queryItems { values[item.name, default: []].append(item.value) }
            values["page"] = [String(page)]
            let query = values.keys.sorted()
                .flatMap { key in
                    (values[key] ?? []).map { "\(goQueryEscape(key))=\(goQueryEscape($0))" }
                }
                .joined(separator: "&")
            let path = request.segments.map(pathEscape).joined(separator: "/")
            return "<\(fj.appURL)\(path)?\(query)>; rel=\"\(rel)\""
        }
        var links: [String] = []
        if hasNext { links.append(link(current + 1, "next")) }
        if !isLast { links.append(link(totalPages, "last")) }
        if !isFirst { links.append(link(1, "first")) }
        if hasPrevious { links.append(link(current - 1, "prev")) }
        return links.isEmpty ? nil : links.joined(separator: ",")
    }

    /// A JSON array response with `X-Total-Count` and, when asked, `Link`.
    static func forgejoList(
        _ page: [JSONValue],
        total: Int?,
        link: Bool,
        _ request: SimRequest,
        _ fj: ForgejoContext
    ) -> SimResponse {
        var response = SimResponse.json(200, .array(page), headers: forgejoJSONHeader)
        if let total {
            response.setHeader("X-Total-Count", String(total))
            if link, let value = forgejoLinkHeader(request, total: total, fj) { response.setHeader("Link", value) }
        }
        return response
    }

    /// `GetQueryBeforeSince`: RFC 3339 `since` / `before`; a bad value is a 422.
    static func forgejoSinceBefore(_ request: SimRequest, _ fj: ForgejoContext) -> Result<
        (since: Date?, before: Date?), SimResponseError
    > {
        var bounds: [String: Date] = [:]
        for key in ["since", "before"] {
            guard let raw = request.query[key], !raw.isEmpty else { continue }
            guard let date = SimClock.parse(raw), raw.contains("T") else {
                return .failure(
                    SimResponseError(
                        forgejoError(
                            422,
                            "parsing time \"\(raw)\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\(raw)\" as \"2006\"",
                            fj
                        )
                    )
                )
            }
            bounds[key] = date
        }
        return .success((bounds["since"], bounds["before"]))
    }

    static func within(_ stamp: String?, since: Date?, before: Date?) -> Bool {
        guard since != nil || before != nil else { return true }
        guard let stamp, let date = SimClock.parse(stamp) else { return true }
        if let since, date < since { return false }
        if let before, date > before { return false }
        return true
    }

    // MARK: Routes

    /// The operations the `/forgejo` view serves, relative to `/api/v1` and spelled as the Forgejo swagger does
    /// (a test checks each against it and calls it). Matched in this order: `issues/comments/{id}` before
    /// `issues/{index}/…`.
    static let forgejoCoreRouter = Router<ForgejoHandler>(
        [
            // `GET /version` needs no token.
            .get("/version", anonymous: true) { _, call in
                .json(200, .obj(["version": .string(call.config.reportedVersion)]), headers: Self.forgejoJSONHeader)
            },
            .get("/user") { world, call in
                .json(200, world.forgejoUser(call.login, call.context, authed: true), headers: Self.forgejoJSONHeader)
            },
            forgejoRepoRoute("GET", "") { world, call, r in
                .json(200, world.forgejoRepository(r, call.context), headers: Self.forgejoJSONHeader)
            },
            forgejoRepoRoute("GET", "/issues") { world, call, r in
                world.forgejoListIssues(call.request, repo: r, call.context)
            },
            forgejoRepoRoute("POST", "/issues") { world, call, r in
                world.forgejoCreateIssue(call.request, repo: r, call.context)
            },
            forgejoRepoRoute("GET", "/issues/comments/{id}/reactions") { world, call, r in
                world.forgejoListCommentReactions(repo: r, id: call["id"], call.context)
            },
            forgejoRepoRoute("POST", "/issues/comments/{id}/reactions") { world, call, r in
                world.forgejoReactToComment(call.request, repo: r, id: call["id"], call.context)
            },
            forgejoRepoRoute("GET", "/issues/comments/{id}") { world, call, r in
                guard let id = Int64(call["id"]), let (i, k) = world.findComment(repo: r, id: id) else {
                    return Self.forgejoNotFound(call.context)
                }
                return .json(
                    200,
                    world.forgejoComment(world.repos[r].issues[i].comments[k], repo: r, issue: i, call.context),
                    headers: Self.forgejoJSONHeader
                )
            },
            forgejoRepoRoute("PATCH", "/issues/comments/{id}") { world, call, r in
                world.forgejoEditComment(call.request, repo: r, id: call["id"], call.context)
            },
            forgejoIssueRoute("GET", "") { world, call, r, i in
                .json(200, world.forgejoIssue(repo: r, issue: i, call.context), headers: Self.forgejoJSONHeader)
            },
            forgejoIssueRoute("PATCH", "") { world, call, r, i in
                world.forgejoEditIssue(call.request, repo: r, issue: i, call.context)
            },
            forgejoIssueRoute("GET", "/timeline") { world, call, r, i in
                world.forgejoTimelineRoute(call.request, repo: r, issue: i, call.context)
            },
            forgejoIssueRoute("GET", "/comments") { world, call, r, i in
                world.forgejoListComments(call.request, repo: r, issue: i, call.context)
            },
            forgejoIssueRoute("POST", "/comments") { world, call, r, i in
                world.forgejoCreateComment(call.request, repo: r, issue: i, call.context)
            },
            // Deprecated: the index is ignored.
            forgejoIssueRoute("PATCH", "/comments/{id}") { world, call, r, _ in
                world.forgejoEditComment(call.request, repo: r, id: call["id"], call.context)
            },
            forgejoIssueRoute("GET", "/labels") { world, call, r, i in
                .json(
                    200,
                    .array(world.forgejoIssueLabels(repo: r, issue: i, call.context)),
                    headers: Self.forgejoJSONHeader
                )
            },
            forgejoIssueRoute("POST", "/labels") { world, call, r, i in
                world.forgejoAddLabels(call.request, repo: r, issue: i, call.context)
            },
            forgejoIssueRoute("DELETE", "/labels/{id}") { world, call, r, i in
                world.forgejoRemoveLabel(call["id"], repo: r, issue: i, call.context)
            },
            forgejoIssueRoute("GET", "/dependencies") { world, call, r, i in
                let blockers = world.repos[r].issues[i].blockedBy.compactMap { world.resolve($0, from: r) }
                    .filter { world.forgejoAccess(call.login, repo: $0.repo, call.context) >= .read }
                let page = Self.forgejoSlice(blockers, call.request)
                    .map { world.forgejoIssue(repo: $0.repo, issue: $0.issue, call.context) }
                return .json(200, .array(page), headers: Self.forgejoJSONHeader)
            },
            forgejoIssueRoute("GET", "/blocks") { world, call, r, i in
                var blocked: [(Int, Int)] = []
                for (ri, other) in world.repos.enumerated()
                where world.forgejoAccess(call.login, repo: ri, call.context) >= .read {
                    for (ii, candidate) in other.issues.enumerated()
                    where candidate.blockedBy.contains(where: {
                        world.resolve($0, from: ri).map { $0.repo == r && $0.issue == i } ?? false
                    }) {
                        blocked.append((ri, ii))
                    }
                }
                let page = Self.forgejoSlice(blocked, call.request)
                    .map { world.forgejoIssue(repo: $0.0, issue: $0.1, call.context) }
                return .json(200, .array(page), headers: Self.forgejoJSONHeader)
            },
            forgejoRepoRoute("GET", "/labels") { world, call, r in
                let labels = world.repos[r].labels.sorted { ($0.name, $0.id ?? 0) < ($1.name, $1.id ?? 0) }
                let page = Self.forgejoSlice(labels, call.request, allWhenNoPage: true)
                    .map { world.forgejoLabelObject($0, repo: r, call.context) }
                return Self.forgejoList(page, total: labels.count, link: false, call.request, call.context)
            },
            forgejoRepoRoute("POST", "/labels") { world, call, r in
                world.forgejoCreateLabel(call.request, repo: r, call.context)
            },
            forgejoRepoRoute("GET", "/labels/{id}") { world, call, r in
                // `GetLabel` takes an id, or a name when the segment is not an integer.
                let raw = call["id"]
                let label =
                    Int64(raw).flatMap { id in world.repos[r].labels.first { $0.id == id } }
                    ?? (Int64(raw) == nil ? world.repos[r].labels.first { $0.name == raw } : nil)
                guard let label else { return Self.forgejoNotFound(call.context) }
                return .json(
                    200,
                    world.forgejoLabelObject(label, repo: r, call.context),
                    headers: Self.forgejoJSONHeader
                )
            },
            forgejoRepoRoute("GET", "/collaborators") { world, call, r in
                let owner = world.repos[r].owner.lowercased()
                let logins = world.repos[r].collaborators
                    .filter { $0.key.lowercased() != owner && $0.value.lowercased() != "none" }
                    .keys.sorted { $0.lowercased() < $1.lowercased() }
                let page = Self.forgejoSlice(logins, call.request).map { world.forgejoUser($0, call.context) }
                return Self.forgejoList(page, total: logins.count, link: false, call.request, call.context)
            },
            forgejoRepoRoute("GET", "/collaborators/{collaborator}/permission") { world, call, r in
                world.forgejoPermission(call["collaborator"], repo: r, call.context)
            },
            forgejoRepoRoute("GET", "/commits") { world, call, r in
                world.forgejoListCommits(call.request, repo: r, call.context)
            },
            forgejoRepoRoute("GET", "/commits/{ref...}/status") { world, call, r in
                world.forgejoStatusRoute(call.request, repo: r, ref: call["ref"], combined: true, call.context)
            },
            forgejoRepoRoute("GET", "/commits/{ref...}/statuses") { world, call, r in
                world.forgejoStatusRoute(call.request, repo: r, ref: call["ref"], combined: false, call.context)
            },
            forgejoRepoRoute("GET", "/actions/runs") { world, call, r in
                guard call.config.servesActionRuns else { return Self.forgejoNotFound(call.context) }
                return world.forgejoActionRuns(call.request, repo: r, call.context)
            },
        ] + forgejoPullRoutes
    )

    /// A route under `/repos/{owner}/{repo}`: a repository that does not exist, or that the caller may not read,
    /// is a 404.
    static func forgejoRepoRoute(
        _ method: String,
        _ tail: String,
        _ body: @escaping @Sendable (inout ForgeWorld, RouteCall<ForgejoContext>, Int) -> SimResponse
    ) -> Route<ForgejoHandler> {
        Route(method, "/repos/{owner}/{repo}" + tail) { world, call in
            guard let r = world.repoIndex(call["owner"], call["repo"]),
                world.forgejoAccess(call.login, repo: r, call.context) >= .read
            else {
                return Self.forgejoNotFound(call.context)
            }
            return body(&world, call, r)
        }
    }

    /// A route under `/repos/{owner}/{repo}/issues/{index}`: no such issue is a 404.
    private static func forgejoIssueRoute(
        _ method: String,
        _ tail: String,
        _ body: @escaping @Sendable (inout ForgeWorld, RouteCall<ForgejoContext>, Int, Int) -> SimResponse
    ) -> Route<ForgejoHandler> {
        forgejoRepoRoute(method, "/issues/{index}" + tail) { world, call, r in
            guard let number = Int(call["index"]), let i = world.issueIndex(repo: r, number: number) else {
                return Self.forgejoNotFound(call.context)
            }
            return body(&world, call, r, i)
        }
    }

    // MARK: Issues

    /// `ListIssues`: PRs included unless `type=issues`; `labels` resolved among **repository** labels by
    /// exact name, unknown names dropped, the rest ANDed — and when none resolves, no label filter at all.
    private func forgejoListIssues(_ request: SimRequest, repo r: Int, _ fj: ForgejoContext) -> SimResponse {
        let q = request.query
        let bounds: (since: Date?, before: Date?)
        switch Self.forgejoSinceBefore(request, fj) {
        case .success(let value): bounds = value
        case .failure(let error): return error.response
        }
        let state = q["state"] ?? "open"
        let type = q["type"] ?? ""
        let createdBy = q["created_by"].flatMap { $0.isEmpty ? nil : $0.lowercased() }
        let names = (q["labels"] ?? "").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let wanted = Set(repos[r].labels.filter { names.contains($0.name) }.map { $0.name.lowercased() })
        var indices = repos[r].issues.indices
            .filter { i in
                let issue = repos[r].issues[i]
                switch state {
                case "closed": guard issue.state == "closed" else { return false }
                case "all": break
                default: guard issue.state == "open" else { return false }
                }
                if type == "issues", issue.isPullRequest { return false }
                if type == "pulls", !issue.isPullRequest { return false }
                if let createdBy, issue.author.lowercased() != createdBy { return false }
                guard Self.within(issue.updatedAt, since: bounds.since, before: bounds.before) else { return false }
                let have = Set(issue.labels.map { $0.lowercased() })
                return wanted.isSubset(of: have)
            }
        let sort = q["sort"] ?? "latest"
        indices.sort { a, b in
            let x = repos[r].issues[a]
            let y = repos[r].issues[b]
            switch sort {
            case "oldest": return (x.createdAt ?? "", x.number) < (y.createdAt ?? "", y.number)
            case "recentupdate": return (x.updatedAt ?? "", x.number) > (y.updatedAt ?? "", y.number)
            case "leastupdate": return (x.updatedAt ?? "", x.number) < (y.updatedAt ?? "", y.number)
            case "mostcomment": return (x.comments.count, x.number) > (y.comments.count, y.number)
            case "leastcomment": return (x.comments.count, x.number) < (y.comments.count, y.number)
            default: return (x.createdAt ?? "", x.number) > (y.createdAt ?? "", y.number)
            }
        }
        let page = Self.forgejoSlice(indices, request).map { forgejoIssue(repo: r, issue: $0, fj) }
        return Self.forgejoList(page, total: indices.count, link: true, request, fj)
    }

    /// `EditIssue`: 201 with the `Issue`. Closing with open blockers is a 412.
    private mutating func forgejoEditIssue(_ request: SimRequest, repo r: Int, issue i: Int, _ fj: ForgejoContext)
        -> SimResponse
    {
        guard let json = JSONValue.parse(request.body), json.isObject else {
            return Self.forgejoError(422, "[]: invalid character in JSON body", fj)
        }
        let issue = repos[r].issues[i]
        let canWrite = forgejoAccess(fj.login, repo: r, fj) >= .write
        guard canWrite || issue.author.lowercased() == fj.login.lowercased() else { return Self.forgejoForbidden }
        if let title = json["title"]?.stringValue, !title.isEmpty, title != issue.title {
            repos[r].issues[i].title = title
            repos[r].issues[i].events
                .append(
                    SimIssueEvent(
                        id: allocEventID(),
                        event: "renamed",
                        actor: fj.login,
                        renameFrom: issue.title,
                        renameTo: title,
                        createdAt: SimClock.github(fj.now)
                    )
                )
        }
        if let body = json["body"]?.stringValue { repos[r].issues[i].body = body }
        if let state = json["state"]?.stringValue {
            let closing = state == "closed"
            if closing != (issue.state == "closed") {
                guard canWrite || issue.author.lowercased() == fj.login.lowercased() else {
                    return Self.forgejoForbidden
                }
                if closing {
                    let openBlockers = issue.blockedBy.compactMap { resolve($0, from: r) }
                        .filter { repos[$0.repo].issues[$0.issue].state == "open" }
                    if !openBlockers.isEmpty {
                        return Self.forgejoError(
                            412,
                            "cannot close this issue because it still has open dependencies",
                            fj
                        )
                    }
                }
                setState(closing ? "closed" : "open", reason: nil, repo: r, issue: i, actor: fj.login, now: fj.now)
            }
        }
        repos[r].issues[i].updatedAt = SimClock.github(fj.now)
        return .json(201, forgejoIssue(repo: r, issue: i, fj), headers: Self.forgejoJSONHeader)
    }

    private func forgejoTimelineRoute(_ request: SimRequest, repo r: Int, issue i: Int, _ fj: ForgejoContext)
        -> SimResponse
    {
        let bounds: (since: Date?, before: Date?)
        switch Self.forgejoSinceBefore(request, fj) {
        case .success(let value): bounds = value
        case .failure(let error): return error.response
        }
        let entries = forgejoTimeline(repo: r, issue: i, fj)
            .filter {
                Self.within($0.json["updated_at"]?.stringValue, since: bounds.since, before: bounds.before)
            }
        // `FindComments` paginates only when `page` > 0; `X-Total-Count` is the length of what is returned.
        let page = Self.forgejoSlice(entries, request, allWhenNoPage: true).map(\.json)
        return Self.forgejoList(page, total: page.count, link: false, request, fj)
    }

    // MARK: Comments

    /// `ListIssueComments`: only `since`/`before`; no paging, everything comes back.
    private func forgejoListComments(_ request: SimRequest, repo r: Int, issue i: Int, _ fj: ForgejoContext)
        -> SimResponse
    {
        let bounds: (since: Date?, before: Date?)
        switch Self.forgejoSinceBefore(request, fj) {
        case .success(let value): bounds = value
        case .failure(let error): return error.response
        }
        let comments = repos[r].issues[i].comments
            .filter { Self.within($0.updatedAt ?? $0.createdAt, since: bounds.since, before: bounds.before) }
            .sorted { ($0.createdAt ?? "", $0.id ?? 0) < ($1.createdAt ?? "", $1.id ?? 0) }
        let items = comments.map { forgejoComment($0, repo: r, issue: i, fj) }
        return Self.forgejoList(items, total: items.count, link: false, request, fj)
    }

    static func forgejoRequiredBody(_ request: SimRequest) -> String? {
        guard let json = JSONValue.parse(request.body), let body = json["body"]?.stringValue, !body.isEmpty else {
            return nil
        }
        return body
    }

    private mutating func forgejoCreateComment(_ request: SimRequest, repo r: Int, issue i: Int, _ fj: ForgejoContext)
        -> SimResponse
    {
        guard let body = Self.forgejoRequiredBody(request) else {
            return Self.forgejoError(422, "[Body]: Required", fj)
        }
        if repos[r].issues[i].locked, forgejoAccess(fj.login, repo: r, fj) < .write {
            return Self.forgejoError(403, "user should have permission to write to the issue or pull request", fj)
        }
        let comment = addComment(body, repo: r, issue: i, user: fj.login, now: fj.now)
        return .json(201, forgejoComment(comment, repo: r, issue: i, fj), headers: Self.forgejoJSONHeader)
    }

    private mutating func forgejoEditComment(_ request: SimRequest, repo r: Int, id raw: String, _ fj: ForgejoContext)
        -> SimResponse
    {
        guard let id = Int64(raw), let (i, k) = findComment(repo: r, id: id) else { return Self.forgejoNotFound(fj) }
        let comment = repos[r].issues[i].comments[k]
        guard comment.user.lowercased() == fj.login.lowercased() || forgejoAccess(fj.login, repo: r, fj) >= .write
        else {
            return Self.forgejoForbidden
        }
        guard let body = Self.forgejoRequiredBody(request) else {
            return Self.forgejoError(422, "[Body]: Required", fj)
        }
        if body != comment.body {
            repos[r].issues[i].comments[k].body = body
            repos[r].issues[i].comments[k].updatedAt = SimClock.github(fj.now)
        }
        return .json(
            200,
            forgejoComment(repos[r].issues[i].comments[k], repo: r, issue: i, fj),
            headers: Self.forgejoJSONHeader
        )
    }

    // MARK: Labels

    /// `AddIssueLabels`: all ids or all names (mixed → 400); names only on servers that accept them (older
    /// ones fail to bind `[]int64` → 422). Unknown ids/names are ignored — never created. Answers 200 with
    /// every label now on the issue.
    private mutating func forgejoAddLabels(_ request: SimRequest, repo r: Int, issue i: Int, _ fj: ForgejoContext)
        -> SimResponse
    {
        guard let json = JSONValue.parse(request.body), json.isObject else {
            return Self.forgejoError(422, "[]: invalid character in JSON body", fj)
        }
        let elements = json["labels"]?.arrayValue ?? []
        var ids: [Int64] = []
        var names: [String] = []
        for element in elements {
            if case .string(let name) = element {
                guard fj.config.acceptsLabelNames else {
                    return Self.forgejoError(
                        422,
                        "[]: json: cannot unmarshal string into Go struct field IssueLabelsOption.labels of type int64",
                        fj
                    )
                }
                names.append(name)
            } else if let id = element.intValue {
                ids.append(id)
            } else {
                return Self.forgejoError(400, "a label must be an integer or a string", fj)
            }
        }
        if !ids.isEmpty, !names.isEmpty {
            return Self.forgejoError(400, "labels should be an array of strings or integers", fj)
        }
        guard forgejoAccess(fj.login, repo: r, fj) >= .write else { return Self.forgejoForbidden }
        let matched = repos[r].labels
            .filter { label in
                names.contains(label.name) || ids.contains(label.id ?? -1)
            }
        addLabels(matched.map(\.name), repo: r, issue: i, actor: fj.login, now: fj.now)
        return .json(200, .array(forgejoIssueLabels(repo: r, issue: i, fj)), headers: Self.forgejoJSONHeader)
    }

    /// `CreateLabel` (`CreateLabelOption`: name, color `#rrggbb`, description) → 201 `Label`.
    private mutating func forgejoCreateLabel(_ request: SimRequest, repo r: Int, _ fj: ForgejoContext) -> SimResponse {
        guard forgejoAccess(fj.login, repo: r, fj) >= .write else {
            return Self.forgejoError(403, "user should have write permission", fj)
        }
        guard let json = JSONValue.parse(request.body), let name = json["name"]?.stringValue, !name.isEmpty else {
            return Self.forgejoError(422, "[Name]: Required", fj)
        }
        let color = (json["color"]?.stringValue ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "#"))
        let label = SimLabel(
            name: name,
            color: color.isEmpty ? Self.color(for: name) : color,
            description: json["description"]?.stringValue,
            id: allocLabelID()
        )
        repos[r].labels.append(label)
        return .json(201, forgejoLabelObject(label, repo: r, fj), headers: Self.forgejoJSONHeader)
    }

    /// `DeleteIssueLabel`: numeric id only (a name parses as id 0 → 422 "label does not exist"); 204, also
    /// when the label is not on the issue (then nothing is recorded).
    private mutating func forgejoRemoveLabel(_ raw: String, repo r: Int, issue i: Int, _ fj: ForgejoContext)
        -> SimResponse
    {
        guard forgejoAccess(fj.login, repo: r, fj) >= .write else { return Self.forgejoForbidden }
        let id = Int64(raw) ?? 0
        guard let label = repos[r].labels.first(where: { $0.id == id }) else {
            return Self.forgejoError(422, "label does not exist [label_id: \(id)]", fj)
        }
        _ = removeLabel(label.name, repo: r, issue: i, actor: fj.login, now: fj.now)
        return SimResponse(status: 204)
    }

    // MARK: Permissions

    /// `GetRepoPermissions`: 404 for unknown users; 403 unless the caller is a site admin, a repository
    /// admin/owner, or asks about itself.
    private func forgejoPermission(_ name: String, repo r: Int, _ fj: ForgejoContext) -> SimResponse {
        guard let login = forgejoKnownUsers(fj)[name.lowercased()] else {
            return Self.forgejoError(404, "user redirect does not exist [name: \(name)]", fj)
        }
        let callerIsAdmin = isSiteAdmin(fj.login, fj) || forgejoAccess(fj.login, repo: r, fj) >= .admin
        guard callerIsAdmin || login.lowercased() == fj.login.lowercased() else {
            return Self.forgejoError(
                403,
                "Only admins can query all permissions, repo admins can query all repo permissions, collaborators can query only their own",
                fj
            )
        }
        return .json(200, forgejoPermissionObject(login, repo: r, fj), headers: Self.forgejoJSONHeader)
    }

    // MARK: Commits and statuses

    private static func flag(_ request: SimRequest, _ name: String) -> Bool {
        guard let raw = request.query[name], !raw.isEmpty else { return true }
        return ["1", "t", "true"].contains(raw.lowercased())
    }

    /// `GetAllCommits`: newest first from `sha` (default branch), paged (`limit` ≤ 50), 409 on an empty
    /// repository; `stat`/`verification`/`files` default to true. Gitea filters on `since`/`until`; Forgejo
    /// has no such parameters and ignores them.
    private func forgejoListCommits(_ request: SimRequest, repo r: Int, _ fj: ForgejoContext) -> SimResponse {
        guard hasCommits(r) else { return Self.forgejoError(409, "Git Repository is empty.", fj) }
        let q = request.query
        let ref = q["sha"].flatMap { $0.isEmpty ? nil : $0 } ?? repos[r].defaultBranch
        guard case .commit(let branch, let index) = resolveRef(ref, repo: r), let commits = repos[r].branches[branch]
        else {
            return Self.forgejoNotFound(fj, errors: ["object does not exist [id: \(ref), rel_path: ]"])
        }
        var bounds: [String: Date] = [:]
        if fj.config.isGitea {
            for key in ["since", "until"] {
                guard let raw = q[key], !raw.isEmpty else { continue }
                guard let date = SimClock.parse(raw) else {
                    return Self.forgejoError(422, "invalid \(key) \(raw)", fj)
                }
                bounds[key] = date
            }
        }
        var chosen: [Int] = []
        for k in stride(from: index, through: 0, by: -1) {
            let date = commits[k].committedAt.flatMap(SimClock.parse)
            if let since = bounds["since"], let date, date < since { continue }
            if let until = bounds["until"], let date, date > until { continue }
            chosen.append(k)
        }
        let (rawPage, limit) = Self.forgejoListOptions(request)
        let page = max(1, rawPage)
        let items = Self.forgejoSlice(chosen, request)
            .map {
                forgejoCommit(
                    commits[$0],
                    repo: r,
                    branch: branch,
                    index: $0,
                    fj,
                    stat: Self.flag(request, "stat"),
                    verification: Self.flag(request, "verification"),
                    files: Self.flag(request, "files")
                )
            }
        var response = Self.forgejoList(items, total: chosen.count, link: true, request, fj)
        let pageCount = (chosen.count + limit - 1) / limit
        response.setHeader("X-Page", String(page))
        response.setHeader("X-PerPage", String(limit))
        response.setHeader("X-Total", String(chosen.count))
        response.setHeader("X-PageCount", String(pageCount))
        response.setHeader("X-HasMore", page < pageCount ? "true" : "false")
        return response
    }

    /// The SHA a ref names: a branch head, a (short) SHA of a commit, or — Forgejo's `ResolveRefOrSha` — the
    /// text itself when nothing matches.
    private func forgejoResolveSHA(_ ref: String, repo r: Int) -> String? {
        switch resolveRef(ref, repo: r) {
        case .commit(let branch, let index): return commit(r, branch, index)?.sha
        case .bareSHA(let sha): return sha
        case .emptyRepository, .notFound: return nil
        }
    }

    /// The latest status per context (by per-commit index), with those indices.
    private func forgejoLatestStatuses(repo r: Int, sha: String) -> [(index: Int, status: SimCommitStatus)] {
        let all = repos[r].statuses[sha] ?? []
        var latest: [String: Int] = [:]
        for (k, status) in all.enumerated() { latest[status.context] = k }
        return latest.values.sorted().map { ($0 + 1, all[$0]) }
    }

    private func forgejoStatusRoute(
        _ request: SimRequest,
        repo r: Int,
        ref: String,
        combined: Bool,
        _ fj: ForgejoContext
    ) -> SimResponse {
        guard !ref.isEmpty else { return Self.forgejoError(400, "ref/sha not given", fj) }
        let resolved = forgejoResolveSHA(ref, repo: r)
        if fj.config.isGitea, resolved == nil { return Self.forgejoNotFound(fj) }
        let sha = resolved ?? ref
        if !combined {
            // `GET …/commits/{ref}/statuses`: every status, newest first.
            let all = (repos[r].statuses[sha] ?? []).enumerated().reversed().map { ($0.offset + 1, $0.element) }
            let page = Self.forgejoSlice(Array(all), request)
                .map { forgejoStatus($0.1, index: $0.0, repo: r, sha: sha, fj) }
            return Self.forgejoList(page, total: all.count, link: true, request, fj)
        }
        let latest = forgejoLatestStatuses(repo: r, sha: sha)
        let page = Self.forgejoSlice(latest, request)
        let states = page.map(\.status.state)
        let statuses = page.map { forgejoStatus($0.status, index: $0.index, repo: r, sha: sha, fj) }
        if fj.config.isGitea {
            let commitURL = "\(forgejoRepoAPI(r, fj))/commits/\(sha)"
            var response = SimResponse.json(
                200,
                .obj([
                    "state": .string(Self.giteaCombinedState(states)),
                    "sha": .string(sha),
                    "total_count": .num(statuses.count),
                    "statuses": .array(statuses),
                    "repository": forgejoRepository(r, fj),
                    "commit_url": .string(commitURL),
                    "url": .string("\(commitURL)/status"),
                ]),
                headers: Self.forgejoJSONHeader
            )
            response.setHeader("X-Total-Count", String(latest.count))
            return response
        }
        guard !page.isEmpty else {
            // `ctx.JSON(http.StatusOK, &api.CombinedStatus{})`: Go's zero value, every field present and empty.
            return .json(
                200,
                .obj([
                    "state": .string(""), "sha": .string(""), "total_count": .int(0), "statuses": .null,
                    "repository": .null, "commit_url": .string(""), "url": .string(""),
                ]),
                headers: Self.forgejoJSONHeader
            )
        }
        var response = SimResponse.json(
            200,
            .obj([
                "state": .string(Self.forgejoCombinedState(states)),
                "sha": .string(sha),
                "total_count": .num(statuses.count),
                "statuses": .array(statuses),
                "repository": forgejoRepository(r, fj),
                "commit_url": .string(""),
                "url": .string(""),
            ]),
            headers: Self.forgejoJSONHeader
        )
        response.setHeader("X-Total-Count", String(latest.count))
        return response
    }

    // MARK: Actions runs

    /// The branch a SHA is on (default branch first), for `head_branch`.
    private func branchContaining(_ sha: String, repo r: Int) -> String {
        let order = [repos[r].defaultBranch] + repos[r].branches.keys.sorted().filter { $0 != repos[r].defaultBranch }
        for branch in order where repos[r].branches[branch]?.contains(where: { $0.sha == sha }) == true {
            return branch
        }
        return repos[r].defaultBranch
    }

    /// Forgejo's `actions_model.Status` name for a GitHub check run.
    static func forgejoRunStatus(_ run: SimCheckRun) -> String {
        switch run.status {
        case "completed":
            switch run.conclusion ?? "" {
            case "success": return "success"
            case "failure", "timed_out", "action_required", "startup_failure": return "failure"
            case "cancelled": return "cancelled"
            case "skipped", "neutral", "stale": return "skipped"
            default: return "unknown"
            }
        case "in_progress": return "running"
        case "waiting": return "blocked"
        case "queued", "requested", "pending": return "waiting"
        default: return "unknown"
        }
    }

    /// Gitea's `ToActionsStatus`: (`status`, `conclusion`).
    static func giteaRunStatus(_ forgejoStatus: String) -> (status: String, conclusion: String?) {
        switch forgejoStatus {
        case "waiting": return ("queued", nil)
        case "blocked": return ("waiting", nil)
        case "running": return ("in_progress", nil)
        case "success", "failure", "cancelled", "skipped": return ("completed", forgejoStatus)
        default: return ("", nil)
        }
    }

    /// `GET /repos/{o}/{r}/actions/runs`: every check run of the repository is one workflow run (named after
    /// the check); `head_sha`, `status`, `event` filter; newest first.
    private func forgejoActionRuns(_ request: SimRequest, repo r: Int, _ fj: ForgejoContext) -> SimResponse {
        let q = request.query
        var all: [(sha: String, run: SimCheckRun)] = []
        for (sha, runs) in repos[r].checkRuns { for run in runs { all.append((sha, run)) } }
        all.sort { ($0.run.id ?? 0) < ($1.run.id ?? 0) }
        var numbered = all.enumerated().map { (number: $0.offset + 1, sha: $0.element.sha, run: $0.element.run) }
        numbered.reverse()
        let statusFilter = request.queryItems.filter { $0.name == "status" }.map(\.value).filter { !$0.isEmpty }
        let known =
            fj.config.isGitea
            ? ["queued", "in_progress", "completed", "waiting", "success", "failure", "cancelled", "skipped"]
            : ["unknown", "waiting", "running", "success", "failure", "cancelled", "skipped", "blocked"]
        for status in statusFilter where !known.contains(status) {
            return Self.forgejoError(400, "unknown status: \(status)", fj)
        }
        let events = request.queryItems.filter { $0.name == "event" }.map(\.value).filter { !$0.isEmpty }
        let headSHA = (q["head_sha"] ?? "").lowercased()
        let runNumber = q["run_number"].flatMap { Int($0) } ?? 0
        let filtered = numbered.filter { item in
            if !headSHA.isEmpty, item.sha != headSHA { return false }
            if !events.isEmpty, !events.contains("push") { return false }
            if runNumber > 0, item.number != runNumber { return false }
            if !statusFilter.isEmpty {
                let forgejo = Self.forgejoRunStatus(item.run)
                let gitea = Self.giteaRunStatus(forgejo)
                guard statusFilter.contains(forgejo) || statusFilter.contains(gitea.status) else { return false }
            }
            return true
        }
        // Forgejo's `FindAndCount` paginates only when `page` ≥ 1.
        let page = Self.forgejoSlice(filtered, request, allWhenNoPage: !fj.config.isGitea)
        let runs = page.map { forgejoRun($0.run, number: $0.number, sha: $0.sha, repo: r, fj) }
        var response = SimResponse.json(
            200,
            .obj([
                "workflow_runs": .array(runs), "total_count": .num(filtered.count),
            ]),
            headers: Self.forgejoJSONHeader
        )
        if fj.config.isGitea {
            response.setHeader("X-Total-Count", String(filtered.count))
            if let link = Self.forgejoLinkHeader(request, total: filtered.count, fj) {
                response.setHeader("Link", link)
            }
        }
        return response
    }

    private func forgejoRun(_ run: SimCheckRun, number: Int, sha: String, repo r: Int, _ fj: ForgejoContext)
        -> JSONValue
    {
        let id = run.id ?? 0
        let branch = branchContaining(sha, repo: r)
        let title =
            repos[r].branches.values.lazy.compactMap { $0.first { $0.sha == sha } }.first
            .map { String($0.message.split(separator: "\n").first ?? "") } ?? run.name
        let workflow = "\(run.name).yml"
        let forgejoStatus = Self.forgejoRunStatus(run)
        let html = "\(forgejoRepoHTML(r, fj))/actions/runs/\(number)"
        let actor =
            repos[r].branches.values.lazy.compactMap { $0.first { $0.sha == sha } }.first?.author ?? repos[r].owner
        guard fj.config.isGitea else {
            // Forgejo `RepoActionRun`.
            return .obj([
                "id": .int(id), "name": .string(title), "run_number": .num(number), "event": .string("push"),
                "status": .string(forgejoStatus), "head_branch": .string(branch), "head_sha": .string(sha),
                "workflow_id": .string(workflow), "url": .string(html), "triggering_actor": forgejoUser(actor, fj),
            ])
        }
        let (status, conclusion) = Self.giteaRunStatus(forgejoStatus)
        var members: [String: JSONValue] = [
            "id": .int(id),
            "url": .string("\(forgejoRepoAPI(r, fj))/actions/runs/\(id)"),
            "html_url": .string(html),
            "display_title": .string(title),
            "path": .string("\(workflow)@refs/heads/\(branch)"),
            "event": .string("push"),
            "run_attempt": .int(1),
            "run_number": .num(number),
            "repository_id": .int(repos[r].id ?? 0),
            "head_sha": .string(sha),
            "head_branch": .string(branch),
            "status": .string(status),
            "actor": forgejoUser(actor, fj),
            "trigger_actor": forgejoUser(actor, fj),
            "repository": forgejoRepository(r, fj),
            "started_at": .str(run.startedAt),
            "completed_at": .string(
                status == "completed" ? (run.completedAt ?? run.startedAt ?? "") : "1970-01-01T00:00:00Z"
            ),
        ]
        if let conclusion { members["conclusion"] = .string(conclusion) }
        return .object(members)
    }
}
