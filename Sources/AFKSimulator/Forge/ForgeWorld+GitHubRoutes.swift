import Foundation

/// What a GitHub REST route handler gets besides the request: the token's login and the clock.
struct GitHubCaller: Sendable {
    let login: String
    let now: Date
}

/// GitHub REST, the `/github` view of the forge: `/github/...` with the prefix already stripped.
extension ForgeWorld {
    typealias GitHubHandler = WorldHandler<ForgeWorld, GitHubCaller>

    static let docs = "https://docs.github.com/rest"
    static let getAnIssueDoc = "https://docs.github.com/rest/issues/issues#get-an-issue"
    static let permissionDoc =
        "https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user"

    /// Handles one request: authentication, rate-limit headers, routing.
    mutating func handleGitHub(_ request: SimRequest, now: Date) -> SimResponse {
        if var app = handleGitHubApp(request, now: now) {
            // JWT requests count against the App's own limit (not the unauthenticated 60/h).
            let login = appState.app.map { "\($0.slug)[app]" }
            rateUsed[login ?? "", default: 0] += 1
            applyStandardHeaders(&app, login: login)
            return app
        }
        var response: SimResponse
        let login: String?
        if let auth = request.authorization, ["bearer", "token"].contains(auth.scheme),
            let user = tokens[auth.credential] ?? installationLogin(auth.credential, now: now)
        {
            login = user
        } else {
            login = nil
        }
        if let login {
            response = spendRateLimit(request, login: login, now: now) ?? routeGitHub(request, login: login, now: now)
        } else {
            rateUsed["", default: 0] += 1
            response = .json(
                401,
                .obj([
                    "message": .string("Bad credentials"), "documentation_url": .string(Self.docs),
                    "status": .string("401"),
                ])
            )
        }
        applyStandardHeaders(&response, login: login, resource: Self.rateResource(request.segments) ?? "core")
        return response
    }

    /// `x-ratelimit-*` (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api),
    /// content type and API version, unless already set.
    func applyStandardHeaders(_ response: inout SimResponse, login: String?, resource: String = "core") {
        var defaults = rateLimitHeaders(resource, login: login)
        defaults += [
            ("x-github-api-version-selected", "2022-11-28"),
            ("x-github-media-type", "github.v3; format=json"),
        ]
        for (name, value) in defaults where response.header(name) == nil {
            response.headers.append((name, value))
        }
        if response.header("content-type") == nil, !response.body.isEmpty {
            response.headers.append(("content-type", "application/json; charset=utf-8"))
        }
    }

    // MARK: Routes

