import AFKCore
import Foundation
import Logging

/// ``Tracker`` over the GitHub REST API (https://docs.github.com/en/rest), API version 2022-11-28.
public struct GitHubTracker: Tracker {
    public let serviceName = "GitHub"
    /// "Add labels to an issue" creates a label the repository does not have yet.
    public let createsMissingLabels = true
    let client: ServiceClient
    static let pageSize = 100

    public init(
        baseURL: URL,
        token: String,
        transport: any HTTPTransport,
        retry: RetryPolicy,
        logger: Logger,
        sleep: @escaping @Sendable (Double) async -> Void = ServiceClient.realSleep
    ) {
        self.client = ServiceClient(
            service: "GitHub",
            baseURL: baseURL,
            transport: transport,
            defaultHeaders: Self.standardHeaders.merging(["Authorization": "Bearer \(token)"]) { _, new in new },
            retry: retry,
            logger: logger,
            sleep: sleep
        )
    }

    /// Sent with every request (https://docs.github.com/en/rest/about-the-rest-api/api-versions).
    static let standardHeaders = [
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "afk",
    ]

    static func repoPath(_ repo: RepoRef) -> String {
        "/repos/\(ServiceClient.segment(repo.owner))/\(ServiceClient.segment(repo.name))"
    }

    static func issuePath(_ ref: IssueRef) -> String { "\(repoPath(ref.repo))/issues/\(ref.number)" }

    /// GETs every page, following `Link: rel="next"` as given (GitHub docs: pagination).
    func getAllPages<T: Decodable>(_ first: URL, _ type: T.Type, _ what: String) async throws(ServiceError) -> [T] {
        var items: [T] = []
        var next: URL? = first
        var pages = 0
        while let url = next {
            let response = try await client.send("GET", url)
            try client.expect(response, [200], what)
            items += try client.decode([T].self, from: response, what)
            next = LinkHeader.parse(response.headers["link"])["next"]
            pages += 1
            if pages >= 100 {
                throw ServiceError(
                    service: client.service,
                    kind: .malformedResponse,
                    message: "\(what) stopped after 100 pages, the most afk reads"
                )
            }
        }
        return items
    }

    func issue(from payload: GitHub.Issue, in repo: RepoRef) -> TrackerIssue {
        TrackerIssue(
            ref: IssueRef(repo: repo, number: payload.number),
            title: payload.title,
            body: payload.body ?? "",
            labels: payload.labels.items.map(\.name),
            state: payload.state == "open" ? .open : .closed,
            isPullRequest: payload.pullRequest != nil,
            htmlURL: payload.htmlURL,
            commentCount: payload.comments?.value,
            nativeBlockerCount: payload.dependencies?.value?.totalBlockedBy
        )
    }

    public func openIssues(in repo: RepoRef, labeled label: String) async throws(ServiceError) -> [TrackerIssue] {
        // `labels` ANDs names (https://github.com/octokit/octokit.net/issues/866); PRs are included and
        // told apart by `pull_request` (https://docs.github.com/en/rest/issues/issues#list-repository-issues).
        let url = client.url(
            "\(Self.repoPath(repo))/issues",
            query: [("state", "open"), ("labels", label), ("per_page", String(Self.pageSize))]
        )
        let what = "listing \(repo) issues labeled \(label)"
        let first = try await client.send("GET", url)
        if first.status == 404 || first.status == 410 {
            throw ServiceError(
                service: client.service,
                kind: .misconfigured,
                message:
                    "repository \(repo) does not exist or the token cannot read it (HTTP \(first.status)); check the allowlist and the token's repository access"
            )
        }
        try client.expect(first, [200], what)
        var payloads = try client.decode([GitHub.Issue].self, from: first, what)
        if let next = LinkHeader.parse(first.headers["link"])["next"] {
            payloads += try await getAllPages(next, GitHub.Issue.self, what)
        }
        return payloads.map { issue(from: $0, in: repo) }
    }

