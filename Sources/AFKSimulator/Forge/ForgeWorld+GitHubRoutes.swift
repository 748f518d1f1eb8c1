import Foundation

/// GitHub REST, the `/github` view of the forge: `/github/...` with the prefix already stripped.
extension ForgeWorld {
    static let docs = "https://docs.github.com/rest"

    /// Handles one request: authentication, rate-limit headers, routing.
    mutating func handleGitHub(_ request: SimRequest, now: Date) -> SimResponse {
        var response: SimResponse
        let login: String?
        if let auth = request.authorization, ["bearer", "token"].contains(auth.scheme), let user = tokens[auth.credential] {
            login = user
        } else {
            login = nil
        }
        if let login {
            rateUsed[login, default: 0] += 1
            response = route(request, login: login, now: now)
        } else {
            rateUsed["", default: 0] += 1
            response = .json(401, .obj([
                "message": .string("Bad credentials"), "documentation_url": .string(Self.docs), "status": .string("401"),
            ]))
        }
        applyStandardHeaders(&response, login: login)
        return response
    }

    /// `x-ratelimit-*` (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api),
    /// content type and API version, unless already set.
    func applyStandardHeaders(_ response: inout SimResponse, login: String?) {
        let limit = login == nil ? 60 : 5000
        let used = rateUsed[login ?? "", default: 0]
        let defaults: [(String, String)] = [
            ("x-ratelimit-limit", String(limit)),
            ("x-ratelimit-remaining", String(max(0, limit - used))),
            ("x-ratelimit-used", String(used)),
            ("x-ratelimit-reset", String(rateReset)),
            ("x-ratelimit-resource", "core"),
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

    private mutating func route(_ request: SimRequest, login: String, now: Date) -> SimResponse {
        let s = request.segments
        let m = request.method
        guard s.count >= 3, s[0] == "repos" else {
            if s == ["user"], m == "GET" { return .json(200, user(login)) }
            return Self.error(404, "Not Found")
        }
        guard let r = repoIndex(s[1], s[2]) else { return Self.error(404, "Not Found") }
        let rest = Array(s.dropFirst(3))
        switch (m, rest.count) {
        case ("GET", 0):
            return .json(200, repoObject(r, viewer: login))
        case ("GET", 2) where rest[0] == "labels":
            // `GET /repos/{o}/{r}/labels/{name}` → `label`, 404 when the repo has no such label.
            guard repos[r].labels.contains(where: { $0.name.caseInsensitiveCompare(rest[1]) == .orderedSame }) else {
                return Self.error(404, "Not Found", doc: "https://docs.github.com/rest/issues/labels#get-a-label")
            }
            return .json(200, labelObject(rest[1], repo: r))
        case ("GET", 1) where rest[0] == "issues":
            return listIssues(request, repo: r)
        case ("PATCH", 3) where rest[0] == "issues" && rest[1] == "comments":
            return updateComment(request, repo: r, id: rest[2], now: now)
        case ("GET", 3) where rest[0] == "issues" && rest[1] == "comments":
            guard let id = Int64(rest[2]), let (i, k) = findComment(repo: r, id: id) else { return Self.error(404, "Not Found") }
            return .json(200, commentObject(repos[r].issues[i].comments[k], repo: r, issue: i))
        case ("GET", _) where rest[0] == "commits":
            return commitsRoute(request, repo: r, rest: Array(rest.dropFirst()))
        case ("POST", 1) where rest[0] == "labels":
            return createLabel(request, repo: r)
        case ("GET", 3) where rest[0] == "collaborators" && rest[2] == "permission":
            // Real GitHub shows this only to a token that may push (recorded: PyGithub
            // `tests/ReplayData/Repository.testCollaboratorPermissionNoPushAccess.txt`).
            guard ["write", "maintain", "admin"].contains(role(of: login, in: r) ?? "") else {
                return Self.error(403, "Must have push access to view collaborator permission.",
                                  doc: "https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user")
            }
            guard let role = role(of: rest[1], in: r) else {
                return Self.error(404, "Not Found", doc: "https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user")
            }
            return .json(200, permissionObject(login: rest[1], role: role))
        default:
            break
        }
        guard rest.count >= 2, rest[0] == "issues", let number = Int(rest[1]) else { return Self.error(404, "Not Found") }
        guard let i = issueIndex(repo: r, number: number) else {
            return Self.error(404, "Not Found", doc: "https://docs.github.com/rest/issues/issues#get-an-issue")
        }
        let tail = Array(rest.dropFirst(2))
        switch (m, tail) {
        case ("GET", []):
            return .json(200, issueObject(repo: r, issue: i))
        case ("PATCH", []):
            return updateIssue(request, repo: r, issue: i, login: login, now: now)
        case ("GET", ["events"]):
            let events = repos[r].issues[i].events.map { eventObject($0, repo: r) }
            return paginated(events, request)
        case ("GET", ["comments"]):
            let comments = repos[r].issues[i].comments.sorted { ($0.id ?? 0) < ($1.id ?? 0) }
            return paginated(comments.map { commentObject($0, repo: r, issue: i) }, request)
        case ("POST", ["comments"]):
            return createComment(request, repo: r, issue: i, login: login, now: now)
        case ("GET", ["labels"]):
            return paginated(labelArray(repo: r, issue: i).arrayValue ?? [], request)
        case ("POST", ["labels"]):
            return addLabelsRoute(request, repo: r, issue: i, login: login, now: now)
        case ("DELETE", let t) where t.count == 2 && t[0] == "labels":
            guard removeLabel(t[1], repo: r, issue: i, actor: login, now: now) else {
                return Self.error(404, "Label does not exist", doc: "https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue")
            }
            return .json(200, labelArray(repo: r, issue: i))
        case ("GET", ["dependencies", "blocked_by"]):
            let blockers = repos[r].issues[i].blockedBy.compactMap { resolve($0, from: r) }
            return paginated(blockers.map { issueObject(repo: $0.repo, issue: $0.issue) }, request)
        case ("GET", ["dependencies", "blocking"]):
            var out: [JSONValue] = []
            for (ri, other) in repos.enumerated() {
                for (ii, candidate) in other.issues.enumerated()
                where candidate.blockedBy.contains(where: { resolve($0, from: ri).map { $0.repo == r && $0.issue == i } ?? false }) {
                    out.append(issueObject(repo: ri, issue: ii))
                }
            }
            return paginated(out, request)
        default:
            return Self.error(404, "Not Found")
        }
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

        var indices = repos[r].issues.indices.filter { i in
            let issue = repos[r].issues[i]
            guard state == "all" || issue.state == state else { return false }
            let have = Set(issue.labels.map { $0.lowercased() })
            return wanted.allSatisfy(have.contains)  // labels are ANDed (https://github.com/octokit/octokit.net/issues/866)
        }
        indices.sort { a, b in
            let x = repos[r].issues[a], y = repos[r].issues[b]
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
        .json(422, .obj([
            "message": .string("Validation Failed"),
            "errors": .array([.obj(["resource": .string("Issue"), "code": .string("invalid"), "field": .string(field)])]),
            "documentation_url": .string(Self.docs),
            "status": .string("422"),
        ]))
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

    private mutating func createComment(_ request: SimRequest, repo r: Int, issue i: Int, login: String, now: Date) -> SimResponse {
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
            return Self.error(404, "Not Found", doc: "https://docs.github.com/rest/issues/comments#update-an-issue-comment")
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

    private mutating func addLabelsRoute(_ request: SimRequest, repo r: Int, issue i: Int, login: String, now: Date) -> SimResponse {
        guard let json = JSONValue.parse(request.body) else { return Self.error(400, "Problems parsing JSON") }
        guard let names = Self.labelNames(from: json), !names.isEmpty else {
            return invalidRequest("For 'links/0/schema', nil is not an object.")
        }
        addLabels(names, repo: r, issue: i, actor: login, now: now)
        return .json(200, labelArray(repo: r, issue: i))
    }

    // MARK: Issue update

    private mutating func updateIssue(_ request: SimRequest, repo r: Int, issue i: Int, login: String, now: Date) -> SimResponse {
        guard let json = JSONValue.parse(request.body), json.isObject else { return Self.error(400, "Problems parsing JSON") }
        var newState: String?
        if let value = json["state"], !value.isNull {
            guard let state = value.stringValue, ["open", "closed"].contains(state) else { return validationFailed("state") }
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
                repos[r].issues[i].events.append(SimIssueEvent(
                    id: allocEventID(), event: "renamed", actor: login, renameFrom: old, renameTo: title,
                    createdAt: SimClock.github(now)))
            }
        }
        if json.has("body") {
            repos[r].issues[i].body = json["body"]?.stringValue
        }
        if let labels = json["labels"], let names = Self.labelNames(from: .obj(["labels": labels])) {
            // A `labels` array replaces the whole set (https://docs.github.com/en/rest/issues/issues#update-an-issue).
            for existing in repos[r].issues[i].labels where !names.contains(where: { $0.lowercased() == existing.lowercased() }) {
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
        guard let json = JSONValue.parse(request.body), let name = json["name"]?.stringValue?.trimmingCharacters(in: .whitespaces),
              !name.isEmpty else {
            return Self.error(422, "Validation Failed", doc: "https://docs.github.com/rest/issues/labels#create-a-label")
        }
        if repos[r].labels.contains(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) {
            return .json(422, .obj([
                "message": .string("Validation Failed"),
                "errors": .array([.obj(["resource": .string("Label"), "code": .string("already_exists"), "field": .string("name")])]),
                "documentation_url": .string("https://docs.github.com/rest/issues/labels#create-a-label"), "status": .string("422"),
            ]))
        }
        let color = json["color"]?.stringValue.map { $0.hasPrefix("#") ? String($0.dropFirst()) : $0 } ?? Self.color(for: name)
        repos[r].labels.append(SimLabel(name: name, color: color, description: json["description"]?.stringValue, id: allocLabelID()))
        return .json(201, labelObject(name, repo: r))
    }
}