    /// The operations GitHub REST serves here, as the REST API description names them
    /// (https://github.com/github/rest-api-description). Matched in this order.
    static let githubCoreRouter = Router<GitHubHandler>(
        [
            .get("/user") { world, call in .json(200, world.user(call.login)) },
            githubRepoRoute("GET", "") { world, call, r in .json(200, world.repoObject(r, viewer: call.login)) },
            githubRepoRoute("GET", "/labels/{name}") { world, call, r in
                // 404 when the repository has no such label.
                guard
                    world.repos[r].labels
                        .contains(where: { $0.name.caseInsensitiveCompare(call["name"]) == .orderedSame })
                else {
                    return Self.error(404, "Not Found", doc: "https://docs.github.com/rest/issues/labels#get-a-label")
                }
                return .json(200, world.labelObject(call["name"], repo: r))
            },
            githubRepoRoute("POST", "/labels") { world, call, r in world.createLabel(call.request, repo: r) },
            githubRepoRoute("GET", "/issues") { world, call, r in world.listIssues(call.request, repo: r) },
            githubRepoRoute("POST", "/issues") { world, call, r in
                world.githubCreateIssue(call.request, repo: r, login: call.login, now: call.now)
            },
            githubRepoRoute("GET", "/issues/comments/{comment_id}/reactions") { world, call, r in
                world.githubListCommentReactions(call.request, repo: r, id: call["comment_id"])
            },
            githubRepoRoute("POST", "/issues/comments/{comment_id}/reactions") { world, call, r in
                world.githubReactToComment(
                    call.request,
                    repo: r,
                    id: call["comment_id"],
                    login: call.login,
                    now: call.now
                )
            },
            githubRepoRoute("GET", "/issues/comments/{comment_id}") { world, call, r in
                guard let id = Int64(call["comment_id"]), let (i, k) = world.findComment(repo: r, id: id) else {
                    return Self.error(404, "Not Found")
                }
                return .json(200, world.commentObject(world.repos[r].issues[i].comments[k], repo: r, issue: i))
            },
            githubRepoRoute("PATCH", "/issues/comments/{comment_id}") { world, call, r in
                world.updateComment(call.request, repo: r, id: call["comment_id"], now: call.now)
            },
            githubRepoRoute("GET", "/commits") { world, call, r in world.listCommits(call.request, repo: r) },
            githubRepoRoute("GET", "/commits/{ref...}/check-runs") { world, call, r in
                world.listCheckRuns(call.request, repo: r, ref: call["ref"])
            },
            githubRepoRoute("GET", "/commits/{ref...}/status") { world, call, r in
                world.combinedStatus(call.request, repo: r, ref: call["ref"])
            },
            githubRepoRoute("GET", "/commits/{ref...}/statuses") { world, call, r in
                world.listStatuses(call.request, repo: r, ref: call["ref"])
            },
            githubRepoRoute("GET", "/commits/{ref...}") { world, call, r in
                world.getCommit(call.request, repo: r, ref: call["ref"])
            },
            githubRepoRoute("GET", "/collaborators/{username}/permission") { world, call, r in
                // Real GitHub shows this only to a token that may push (recorded: PyGithub
                // `tests/ReplayData/Repository.testCollaboratorPermissionNoPushAccess.txt`).
                guard ["write", "maintain", "admin"].contains(world.role(of: call.login, in: r) ?? "") else {
                    return Self.error(
                        403,
                        "Must have push access to view collaborator permission.",
                        doc: Self.permissionDoc
                    )
                }
                guard let role = world.role(of: call["username"], in: r) else {
                    return Self.error(404, "Not Found", doc: Self.permissionDoc)
                }
                return .json(200, world.permissionObject(login: call["username"], role: role))
            },
            githubIssueRoute("GET", "") { world, _, r, i in .json(200, world.issueObject(repo: r, issue: i)) },
            githubIssueRoute("PATCH", "") { world, call, r, i in
                world.updateIssue(call.request, repo: r, issue: i, login: call.login, now: call.now)
            },
            githubIssueRoute("GET", "/events") { world, call, r, i in
                world.paginated(world.repos[r].issues[i].events.map { world.eventObject($0, repo: r) }, call.request)
            },
            githubIssueRoute("GET", "/comments") { world, call, r, i in
                let comments = world.repos[r].issues[i].comments.sorted { ($0.id ?? 0) < ($1.id ?? 0) }
                return world.paginated(comments.map { world.commentObject($0, repo: r, issue: i) }, call.request)
            },
            githubIssueRoute("POST", "/comments") { world, call, r, i in
                world.createComment(call.request, repo: r, issue: i, login: call.login, now: call.now)
            },
            githubIssueRoute("GET", "/labels") { world, call, r, i in
                world.paginated(world.labelArray(repo: r, issue: i).arrayValue ?? [], call.request)
            },
            githubIssueRoute("POST", "/labels") { world, call, r, i in
                world.addLabelsRoute(call.request, repo: r, issue: i, login: call.login, now: call.now)
            },
            githubIssueRoute("DELETE", "/labels/{name}") { world, call, r, i in
                guard world.removeLabel(call["name"], repo: r, issue: i, actor: call.login, now: call.now) else {
                    return Self.error(
                        404,
                        "Label does not exist",
                        doc: "https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue"
                    )
                }
                return .json(200, world.labelArray(repo: r, issue: i))
            },
            githubIssueRoute("GET", "/dependencies/blocked_by") { world, call, r, i in
                let blockers = world.repos[r].issues[i].blockedBy.compactMap { world.resolve($0, from: r) }
                return world.paginated(blockers.map { world.issueObject(repo: $0.repo, issue: $0.issue) }, call.request)
            },
            githubIssueRoute("GET", "/dependencies/blocking") { world, call, r, i in
                var out: [JSONValue] = []
                for (ri, other) in world.repos.enumerated() {
                    for (ii, candidate) in other.issues.enumerated()
                    where candidate.blockedBy.contains(where: {
                        world.resolve($0, from: ri).map { $0.repo == r && $0.issue == i } ?? false
                    }) {
                        out.append(world.issueObject(repo: ri, issue: ii))
                    }
                }
                return world.paginated(out, call.request)
            },
        ] + githubPullRoutes
    )