    public func issue(_ ref: IssueRef) async throws(ServiceError) -> TrackerIssue? {
        let response = try await client.send("GET", client.url(Self.issuePath(ref)))
        if response.status == 404 || response.status == 410 { return nil }
        try client.expect(response, [200], "reading \(ref)")
        return issue(from: try client.decode(GitHub.Issue.self, from: response, "reading \(ref)"), in: ref.repo)
    }

    public func nativeBlockers(of ref: IssueRef) async throws(ServiceError) -> [(IssueRef, BlockerState)]? {
        // `GET …/dependencies/blocked_by` returns full `issue` objects
        // (https://docs.github.com/en/rest/issues/issue-dependencies#list-dependencies-an-issue-is-blocked-by).
        // A 404 for an issue we just listed means this GitHub has no dependency feature.
        let url = client.url(
            "\(Self.issuePath(ref))/dependencies/blocked_by",
            query: [("per_page", String(Self.pageSize))]
        )
        let what = "reading blockers of \(ref)"
        let first = try await client.send("GET", url)
        if first.status == 404 || first.status == 410 { return nil }
        try client.expect(first, [200], what)
        var payloads = try client.decode([GitHub.Issue].self, from: first, what)
        if let next = LinkHeader.parse(first.headers["link"])["next"] {
            payloads += try await getAllPages(next, GitHub.Issue.self, what)
        }
        return payloads.map { payload in
            let repo = payload.repositoryURL.flatMap(Self.repo(fromRepositoryURL:)) ?? ref.repo
            let state: BlockerState = payload.state == "open" ? .open : .closed
            return (IssueRef(repo: repo, number: payload.number), state)
        }
    }

    /// `https://api.github.com/repos/OWNER/NAME` → `OWNER/NAME`.
    static func repo(fromRepositoryURL text: String) -> RepoRef? {
        let parts = text.split(separator: "/")
        guard parts.count >= 2 else { return nil }
        return RepoRef(parsing: "\(parts[parts.count - 2])/\(parts[parts.count - 1])")
    }

    public func labelEvents(of ref: IssueRef, latestFor label: String) async throws(ServiceError) -> [LabelEvent] {
        // Events come oldest first. Read page 1; when there are more pages, jump to the last page
        // and walk back with rel="prev" until a `labeled` event for `label` is in hand, so that
        // a long history costs one or two requests rather than all of them.
        let what = "reading label events of \(ref)"
        let firstURL = client.url("\(Self.issuePath(ref))/events", query: [("per_page", String(Self.pageSize))])
        let first = try await client.send("GET", firstURL)
        try client.expect(first, [200], what)
        let firstEvents = try client.decode([GitHub.IssueEvent].self, from: first, what)
        let links = LinkHeader.parse(first.headers["link"])
        guard links["next"] != nil else { return Self.labelEvents(firstEvents) }
        guard let last = links["last"] else {
            // No `last` link: walk forward through everything.
            let rest = try await getAllPages(links["next"] ?? firstURL, GitHub.IssueEvent.self, what)
            return Self.labelEvents(firstEvents + rest)
        }
        var collected: [[GitHub.IssueEvent]] = []
        var cursor: URL? = last
        var pages = 0
        while let url = cursor, url != firstURL, pages < 100 {
            let response = try await client.send("GET", url)
            try client.expect(response, [200], what)
            let events = try client.decode([GitHub.IssueEvent].self, from: response, what)
            collected.insert(events, at: 0)
            if events.contains(where: {
                $0.event == "labeled" && $0.label?.name?.caseInsensitiveCompare(label) == .orderedSame
            }) {
                return Self.labelEvents(collected.flatMap { $0 })
            }
            let prev = LinkHeader.parse(response.headers["link"])["prev"]
            if prev == nil || Self.isFirstPage(prev) { break }
            cursor = prev
            pages += 1
        }
        return Self.labelEvents(firstEvents + collected.flatMap { $0 })
    }

    static func isFirstPage(_ url: URL?) -> Bool {
        guard let url, let items = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems else {
            return false
        }
        return items.first(where: { $0.name == "page" })?.value == "1"
    }

