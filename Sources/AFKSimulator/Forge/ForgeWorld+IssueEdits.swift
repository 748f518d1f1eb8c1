import Foundation

/// Opening issues, editing their bodies and reacting to comments, in both views: what afk's bot needs for a
/// dashboard issue it opens and keeps up to date, whose checkboxes humans with write access tick, and for
/// acknowledging `/afk` command comments with a reaction.
extension ForgeWorld {
    /// GitHub's reaction contents (https://docs.github.com/en/rest/reactions/reactions#about-reactions).
    static let githubReactionContents = ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]
    /// Forgejo's default `[ui] REACTIONS`.
    static let forgejoReactionContents = ["+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"]

    static let createIssueDoc = "https://docs.github.com/rest/issues/issues#create-an-issue"
    static let updateIssueDoc = "https://docs.github.com/rest/issues/issues#update-an-issue"

    // MARK: Shared mutations

    /// Opens an issue as `author`, taking the next number of the shared issue/pull request sequence.
    /// - Returns: The index of the new issue in ``SimRepo/issues``.
    mutating func openIssue(repo r: Int, title: String, body: String?, author: String, now: Date) -> Int {
        let number = (repos[r].issues.map(\.number).max() ?? 0) + 1
        let stamp = SimClock.github(now)
        repos[r].issues
            .append(
                SimIssue(
                    number: number,
                    id: allocIssueID(),
                    title: title,
                    body: body,
                    author: author,
                    createdAt: stamp,
                    updatedAt: stamp
                )
            )
        return repos[r].issues.count - 1
    }

    /// Whether `login` may change an issue's title or body on GitHub: its author, or a collaborator with `write`,
    /// `maintain` or `admin` (the owner is `admin`).
    func mayEditIssueContent(_ login: String, repo r: Int, issue i: Int) -> Bool {
        repos[r].issues[i].author.lowercased() == login.lowercased() || mayPush(login, repo: r)
    }

    /// Whether `login` has `write`, `maintain` or `admin` on the repository.
    func mayPush(_ login: String, repo r: Int) -> Bool {
        ["write", "maintain", "admin"].contains(role(of: login, in: r) ?? "")
    }

    /// Replaces an issue's body and bumps `updated_at`.
    mutating func setIssueBody(_ body: String?, repo r: Int, issue i: Int, now: Date) {
        repos[r].issues[i].body = body
        repos[r].issues[i].updatedAt = SimClock.github(now)
    }

    /// Deterministic reaction id from the comment, the user and the content (one reaction per triple).
    static func reactionID(commentID: Int64, _ reaction: SimReaction) -> Int64 {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in "\(commentID)|\(reaction.user.lowercased())|\(reaction.content)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211
        }
        return Int64(hash % 900_000_000) + 100_000_000
    }

    /// Adds `login`'s reaction to a comment unless it is already there.
    /// - Returns: The reaction and whether it is new.
    mutating func react(_ content: String, by login: String, repo r: Int, issue i: Int, comment k: Int, now: Date)
        -> (reaction: SimReaction, created: Bool)
    {
        let comment = repos[r].issues[i].comments[k]
        if let existing = comment.reactions.first(where: {
            $0.user.lowercased() == login.lowercased() && $0.content == content
        }) {
            return (existing, false)
        }
        let reaction = SimReaction(user: login, content: content)
        repos[r].issues[i].comments[k].reactions.append(reaction)
        reactionStamps[Self.reactionID(commentID: comment.id ?? 0, reaction)] = SimClock.github(now)
        return (reaction, true)
    }

    /// When a reaction was made (the comment's creation time for reactions the scenario gave).
    func reactionStamp(_ reaction: SimReaction, on comment: SimComment) -> String? {
        reactionStamps[Self.reactionID(commentID: comment.id ?? 0, reaction)] ?? comment.createdAt
    }

    // MARK: GitHub

    /// `POST /repos/{o}/{r}/issues` ("Create an issue"): 201 with the issue and a `Location`. `labels` apply only
    /// for callers who may push (GitHub silently drops them for others); unknown ones are created.
    mutating func githubCreateIssue(_ request: SimRequest, repo r: Int, login: String, now: Date) -> SimResponse {
        guard let json = JSONValue.parse(request.body), json.isObject else {
            return Self.error(400, "Problems parsing JSON", doc: Self.createIssueDoc)
        }
        // `title` is a string or an integer.
        let title = json["title"]?.stringValue ?? json["title"]?.intValue.map { String($0) }
        guard let title, !title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return .json(
                422,
                .obj([
                    "message": .string("Validation Failed"),
                    "errors": .array([
                        .obj([
                            "resource": .string("Issue"), "code": .string("missing_field"), "field": .string("title"),
                        ])
                    ]),
                    "documentation_url": .string(Self.createIssueDoc),
                    "status": .string("422"),
                ])
            )
        }
        if let body = json["body"], !body.isNull, body.stringValue == nil { return validationFailed("body") }
        let i = openIssue(repo: r, title: title, body: json["body"]?.stringValue, author: login, now: now)
        if let labels = json["labels"], let names = Self.labelNames(from: .obj(["labels": labels])),
            mayPush(login, repo: r)
        {
            addLabels(names, repo: r, issue: i, actor: login, now: now)
        }
        var response = SimResponse.json(201, issueObject(repo: r, issue: i))
        response.setHeader("Location", "\(repoAPI(r))/issues/\(repos[r].issues[i].number)")
        return response
    }

    /// The 403 GitHub answers to an edit of someone else's issue title or body without push access.
    static let githubEditIssueForbidden = error(403, "Must have admin rights to Repository.", doc: updateIssueDoc)

    /// A `reaction` object.
    func githubReactionObject(_ reaction: SimReaction, on comment: SimComment) -> JSONValue {
        let id = Self.reactionID(commentID: comment.id ?? 0, reaction)
        return .obj([
            "id": .int(id),
            "node_id": .string("REA_lALO\(id)"),
            "user": user(reaction.user),
            "content": .string(reaction.content),
            "created_at": .str(reactionStamp(reaction, on: comment)),
        ])
    }

    /// `GET /repos/{o}/{r}/issues/comments/{comment_id}/reactions`: oldest first, paginated, `content` filters.
    func githubListCommentReactions(_ request: SimRequest, repo r: Int, id raw: String) -> SimResponse {
        guard let id = Int64(raw), let (i, k) = findComment(repo: r, id: id) else {
            return Self.error(
                404,
                "Not Found",
                doc: "https://docs.github.com/rest/reactions/reactions#list-reactions-for-an-issue-comment"
            )
        }
        let comment = repos[r].issues[i].comments[k]
        let wanted = request.query["content"]
        let list = comment.reactions.filter { wanted == nil || $0.content == wanted }
        return paginated(list.map { githubReactionObject($0, on: comment) }, request)
    }

    /// `POST /repos/{o}/{r}/issues/comments/{comment_id}/reactions`: 201 with a new reaction, 200 with the one the
    /// caller already made with that content; 422 for content GitHub does not know.
    mutating func githubReactToComment(_ request: SimRequest, repo r: Int, id raw: String, login: String, now: Date)
        -> SimResponse
    {
        guard let id = Int64(raw), let (i, k) = findComment(repo: r, id: id) else {
            return Self.error(
                404,
                "Not Found",
                doc: "https://docs.github.com/rest/reactions/reactions#create-reaction-for-an-issue-comment"
            )
        }
        guard let json = JSONValue.parse(request.body), json.isObject else {
            return Self.error(400, "Problems parsing JSON")
        }
        guard let content = json["content"]?.stringValue, Self.githubReactionContents.contains(content) else {
            return .json(
                422,
                .obj([
                    "message": .string("Validation Failed"),
                    "errors": .array([
                        .obj(["resource": .string("Reaction"), "code": .string("invalid"), "field": .string("content")])
                    ]),
                    "documentation_url": .string(
                        "https://docs.github.com/rest/reactions/reactions#create-reaction-for-an-issue-comment"
                    ),
                    "status": .string("422"),
                ])
            )
        }
        let (reaction, created) = react(content, by: login, repo: r, issue: i, comment: k, now: now)
        return .json(created ? 201 : 200, githubReactionObject(reaction, on: repos[r].issues[i].comments[k]))
    }

    // MARK: Forgejo

    /// `CreateIssue` (`CreateIssueOption`): 201 `Issue`. `labels` (ids) and `closed` apply only for writers.
    mutating func forgejoCreateIssue(_ request: SimRequest, repo r: Int, _ fj: ForgejoContext) -> SimResponse {
        guard let json = JSONValue.parse(request.body), json.isObject else {
            return Self.forgejoError(422, "[]: invalid character in JSON body", fj)
        }
        guard let title = json["title"]?.stringValue, !title.isEmpty else {
            return Self.forgejoError(422, "[Title]: Required", fj)
        }
        let i = openIssue(repo: r, title: title, body: json["body"]?.stringValue ?? "", author: fj.login, now: fj.now)
        if forgejoAccess(fj.login, repo: r, fj) >= .write {
            let ids = (json["labels"]?.arrayValue ?? []).compactMap(\.intValue)
            let names = repos[r].labels.filter { ids.contains($0.id ?? -1) }.map(\.name)
            addLabels(names, repo: r, issue: i, actor: fj.login, now: fj.now)
            if json["closed"] == .bool(true) {
                setState("closed", reason: nil, repo: r, issue: i, actor: fj.login, now: fj.now)
            }
        }
        return .json(201, forgejoIssue(repo: r, issue: i, fj), headers: Self.forgejoJSONHeader)
    }

    /// `Reaction`: `{user, content, created_at}`.
    func forgejoReactionObject(_ reaction: SimReaction, on comment: SimComment, _ fj: ForgejoContext) -> JSONValue {
        .obj([
            "user": forgejoUser(reaction.user, fj),
            "content": .string(reaction.content),
            "created_at": .str(reactionStamp(reaction, on: comment)),
        ])
    }

    /// `GetIssueCommentReactions`: every reaction, oldest first, unpaginated.
    func forgejoListCommentReactions(repo r: Int, id raw: String, _ fj: ForgejoContext) -> SimResponse {
        guard let id = Int64(raw), let (i, k) = findComment(repo: r, id: id) else { return Self.forgejoNotFound(fj) }
        let comment = repos[r].issues[i].comments[k]
        return .json(
            200,
            .array(comment.reactions.map { forgejoReactionObject($0, on: comment, fj) }),
            headers: Self.forgejoJSONHeader
        )
    }

    /// `PostIssueCommentReaction` (`EditReactionOption`): 201 new, 200 when the caller already reacted so; content
    /// outside `[ui] REACTIONS` is a 403 (`ErrForbiddenIssueReaction`), as is reacting on a locked issue
    /// without write access.
    mutating func forgejoReactToComment(_ request: SimRequest, repo r: Int, id raw: String, _ fj: ForgejoContext)
        -> SimResponse
    {
        guard let id = Int64(raw), let (i, k) = findComment(repo: r, id: id) else { return Self.forgejoNotFound(fj) }
        guard let json = JSONValue.parse(request.body), json.isObject else {
            return Self.forgejoError(422, "[]: invalid character in JSON body", fj)
        }
        if repos[r].issues[i].locked, forgejoAccess(fj.login, repo: r, fj) < .write {
            return Self.forgejoError(403, "no permission to change reaction", fj)
        }
        let content = json["content"]?.stringValue ?? ""
        guard Self.forgejoReactionContents.contains(content) else {
            return Self.forgejoError(403, "'\(content)' is not an allowed reaction", fj)
        }
        let (reaction, created) = react(content, by: fj.login, repo: r, issue: i, comment: k, now: fj.now)
        return .json(
            created ? 201 : 200,
            forgejoReactionObject(reaction, on: repos[r].issues[i].comments[k], fj),
            headers: Self.forgejoJSONHeader
        )
    }
}