    /// A route under `/repos/{owner}/{repo}`: an unknown repository is a 404.
    static func githubRepoRoute(
        _ method: String,
        _ tail: String,
        _ body: @escaping @Sendable (inout ForgeWorld, RouteCall<GitHubCaller>, Int) -> SimResponse
    ) -> Route<GitHubHandler> {
        Route(method, "/repos/{owner}/{repo}" + tail) { world, call in
            guard let r = world.repoIndex(call["owner"], call["repo"]) else { return Self.error(404, "Not Found") }
            return body(&world, call, r)
        }
    }

    /// A route under `/repos/{owner}/{repo}/issues/{issue_number}`: an unknown repository or a number that is not
    /// one is a 404, a missing issue a 404 that names "Get an issue".
    private static func githubIssueRoute(
        _ method: String,
        _ tail: String,
        _ body: @escaping @Sendable (inout ForgeWorld, RouteCall<GitHubCaller>, Int, Int) -> SimResponse
    ) -> Route<GitHubHandler> {
        githubRepoRoute(method, "/issues/{issue_number}" + tail) { world, call, r in
            guard let number = Int(call["issue_number"]) else { return Self.error(404, "Not Found") }
            guard let i = world.issueIndex(repo: r, number: number) else {
                return Self.error(404, "Not Found", doc: Self.getAnIssueDoc)
            }
            return body(&world, call, r, i)
        }
    }

    private mutating func routeGitHub(_ request: SimRequest, login: String, now: Date) -> SimResponse {
        guard case .found(let handler, let parameters) = Self.githubRouter.match(request.method, request.segments)
        else {
            return githubNotFound(request.segments)
        }
        return handler(
            &self,
            RouteCall(request: request, parameters: parameters, context: GitHubCaller(login: login, now: now))
        )
    }

    /// GitHub answers 404 to a path or method it does not serve. Below an issue that does not exist the answer
    /// names "Get an issue", the issue being looked up before the rest of the path.
    private func githubNotFound(_ s: [String]) -> SimResponse {
        if s.count >= 5, s[0] == "repos", s[3] == "issues", let r = repoIndex(s[1], s[2]), let number = Int(s[4]),
            issueIndex(repo: r, number: number) == nil
        {
            return Self.error(404, "Not Found", doc: Self.getAnIssueDoc)
        }
        return Self.error(404, "Not Found")
    }

    // MARK: Issues list