    static func labelEvents(_ events: [GitHub.IssueEvent]) -> [LabelEvent] {
        events.compactMap { event in
            guard let label = event.label?.name else { return nil }
            switch event.event {
            case "labeled": return LabelEvent(kind: .labeled, label: label, actor: event.actor?.login)
            case "unlabeled": return LabelEvent(kind: .unlabeled, label: label, actor: event.actor?.login)
            default: return nil
            }
        }
    }

    /// `GET …/collaborators/{login}/permission`. GitHub shows it only to tokens that may push:
    /// any other token gets 403 "Must have push access to view collaborator permission." for
    /// every lookup (recorded: PyGithub `tests/ReplayData/Repository.testCollaboratorPermissionNoPushAccess.txt`;
    /// the OpenAPI description lists only 200 and 404). That is afk's configuration, not the
    /// labeler's: it is reported as ``ServiceError/Kind/misconfigured``, naming the access needed.
    public func permission(of login: String, in repo: RepoRef) async throws(ServiceError) -> CollaboratorPermission {
        let url = client.url("\(Self.repoPath(repo))/collaborators/\(ServiceClient.segment(login))/permission")
        let response: ServiceResponse
        do {
            response = try await client.send("GET", url)
        } catch  where error.kind == .forbidden && error.message.lowercased().contains("push access") {
            throw Self.needsPush(repo, detail: "GitHub shows who applied a label only to a token that may push")
        }
        if response.status == 404 { return .notCollaborator }
        try client.expect(response, [200], "reading \(login)'s permission on \(repo)")
        let payload = try client.decode(
            GitHub.CollaboratorPermission.self,
            from: response,
            "reading \(login)'s permission on \(repo)"
        )
        return .role(permission: payload.permission, roleName: payload.roleName ?? "")
    }

    /// A personal or OAuth token sees collaborator permissions only with push access (above). An
    /// App's installation token needs just `metadata: read` for them, so it proves nothing.
    public var permissionReadProvesWriteAccess: Bool { appTokens == nil }

    /// afk's token lacks push access to `repo`.
    static func needsPush(_ repo: RepoRef, detail: String) -> ServiceError {
        ServiceError(
            service: "GitHub",
            kind: .misconfigured,
            message: "afk's token needs push access (the write, maintain or admin role) to \(repo): \(detail); "
                + "give tracker.bot_login that role on the repository (triage and read are not enough)"
        )
    }

    public func comments(on ref: IssueRef) async throws(ServiceError) -> [TrackerComment] {
        let url = client.url("\(Self.issuePath(ref))/comments", query: [("per_page", String(Self.pageSize))])
        return try await getAllPages(url, GitHub.Comment.self, "reading comments of \(ref)").map(Self.comment)
    }

    static func comment(_ payload: GitHub.Comment) -> TrackerComment {
        TrackerComment(
            id: payload.id,
            author: payload.user?.login ?? "",
            body: payload.body ?? "",
            htmlURL: payload.htmlURL
        )
    }

    public func addLabels(_ labels: [String], to ref: IssueRef) async throws(ServiceError) {
        let body = try? JSONSerialization.data(withJSONObject: ["labels": labels])
        let response = try await client.send(
            "POST",
            client.url("\(Self.issuePath(ref))/labels"),
            json: body,
            idempotent: true
        )  // adding a label the issue already has changes nothing
        try client.expect(response, [200], "adding \(labels.joined(separator: ", ")) to \(ref)")
    }

    public func createComment(on ref: IssueRef, body text: String) async throws(ServiceError) -> TrackerComment {
        let body = try? JSONSerialization.data(withJSONObject: ["body": text])
        let response = try await client.send("POST", client.url("\(Self.issuePath(ref))/comments"), json: body)
        try client.expect(response, [201], "commenting on \(ref)")
        return Self.comment(try client.decode(GitHub.Comment.self, from: response, "commenting on \(ref)"))
    }

    // MARK: - Watcher

    public func recentIssues(
        in repo: RepoRef,
        labeled label: String,
        state: TrackerIssue.State,
        updatedSince since: Date
    ) async throws(ServiceError) -> [TrackerIssue] {
        let url = client.url(
            "\(Self.repoPath(repo))/issues",
            query: [
                ("state", state.rawValue), ("labels", label), ("since", Timestamp.format(since)),
                ("per_page", String(Self.pageSize)),
            ]
        )
        return try await getAllPages(url, GitHub.Issue.self, "listing recently updated \(repo) issues labeled \(label)")
            .map { issue(from: $0, in: repo) }
    }