    private func listIssues(_ request: SimRequest, repo r: Int) -> SimResponse {
        let q = request.query
        let state = q["state"] ?? "open"
        guard ["open", "closed", "all"].contains(state) else { return validationFailed("state") }
        let wanted = (q["labels"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty }
        let sort = q["sort"] ?? "created"
        guard ["created", "updated", "comments"].contains(sort) else { return validationFailed("sort") }
        let direction = q["direction"] ?? "desc"
        guard ["asc", "desc"].contains(direction) else { return validationFailed("direction") }
        let creator = q["creator"]?.lowercased()

        var indices = repos[r].issues.indices
            .filter { i in
                let issue = repos[r].issues[i]
                guard state == "all" || issue.state == state else { return false }
                if let creator, issue.author.lowercased() != creator { return false }
                let have = Set(issue.labels.map { $0.lowercased() })
                // labels are ANDed (https://github.com/octokit/octokit.net/issues/866)
                return wanted.allSatisfy(have.contains)
            }
        indices.sort { a, b in
            let x = repos[r].issues[a]
            let y = repos[r].issues[b]
            let ordered: Bool
            switch sort {
            case "updated":
                ordered = (x.updatedAt ?? "", x.number) < (y.updatedAt ?? "", y.number)
            case "comments":
                ordered = (x.comments.count, x.number) < (y.comments.count, y.number)
            default:
                ordered = (x.createdAt ?? "", x.number) < (y.createdAt ?? "", y.number)
            }
            return direction == "asc" ? ordered : !ordered
        }
        return paginated(indices.map { issueObject(repo: r, issue: $0) }, request)
    }

    /// Applies `per_page` (default 30, max 100) and 1-based `page`, adding a `Link` header with absolute
    /// URLs when there is more than one page
    /// (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api).
    func paginated(_ items: [JSONValue], _ request: SimRequest) -> SimResponse {
        let (slice, link) = paginate(items, request)
        var response = SimResponse.json(200, .array(slice))
        if let link { response.setHeader("Link", link) }
        return response
    }

    /// One page of `items` plus the `Link` header value (nil when everything fits on one page).
    func paginate(_ items: [JSONValue], _ request: SimRequest) -> (items: [JSONValue], link: String?) {
        let q = request.query
        let perPage = min(100, max(1, q["per_page"].flatMap { Int($0) } ?? 30))
        let page = max(1, q["page"].flatMap { Int($0) } ?? 1)
        let lastPage = max(1, (items.count + perPage - 1) / perPage)
        let start = min(items.count, (page - 1) * perPage)
        let end = min(items.count, start + perPage)
        let slice = Array(items[start..<end])
        guard lastPage > 1 || page > 1 else { return (slice, nil) }
        func link(_ p: Int, _ rel: String) -> String {
            var items = request.queryItems.filter { $0.name != "page" }
            items.append(("page", String(p)))
            var comps = URLComponents()
            comps.queryItems = items.map { URLQueryItem(name: $0.name, value: $0.value) }
            let query = comps.percentEncodedQuery ?? ""
            let path = request.segments.map(Self.pathEscape).joined(separator: "/")
            return "<\(apiBase)/\(path)?\(query)>; rel=\"\(rel)\""
        }
        var links: [String] = []
        if page > 1 { links.append(link(min(page - 1, lastPage), "prev")) }
        if page < lastPage { links.append(link(page + 1, "next")) }
        if page < lastPage { links.append(link(lastPage, "last")) }
        if page > 1 { links.append(link(1, "first")) }
        return (slice, links.joined(separator: ", "))
    }

    func validationFailed(_ field: String) -> SimResponse {
        .json(
            422,
            .obj([
                "message": .string("Validation Failed"),
                "errors": .array([
                    .obj(["resource": .string("Issue"), "code": .string("invalid"), "field": .string(field)])
                ]),
                "documentation_url": .string(Self.docs),
                "status": .string("422"),
            ])
        )
    }

    func invalidRequest(_ detail: String) -> SimResponse {
        Self.error(422, "Invalid request.\n\n\(detail)")
    }

    // MARK: Comments

    func findComment(repo r: Int, id: Int64) -> (Int, Int)? {
        for (i, issue) in repos[r].issues.enumerated() {
            if let k = issue.comments.firstIndex(where: { $0.id == id }) { return (i, k) }
        }
        return nil
    }

    private mutating func createComment(_ request: SimRequest, repo r: Int, issue i: Int, login: String, now: Date)
        -> SimResponse
    {
        guard let json = JSONValue.parse(request.body), json.isObject else {
            return Self.error(400, "Problems parsing JSON")
        }
        guard let body = json["body"]?.stringValue else {
            return invalidRequest("For 'properties/body', nil is not a string.")
        }
        let comment = addComment(body, repo: r, issue: i, user: login, now: now)
        var response = SimResponse.json(201, commentObject(comment, repo: r, issue: i))
        response.setHeader("Location", "\(repoAPI(r))/issues/comments/\(comment.id ?? 0)")
        return response
    }

    private mutating func updateComment(_ request: SimRequest, repo r: Int, id raw: String, now: Date) -> SimResponse {
        guard let id = Int64(raw), let (i, k) = findComment(repo: r, id: id) else {
            return Self.error(
                404,
                "Not Found",
                doc: "https://docs.github.com/rest/issues/comments#update-an-issue-comment"
            )
        }
        guard let json = JSONValue.parse(request.body), json.isObject else {
            return Self.error(400, "Problems parsing JSON")
        }
        guard let body = json["body"]?.stringValue else {
            return invalidRequest("For 'properties/body', nil is not a string.")
        }
        repos[r].issues[i].comments[k].body = body
        repos[r].issues[i].comments[k].updatedAt = SimClock.github(now)
        return .json(200, commentObject(repos[r].issues[i].comments[k], repo: r, issue: i))
    }

    // MARK: Labels

    /// Accepts `{"labels":["a"]}`, `{"labels":[{"name":"a"}]}`, `["a"]` or `[{"name":"a"}]`
    /// (https://docs.github.com/en/rest/issues/labels#add-labels-to-an-issue).
    static func labelNames(from json: JSONValue) -> [String]? {
        let list: [JSONValue]
        if let array = json.arrayValue {
            list = array
        } else if let array = json["labels"]?.arrayValue {
            list = array
        } else {
            return nil
        }
        var names: [String] = []
        for element in list {
            if let name = element.stringValue ?? element["name"]?.stringValue { names.append(name) } else { return nil }
        }
        return names
    }

    private mutating func addLabelsRoute(_ request: SimRequest, repo r: Int, issue i: Int, login: String, now: Date)
        -> SimResponse
    {
        guard let json = JSONValue.parse(request.body) else { return Self.error(400, "Problems parsing JSON") }
        guard let names = Self.labelNames(from: json), !names.isEmpty else {
            return invalidRequest("For 'links/0/schema', nil is not an object.")
        }
        addLabels(names, repo: r, issue: i, actor: login, now: now)
        return .json(200, labelArray(repo: r, issue: i))
    }

    // MARK: Issue update

    private mutating func updateIssue(_ request: SimRequest, repo r: Int, issue i: Int, login: String, now: Date)
        -> SimResponse
    {
        guard let json = JSONValue.parse(request.body), json.isObject else {
            return Self.error(400, "Problems parsing JSON")
        }
        if json.has("body") || json.has("title"), !mayEditIssueContent(login, repo: r, issue: i) {
            return Self.githubEditIssueForbidden
        }
        var newState: String?
        if let value = json["state"], !value.isNull {
            guard let state = value.stringValue, ["open", "closed"].contains(state) else {
                return validationFailed("state")
            }
            newState = state
        }
        var reason: String?
        if let value = json["state_reason"], !value.isNull {
            guard let r = value.stringValue, ["completed", "not_planned", "reopened", "duplicate"].contains(r) else {
                return validationFailed("state_reason")
            }
            reason = r
        }
        if let value = json["title"], !value.isNull {
            guard let title = value.stringValue else { return validationFailed("title") }
            let old = repos[r].issues[i].title
            if old != title {
                repos[r].issues[i].title = title
                repos[r].issues[i].events
                    .append(
                        SimIssueEvent(
                            id: allocEventID(),
                            event: "renamed",
                            actor: login,
                            renameFrom: old,
                            renameTo: title,
                            createdAt: SimClock.github(now)
                        )
                    )
            }
        }
        if json.has("body") { setIssueBody(json["body"]?.stringValue, repo: r, issue: i, now: now) }
        if let labels = json["labels"], let names = Self.labelNames(from: .obj(["labels": labels])) {
            // A `labels` array replaces the whole set (https://docs.github.com/en/rest/issues/issues#update-an-issue).
            for existing in repos[r].issues[i].labels
            where !names.contains(where: { $0.lowercased() == existing.lowercased() }) {
                _ = removeLabel(existing, repo: r, issue: i, actor: login, now: now)
            }
            addLabels(names, repo: r, issue: i, actor: login, now: now)
        }
        if let newState {
            setState(newState, reason: reason, repo: r, issue: i, actor: login, now: now)
        }
        repos[r].issues[i].updatedAt = SimClock.github(now)
        return .json(200, issueObject(repo: r, issue: i))
    }

    /// `POST /repos/{o}/{r}/labels` ("Create a label"): 201 with the label; 422 `already_exists`
    /// for a name the repository has (case-insensitively).
    mutating func createLabel(_ request: SimRequest, repo r: Int) -> SimResponse {
        guard let json = JSONValue.parse(request.body),
            let name = json["name"]?.stringValue?.trimmingCharacters(in: .whitespaces),
            !name.isEmpty
        else {
            return Self.error(
                422,
                "Validation Failed",
                doc: "https://docs.github.com/rest/issues/labels#create-a-label"
            )
        }
        if repos[r].labels.contains(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) {
            return .json(
                422,
                .obj([
                    "message": .string("Validation Failed"),
                    "errors": .array([
                        .obj([
                            "resource": .string("Label"), "code": .string("already_exists"), "field": .string("name"),
                        ])
                    ]),
                    "documentation_url": .string("https://docs.github.com/rest/issues/labels#create-a-label"),
                    "status": .string("422"),
                ])
            )
        }
        let color =
            json["color"]?.stringValue.map { $0.hasPrefix("#") ? String($0.dropFirst()) : $0 } ?? Self.color(for: name)
        repos[r].labels
            .append(
                SimLabel(name: name, color: color, description: json["description"]?.stringValue, id: allocLabelID())
            )
        return .json(201, labelObject(name, repo: r))
    }
}