    public func defaultBranch(of repo: RepoRef) async throws(ServiceError) -> String {
        let response = try await client.send("GET", client.url(Self.repoPath(repo)))
        try client.expect(response, [200], "reading \(repo)")
        return try client.decode(GitHub.Repository.self, from: response, "reading \(repo)").defaultBranch
    }

    public func commits(in repo: RepoRef, branch: String?, since: Date) async throws(ServiceError) -> [ForgeCommit] {
        // Without `sha` GitHub lists the default branch
        // (https://docs.github.com/en/rest/commits/commits#list-commits).
        let what = "listing commits on " + (branch.map { "\(repo)@\($0)" } ?? "the default branch of \(repo)")
        let url = client.url(
            "\(Self.repoPath(repo))/commits",
            query: (branch.map { [("sha", $0)] } ?? []) + [
                ("since", Timestamp.format(since)), ("per_page", String(Self.pageSize)),
            ]
        )
        var commits: [GitHub.Commit] = []
        var next: URL? = url
        var pages = 0
        // Every commit since dispatch, newest first: the newest one referencing the issue wins,
        // and it may lie past the first page on a busy branch.
        while let page = next, pages < 10 {
            let response = try await client.send("GET", page)
            if response.status == 409 { return [] }  // empty repository
            try client.expect(response, [200], what)
            commits += try client.decode([GitHub.Commit].self, from: response, what)
            next = LinkHeader.parse(response.headers["link"])["next"]
            pages += 1
        }
        return commits.map {
            ForgeCommit(
                sha: $0.sha,
                message: $0.commit.message,
                committedAt: $0.commit.committer?.date.flatMap(Timestamp.parse)
            )
        }
    }

    /// Check runs and the combined status, every page of each (GitHub: "List check runs for a Git
    /// reference" and "Get the combined status for a specific reference" both page with `Link`;
    /// matrix builds pass 100 check runs). Past ``maxCIPages`` pages the totals show the lists are
    /// incomplete, and an incomplete list is never green (``CIVerdict/fold(_:)``).
    public func ciStatus(of sha: String, in repo: RepoRef) async throws(ServiceError) -> CIVerdict.Evidence {
        let ref = ServiceClient.segment(sha)
        let checksURL = client.url(
            "\(Self.repoPath(repo))/commits/\(ref)/check-runs",
            query: [("per_page", String(Self.pageSize))]
        )
        let checkPages = try await pages(
            checksURL,
            GitHub.CheckRuns.self,
            "reading check runs of \(sha)",
            limit: Self.maxCIPages
        )
        let statusURL = client.url(
            "\(Self.repoPath(repo))/commits/\(ref)/status",
            query: [("per_page", String(Self.pageSize))]
        )
        let statusPages = try await pages(
            statusURL,
            GitHub.CombinedStatus.self,
            "reading the combined status of \(sha)",
            limit: Self.maxCIPages
        )
        let runs = checkPages.flatMap(\.checkRuns)
        let statuses = statusPages.flatMap(\.statuses)
        let first = statusPages.first
        return CIVerdict.Evidence(
            checkRuns: runs.map { CIVerdict.CheckRun(name: $0.name, status: $0.status, conclusion: $0.conclusion) },
            checkRunsTotal: checkPages.map(\.totalCount).max() ?? runs.count,
            combined: first.map { first in
                CIVerdict.CombinedStatus(
                    state: first.state,
                    totalCount: max(first.totalCount, statuses.count),
                    statuses: statuses.map { (context: $0.context, state: $0.state) }
                )
            }
        )
    }

    /// Pages of check runs or statuses read per commit before the rest counts as unread.
    static let maxCIPages = 10

    /// GETs up to `limit` pages of a paged object (`{total_count, …}`), following `Link: rel="next"`.
    func pages<T: Decodable>(_ first: URL, _ type: T.Type, _ what: String, limit: Int) async throws(ServiceError) -> [T]
    {
        var pages: [T] = []
        var next: URL? = first
        while let url = next, pages.count < limit {
            let response = try await client.send("GET", url)
            try client.expect(response, [200], what)
            pages.append(try client.decode(T.self, from: response, what))
            next = LinkHeader.parse(response.headers["link"])["next"]
        }
        return pages
    }

    public func updateComment(_ id: Int64, in repo: RepoRef, body text: String) async throws(ServiceError) {
        let body = try? JSONSerialization.data(withJSONObject: ["body": text])
        let response = try await client.send(
            "PATCH",
            client.url("\(Self.repoPath(repo))/issues/comments/\(id)"),
            json: body
        )
        try client.expect(response, [200], "editing comment \(id) on \(repo)")
    }

    public func removeLabel(_ label: String, from ref: IssueRef) async throws(ServiceError) {
        let response = try await client.send(
            "DELETE",
            client.url("\(Self.issuePath(ref))/labels/\(ServiceClient.segment(label))")
        )
        // 404 "if the label does not exist" (https://docs.github.com/en/rest/issues/labels#remove-a-label-from-an-issue):
        // already gone.
        if response.status == 404 { return }
        try client.expect(response, [200, 204], "removing \(label) from \(ref)")
    }

    public func close(_ ref: IssueRef) async throws(ServiceError) {
        let body = try? JSONSerialization.data(withJSONObject: ["state": "closed", "state_reason": "completed"])
        let response = try await client.send("PATCH", client.url(Self.issuePath(ref)), json: body)
        try client.expect(response, [200], "closing \(ref)")
    }

    // MARK: - Operator checks

    public func tokenLogin() async throws(ServiceError) -> String? {
        // An installation token has no user (`GET /user` is refused); its App's bot writes.
        if let app = appTokens { return try await app.botLogin() }
        let response: ServiceResponse
        do {
            response = try await client.send("GET", client.url("/user"))
        } catch  where error.kind == .forbidden {
            return nil  // installation tokens: "Resource not accessible by integration"
        }
        try client.expect(response, [200], "reading the token's user")
        return try client.decode(GitHub.User.self, from: response, "reading the token's user").login
    }

    public func access(to repo: RepoRef) async throws(ServiceError) -> RepoAccess {
        let response = try await client.send("GET", client.url(Self.repoPath(repo)))
        if response.status == 404 { return .notFound }
        try client.expect(response, [200], "reading \(repo)")
        guard let permissions = try client.decode(GitHub.Repository.self, from: response, "reading \(repo)").permissions
        else {
            return .unknown
        }
        // Push-level roles only (write, maintain, admin): with triage afk may label and comment,
        // but GitHub then refuses it the collaborator permission it reads for the trust gate.
        return permissions.push == true || permissions.maintain == true || permissions.admin == true
            ? .write : .readOnly
    }

    public func labelExists(_ name: String, in repo: RepoRef) async throws(ServiceError) -> Bool {
        let response = try await client.send(
            "GET",
            client.url("\(Self.repoPath(repo))/labels/\(ServiceClient.segment(name))")
        )
        if response.status == 404 { return false }
        try client.expect(response, [200], "reading label \(name) of \(repo)")
        return true
    }

    /// `POST /repos/{o}/{r}/labels` (GitHub: "Create a label"): 201, or 422 `already_exists`
    /// when it is there. An unknown outcome is settled by looking the label up.
    public func createLabel(_ label: LabelDefinition, in repo: RepoRef) async throws(ServiceError) {
        let what = "creating label \(label.name) in \(repo)"
        let body = try? JSONSerialization.data(withJSONObject: [
            "name": label.name, "color": label.color, "description": label.description,
        ])
        try await UnknownOutcome.reconcile(
            create: { () async throws(ServiceError) -> Void in
                let response = try await client.send("POST", client.url("\(Self.repoPath(repo))/labels"), json: body)
                if response.status == 422, response.bodyText.contains("already_exists") { return }
                try client.expect(response, [201], what)
            },
            find: { () async throws(ServiceError) -> Void? in try await labelExists(label.name, in: repo) ? () : nil }
        )
    }
}
