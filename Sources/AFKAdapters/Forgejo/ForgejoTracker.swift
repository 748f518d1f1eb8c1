import AFKCore
import Foundation
import Logging

/// ``Tracker`` over the Gitea/Forgejo API v1 (https://codeberg.org/api/swagger,
/// https://docs.gitea.com/api/1.22/; the swagger is `templates/swagger/v1_json.tmpl` in both codebases).
///
/// An actor because it keeps, per repository, the index of label names to ids that the label
/// endpoints need (`POST …/labels` takes ids on every version; `DELETE …/labels/{id}` takes
/// nothing else). The index is read once per repository for the life of the tracker — one
/// tick, since each tick builds its own — and re-read once when a name or id misses.
///
/// What it establishes and what it cannot:
/// - **Label filter.** `GET …/issues?labels=` drops unknown names and, when none is known,
///   filters nothing (`ListIssues` in https://github.com/go-gitea/gitea/blob/main/routers/api/v1/repo/issue.go;
///   Forgejo's is the same). Every listing therefore checks the label against the index first
///   (an unknown label is ``ServiceError/Kind/misconfigured``; afk creates no labels), sends
///   the repository's own spelling of the name, and keeps only results that do carry it.
/// - **Permission.** `…/collaborators/{login}/permission` answers 403 unless the token's user
///   is a site admin, a repository admin, or asks about itself. Without it the API shows no
///   one's level: `User` has no permission field, `GET …/collaborators` lists users without
///   their level, `GET …/collaborators/{login}` is 204/404, `Repository.permissions` is the
///   caller's own, team membership of an organization is hidden from non-admins, and
///   `GET …/assignees` mixes in pull-request *readers* (org teams; newer Gitea's grants) so it
///   proves nothing. Only the repository owner can be recognised (their login is the owner
///   login of the repository; user and organization names share one namespace and an
///   organization cannot act). Everyone else fails closed; see ``permission(of:in:)``.
/// - **CI.** The combined commit status plus, where the server has it, the Actions runs
///   API. `warning` counts as failure (see ``githubStatusState(_:)``).
public actor ForgejoTracker: Tracker {
    public enum Flavor: String, Sendable, CaseIterable {
        case forgejo
        case gitea

        public var serviceName: String {
            switch self {
            case .forgejo: "Forgejo"
            case .gitea: "Gitea"
            }
        }
    }

    public nonisolated let serviceName: String
    public nonisolated let flavor: Flavor
    let client: ServiceClient
    let logger: Logger
    /// `MAX_RESPONSE_ITEMS` defaults to 50 and caps larger `limit`s
    /// (`[api]` in https://docs.gitea.com/administration/config-cheat-sheet; Forgejo's is the same).
    static let pageSize = 50

    /// Repository labels by repository, as last read.
    private var labelIndex: [RepoRef: [Forgejo.Label]] = [:]
    /// Repositories whose permission endpoint refused the token (logged once each).
    private var permissionRefused: Set<RepoRef> = []
    /// Whether the server has `GET …/pulls/{base}/{head}` (Gitea 1.22, Forgejo 7), once known.
    var hasPullByBranchRoute: Bool?

    /// - Parameter baseURL: the server root (`https://codeberg.org`, or with a sub-path);
    ///   requests go to `{baseURL}/api/v1/…`. A base that already ends in `/api/v1` is used as is.
    public init(
        baseURL: URL,
        token: String,
        flavor: Flavor,
        transport: any HTTPTransport,
        retry: RetryPolicy,
        logger: Logger,
        sleep: @escaping @Sendable (Double) async -> Void = ServiceClient.realSleep
    ) {
        self.flavor = flavor
        self.serviceName = flavor.serviceName
        self.logger = logger
        self.client = ServiceClient(
            service: flavor.serviceName,
            baseURL: Self.apiBase(baseURL),
            transport: transport,
            defaultHeaders: [
                // Forgejo accepts only the lowercase `token` scheme (or `bearer`); Gitea either.
                "Authorization": "token \(token)",
                "Accept": "application/json",
                "User-Agent": "afk",
            ],
            retry: retry,
            logger: logger,
            sleep: sleep
        )
    }

    static func apiBase(_ root: URL) -> URL {
        var text = root.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        if text.hasSuffix("/api/v1") { return URL(string: text) ?? root }
        return URL(string: text + "/api/v1") ?? root
    }

    static func repoPath(_ repo: RepoRef) -> String {
        "/repos/\(ServiceClient.segment(repo.owner))/\(ServiceClient.segment(repo.name))"
    }

    static func issuePath(_ ref: IssueRef) -> String { "\(repoPath(ref.repo))/issues/\(ref.number)" }

    // MARK: - Paging

    /// How a listing is paged and when to stop reading it.
    struct Paging {
        /// The timeline's `X-Total-Count` is the length of the page, not of the listing.
        var totalCountIsPageLength = false
        var maxPages = 100
        /// Past `maxPages`, return what was read (true) or fail (false).
        var truncate = false
        /// First-page statuses that mean "nothing here" (409 for an empty repository).
        var emptyOn: Set<Int> = []
    }

    /// GETs `path` page by page (`page`, `limit=50`). Returns nil when the first page is 404.
    ///
    /// Next pages are requested by number and always against the configured base URL: the
    /// `Link` header (built from the server's `ROOT_URL`, which need not be the address afk
    /// uses) only says whether there is one. Endpoints without `Link` are read until
    /// `X-Total-Count` is reached or a page comes back empty: the timeline and dependency
    /// listings drop entries the caller may not see, so a short page does not mean the last.
    func getAll<T: Decodable>(
        _ path: String,
        query: [(String, String)] = [],
        _ type: T.Type,
        _ what: String,
        paging: Paging = Paging(),
        stopAfterPage: ([T]) -> Bool = { _ in false }
    ) async throws(ServiceError) -> [T]? {
        var items: [T] = []
        var page = 1
        while true {
            let url = client.url(path, query: query + [("page", String(page)), ("limit", String(Self.pageSize))])
            let response = try await client.send("GET", url)
            if page == 1 {
                if response.status == 404 { return nil }
                if paging.emptyOn.contains(response.status) { return [] }
            }
            try client.expect(response, [200], what)
            // Go encodes an empty slice that was never allocated as `null`.
            let batch = try client.decode([T]?.self, from: response, what) ?? []
            items += batch
            if batch.isEmpty || stopAfterPage(batch) { return items }
            if let link = response.headers["link"] {
                guard let next = LinkHeader.parse(link)["next"] else { return items }
                page = Self.pageNumber(of: next).flatMap { $0 > page ? $0 : nil } ?? page + 1
            } else {
                if !paging.totalCountIsPageLength,
                    let total = response.headers["x-total-count"]
                        .flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }),
                    items.count >= total
                {
                    return items
                }
                page += 1
            }
            if page > paging.maxPages {
                if paging.truncate { return items }
                throw ServiceError(
                    service: client.service,
                    kind: .malformedResponse,
                    message: "\(what) stopped after \(paging.maxPages) pages, the most afk reads"
                )
            }
        }
    }

    static func pageNumber(of url: URL) -> Int? {
        URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?
            .first(where: { $0.name == "page" })?
            .value.flatMap { Int($0) }
    }

    func repositoryMissing(_ repo: RepoRef) -> ServiceError {
        ServiceError(
            service: client.service,
            kind: .misconfigured,
            message:
                "repository \(repo) does not exist or the token cannot read it (HTTP 404); check the allowlist and the token's repository access"
        )
    }

    // MARK: - Label index

    /// The repository's labels, from the index unless `refresh`.
    func repoLabels(_ repo: RepoRef, refresh: Bool = false) async throws(ServiceError) -> [Forgejo.Label] {
        if !refresh, let cached = labelIndex[repo] { return cached }
        guard
            let labels = try await getAll(
                "\(Self.repoPath(repo))/labels",
                Forgejo.Label.self,
                "listing the labels of \(repo)"
            )
        else {
            throw repositoryMissing(repo)
        }
        labelIndex[repo] = labels
        return labels
    }

    /// The exact name first; names compare case-insensitively otherwise (as afk's do), but
    /// whether the server's own lookup does depends on its database, so callers send the
    /// spelling found here.
    static func find(_ name: String, in labels: [Forgejo.Label]) -> Forgejo.Label? {
        labels.first { $0.name == name } ?? labels.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// Resolves a label name, re-reading the index once when a cached index lacks it.
    func resolveLabel(_ name: String, in repo: RepoRef) async throws(ServiceError) -> Forgejo.Label? {
        let cached = labelIndex[repo] != nil
        if let label = Self.find(name, in: try await repoLabels(repo)) { return label }
        guard cached else { return nil }
        return Self.find(name, in: try await repoLabels(repo, refresh: true))
    }

    func missingLabel(_ name: String, in repo: RepoRef) -> ServiceError {
        ServiceError(
            service: client.service,
            kind: .misconfigured,
            message: "label \(name) does not exist in \(repo): create it (afk creates none implicitly)"
        )
    }

    func requireLabel(_ name: String, in repo: RepoRef) async throws(ServiceError) -> Forgejo.Label {
        guard let label = try await resolveLabel(name, in: repo) else { throw missingLabel(name, in: repo) }
        return label
    }

    // MARK: - Issues

    func issue(from payload: Forgejo.Issue, in repo: RepoRef) -> TrackerIssue {
        TrackerIssue(
            ref: IssueRef(repo: repo, number: payload.number),
            title: payload.title,
            body: payload.body ?? "",
            labels: (payload.labels?.items ?? []).map(\.name),
            state: payload.state == "open" ? .open : .closed,
            isPullRequest: payload.pullRequest != nil,
            htmlURL: payload.htmlURL,
            commentCount: payload.comments?.value
        )
    }

    /// `GET /repos/{o}/{r}/issues` filtered by one label that is known to exist.
    func listIssues(in repo: RepoRef, labeled name: String, state: String, since: Date?, what: String)
        async throws(ServiceError) -> [TrackerIssue]
    {
        // The filter splits on commas: such a name would be read as several (unknown) names.
        guard !name.contains(",") else {
            throw ServiceError(
                service: client.service,
                kind: .misconfigured,
                message: "label \(name) contains a comma, which \(serviceName)'s issue filter cannot express: rename it"
            )
        }
        let label = try await requireLabel(name, in: repo)
        var query = [("state", state), ("type", "issues"), ("labels", label.name)]
        if let since { query.append(("since", Timestamp.format(since))) }
        guard let payloads = try await getAll("\(Self.repoPath(repo))/issues", query: query, Forgejo.Issue.self, what)
        else {
            throw repositoryMissing(repo)
        }
        // Should the label vanish between the check and the listing, the server would answer
        // with every issue: keep only those that carry it.
        let carrying = payloads.filter { payload in
            (payload.labels?.items ?? []).contains { $0.name.caseInsensitiveCompare(label.name) == .orderedSame }
        }
        if carrying.count < payloads.count {
            logger.warning(
                "\(serviceName): \(what): ignored \(payloads.count - carrying.count) issue(s) without the label (was it deleted?)"
            )
        }
        return carrying.map { issue(from: $0, in: repo) }
    }

    public func openIssues(in repo: RepoRef, labeled label: String) async throws(ServiceError) -> [TrackerIssue] {
        // `type=issues` leaves pull requests out; `pull_request` still flags any that come.
        try await listIssues(
            in: repo,
            labeled: label,
            state: "open",
            since: nil,
            what: "listing \(repo) issues labeled \(label)"
        )
    }

    public func recentIssues(
        in repo: RepoRef,
        labeled label: String,
        state: TrackerIssue.State,
        updatedSince since: Date
    ) async throws(ServiceError) -> [TrackerIssue] {
        try await listIssues(
            in: repo,
            labeled: label,
            state: state.rawValue,
            since: since,
            what: "listing recently updated \(repo) issues labeled \(label)"
        )
    }

    public func issue(_ ref: IssueRef) async throws(ServiceError) -> TrackerIssue? {
        let response = try await client.send("GET", client.url(Self.issuePath(ref)))
        if response.status == 404 { return nil }
        try client.expect(response, [200], "reading \(ref)")
        return issue(from: try client.decode(Forgejo.Issue.self, from: response, "reading \(ref)"), in: ref.repo)
    }

    public func nativeBlockers(of ref: IssueRef) async throws(ServiceError) -> [(IssueRef, BlockerState)]? {
        // `…/dependencies` lists the issues that block this one (since 1.20); 404 when the
        // repository has dependencies switched off. Blockers in repositories the token cannot
        // read are left out by the server.
        let what = "reading blockers of \(ref)"
        guard let payloads = try await getAll("\(Self.issuePath(ref))/dependencies", Forgejo.Issue.self, what) else {
            return nil
        }
        return payloads.map { payload in
            let repo = Self.repo(of: payload.repository) ?? ref.repo
            return (IssueRef(repo: repo, number: payload.number), payload.state == "open" ? .open : .closed)
        }
    }

    static func repo(of meta: Forgejo.RepositoryMeta?) -> RepoRef? {
        guard let meta else { return nil }
        if let owner = meta.owner, let name = meta.name, !owner.isEmpty, !name.isEmpty {
            return RepoRef(owner: owner, name: name)
        }
        return meta.fullName.flatMap { RepoRef(parsing: $0) }
    }

    public func labelEvents(of ref: IssueRef, latestFor label: String) async throws(ServiceError) -> [LabelEvent] {
        // The timeline is oldest first and has no `Link` header; its `X-Total-Count` is the
        // page's length. Read it to the end: the latest `labeled` event is what counts.
        let what = "reading the timeline of \(ref)"
        guard
            let entries = try await getAll(
                "\(Self.issuePath(ref))/timeline",
                Forgejo.TimelineComment.self,
                what,
                paging: Paging(totalCountIsPageLength: true)
            )
        else {
            throw ServiceError(
                service: client.service,
                kind: .unexpectedStatus(404),
                message: "\(what) failed with HTTP 404: the issue or its timeline is not there"
            )
        }
        return Self.labelEvents(entries)
    }

    /// `type == "label"` entries: `body` "1" is an addition and "" a removal
    /// (`models/issues/issue_label.go`). Any other body is read as an addition, so that the
    /// trust gate judges that entry's actor rather than an earlier one.
    static func labelEvents(_ entries: [Forgejo.TimelineComment]) -> [LabelEvent] {
        entries.compactMap { entry in
            guard entry.type == "label", let name = entry.label?.name else { return nil }
            let kind: LabelEvent.Kind = entry.body == "" ? .unlabeled : .labeled
            return LabelEvent(kind: kind, label: name, actor: entry.user?.attributableLogin)
        }
    }

    // MARK: - Permission

    /// The lookup below falls back to reads any token may make, so an answer proves nothing.
    public nonisolated var permissionReadProvesWriteAccess: Bool { false }

    /// `GET …/collaborators/{login}/permission` → `.role(permission, role_name)`; 404 (no such
    /// user) → `.notCollaborator`.
    ///
    /// When the endpoint refuses the token (403: it is neither a site admin nor a repository
    /// admin), no endpoint shows anyone's level, so afk falls back to membership (issue 4: "the
    /// collaborator list plus the owner, … fail closed"):
    /// - the repository owner's login → `.role("owner", "owner")` (`GET /repos/{o}/{r}`);
    /// - a listed collaborator (`GET …/collaborators`) → `.role("write", "collaborator")`. The
    ///   list does not carry the level, but only this actor's label event is ever judged, and
    ///   adding a label takes write access to the repository's issues
    ///   (`POST …/issues/{index}/labels`, swagger `issueAddLabel`), so the collaborator held at least that;
    /// - in an organization's repository, a member of a team that the repository lists
    ///   (`GET /repos/{o}/{r}/teams`) with write, admin or owner access to its code
    ///   (`Team.permission`, or `units_map["repo.code"]` for unit-based teams), checked with
    ///   `GET /teams/{id}/members/{login}` → `.role(<team access>, "team <name>")`;
    /// - anyone else, or anything the token may not read (403/404) → `.notCollaborator`.
    public func permission(of login: String, in repo: RepoRef) async throws(ServiceError) -> CollaboratorPermission {
        let what = "reading \(login)'s permission on \(repo)"
        let url = client.url("\(Self.repoPath(repo))/collaborators/\(ServiceClient.segment(login))/permission")
        let response: ServiceResponse
        do {
            response = try await client.send("GET", url)
        } catch  where error.kind == .forbidden {
            return try await permissionWithoutAdmin(of: login, in: repo, refusal: error)
        }
        if response.status == 404 { return .notCollaborator }
        try client.expect(response, [200], what)
        let payload = try client.decode(Forgejo.CollaboratorPermission.self, from: response, what)
        return .role(permission: payload.permission ?? "", roleName: payload.roleName ?? "")
    }

    func permissionWithoutAdmin(of login: String, in repo: RepoRef, refusal: ServiceError) async throws(ServiceError)
        -> CollaboratorPermission
    {
        if permissionRefused.insert(repo).inserted {
            logger.notice(
                """
                \(serviceName) refused to show collaborator permissions on \(repo) (\(refusal.message)): \
                trusting the owner, listed collaborators and members of the repository's write teams instead \
                (give the token's account admin on the repository to have exact permissions read)
                """
            )
        }
        guard let repository = try await repository(repo) else { return .notCollaborator }
        let owner = repository.owner?.attributableLogin
        if let owner, owner.caseInsensitiveCompare(login) == .orderedSame {
            return .role(permission: "owner", roleName: "owner")
        }
        let collaborators: [Forgejo.User]?
        do {
            collaborators = try await getAll(
                "\(Self.repoPath(repo))/collaborators",
                Forgejo.User.self,
                "listing collaborators of \(repo)"
            )
        } catch  where error.kind == .forbidden {
            collaborators = nil
        }
        if let collaborators, collaborators.contains(where: { $0.login.caseInsensitiveCompare(login) == .orderedSame })
        {
            return .role(permission: "write", roleName: "collaborator")
        }
        if let team = try await writeTeam(of: login, in: repo) {
            return .role(permission: team.access, roleName: "team \(team.name)")
        }
        return .notCollaborator
    }

    /// The first team of the repository with write access or more whose members include `login`;
    /// nil when there is none or the token may not see teams or their members.
    func writeTeam(of login: String, in repo: RepoRef) async throws(ServiceError) -> (name: String, access: String)? {
        // `GET /repos/{o}/{r}/teams` takes no paging: one request answers every team. 405 means
        // the owner is a user, not an organization; 403/404, that the token may not list them.
        let what = "listing the teams of \(repo)"
        let response: ServiceResponse
        do {
            response = try await client.send("GET", client.url("\(Self.repoPath(repo))/teams"))
        } catch  where error.kind == .forbidden {
            return nil
        }
        if [404, 405].contains(response.status) { return nil }
        try client.expect(response, [200], what)
        let teams = try client.decode([Forgejo.Team]?.self, from: response, what)
        for team in teams ?? [] {
            guard let access = team.codeAccess, ["write", "admin", "owner"].contains(access) else { continue }
            let url = client.url("/teams/\(team.id)/members/\(ServiceClient.segment(login))")
            let response: ServiceResponse
            do {
                response = try await client.send("GET", url)
            } catch  where error.kind == .forbidden {
                continue  // not a member of the organization: team rosters are hidden
            }
            if response.status == 404 { continue }
            try client.expect(response, [200], "reading the members of team \(team.name)")
            return (team.name, access)
        }
        return nil
    }

    // MARK: - Comments and labels

    public func comments(on ref: IssueRef) async throws(ServiceError) -> [TrackerComment] {
        // This endpoint takes only `since`/`before` and returns every comment, oldest first.
        let what = "reading comments of \(ref)"
        let response = try await client.send("GET", client.url("\(Self.issuePath(ref))/comments"))
        try client.expect(response, [200], what)
        return (try client.decode([Forgejo.Comment]?.self, from: response, what) ?? []).map(Self.comment)
    }

    static func comment(_ payload: Forgejo.Comment) -> TrackerComment {
        TrackerComment(
            id: payload.id,
            author: payload.user?.login ?? "",
            body: payload.body ?? "",
            htmlURL: payload.htmlURL
        )
    }

    public func createComment(on ref: IssueRef, body text: String) async throws(ServiceError) -> TrackerComment {
        let body = try? JSONSerialization.data(withJSONObject: ["body": text])
        let response = try await client.send("POST", client.url("\(Self.issuePath(ref))/comments"), json: body)
        try client.expect(response, [201], "commenting on \(ref)")
        return Self.comment(try client.decode(Forgejo.Comment.self, from: response, "commenting on \(ref)"))
    }

    public func updateComment(_ id: Int64, in repo: RepoRef, body text: String) async throws(ServiceError) {
        let body = try? JSONSerialization.data(withJSONObject: ["body": text])
        let response = try await client.send(
            "PATCH",
            client.url("\(Self.repoPath(repo))/issues/comments/\(id)"),
            json: body
        )
        try client.expect(response, [200, 204], "editing comment \(id) on \(repo)")
    }

    public func addLabels(_ names: [String], to ref: IssueRef) async throws(ServiceError) {
        guard !names.isEmpty else { return }
        let what = "adding \(names.joined(separator: ", ")) to \(ref)"
        var labels = try await requiredLabels(names, in: ref.repo)
        for attempt in 1...2 {
            // Ids, not names: names are accepted only since Gitea 1.23 / Forgejo 8.
            let body = try? JSONSerialization.data(withJSONObject: ["labels": labels.map(\.id)])
            let response = try await client.send(
                "POST",
                client.url("\(Self.issuePath(ref))/labels"),
                json: body,
                idempotent: true
            )
            try client.expect(response, [200], what)
            // The answer is the issue's labels afterwards. Ids the server does not know are
            // dropped without a word, so check: a miss means the index is stale.
            let applied = Set((try client.decode([Forgejo.Label]?.self, from: response, what) ?? []).map(\.id))
            let missing = labels.filter { !applied.contains($0.id) }
            if missing.isEmpty { return }
            guard attempt == 1 else {
                throw ServiceError(
                    service: client.service,
                    kind: .misconfigured,
                    message:
                        "\(what): \(serviceName) did not apply \(missing.map(\.name).joined(separator: ", ")); check the labels in \(ref.repo)"
                )
            }
            _ = try await repoLabels(ref.repo, refresh: true)
            labels = try await requiredLabels(names, in: ref.repo)
        }
    }

    public func requireLabels(_ names: [String], in repo: RepoRef) async throws(ServiceError) {
        _ = try await requiredLabels(names, in: repo)
    }

    func requiredLabels(_ names: [String], in repo: RepoRef) async throws(ServiceError) -> [Forgejo.Label] {
        var labels: [Forgejo.Label] = []
        for name in names { labels.append(try await requireLabel(name, in: repo)) }
        return labels
    }

    public func removeLabel(_ name: String, from ref: IssueRef) async throws(ServiceError) {
        // A label the repository does not have cannot be on the issue.
        guard var label = try await resolveLabel(name, in: ref.repo) else { return }
        let what = "removing \(name) from \(ref)"
        for attempt in 1...2 {
            let response = try await client.send("DELETE", client.url("\(Self.issuePath(ref))/labels/\(label.id)"))
            switch response.status {
            case 200, 204:
                return  // also when the label was not on the issue
            case 404:
                return  // the issue is gone
            case 422 where attempt == 1:
                // No label with that id: the index is stale (label deleted, maybe recreated).
                guard let fresh = Self.find(name, in: try await repoLabels(ref.repo, refresh: true)),
                    fresh.id != label.id
                else { return }
                label = fresh
            case 422:
                return
            default:
                try client.expect(response, [204], what)
            }
        }
    }

    public func close(_ ref: IssueRef) async throws(ServiceError) {
        // No `state_reason` on this API; `PATCH` answers 201.
        let body = try? JSONSerialization.data(withJSONObject: ["state": "closed"])
        let response = try await client.send("PATCH", client.url(Self.issuePath(ref)), json: body)
        try client.expect(response, [201, 200], "closing \(ref)")
    }

    // MARK: - Watcher

    func repository(_ repo: RepoRef) async throws(ServiceError) -> Forgejo.Repository? {
        let response = try await client.send("GET", client.url(Self.repoPath(repo)))
        if response.status == 404 { return nil }
        try client.expect(response, [200], "reading \(repo)")
        return try client.decode(Forgejo.Repository.self, from: response, "reading \(repo)")
    }

    public func defaultBranch(of repo: RepoRef) async throws(ServiceError) -> String {
        guard let payload = try await repository(repo) else { throw repositoryMissing(repo) }
        guard let branch = payload.defaultBranch, !branch.isEmpty else {
            throw ServiceError(
                service: client.service,
                kind: .malformedResponse,
                message: "\(repo) has no default_branch (is the repository empty?)"
            )
        }
        return branch
    }

    public func commits(in repo: RepoRef, branch: String?, since: Date) async throws(ServiceError) -> [ForgeCommit] {
        // Forgejo ignores `since` (its swagger does not list it; Gitea's does), so commits
        // before it are dropped here. Newest first; reading stops at the first page that
        // reaches back past `since`, and after four pages (200 commits since dispatch).
        // Without `sha` the repository's HEAD (its default branch) is listed (swagger `repoGetAllCommits`).
        let what = "listing commits on " + (branch.map { "\(repo)@\($0)" } ?? "the default branch of \(repo)")
        let floor = since.addingTimeInterval(-1)  // second-granularity timestamps
        let query =
            (branch.map { [("sha", $0)] } ?? []) + [
                ("since", Timestamp.format(since)), ("stat", "false"), ("verification", "false"), ("files", "false"),
            ]
        let payloads = try await getAll(
            "\(Self.repoPath(repo))/commits",
            query: query,
            Forgejo.Commit.self,
            what,
            paging: Paging(maxPages: 4, truncate: true, emptyOn: [409]),
            stopAfterPage: { page in page.contains { Self.committedAt($0).map { $0 < floor } ?? false } }
        )
        guard let payloads else { throw repositoryMissing(repo) }
        return payloads.compactMap { payload in
            let date = Self.committedAt(payload)
            if let date, date < floor { return nil }
            return ForgeCommit(sha: payload.sha, message: payload.commit?.message ?? "", committedAt: date)
        }
    }

    static func committedAt(_ commit: Forgejo.Commit) -> Date? {
        (commit.commit?.committer?.date ?? commit.created).flatMap(Timestamp.parse)
    }

    public func ciStatus(of sha: String, in repo: RepoRef) async throws(ServiceError) -> CIVerdict.Evidence {
        let combined = try await combinedStatus(of: sha, in: repo)
        let runs = try await actionRuns(of: sha, in: repo)
        return CIVerdict.Evidence(checkRuns: runs.runs, checkRunsTotal: runs.total, combined: combined)
    }

    /// `GET …/commits/{ref}/status` in GitHub's vocabulary (see ``githubStatusState(_:)``).
    func combinedStatus(of sha: String, in repo: RepoRef) async throws(ServiceError) -> CIVerdict.CombinedStatus {
        let what = "reading the combined status of \(sha)"
        let path = "\(Self.repoPath(repo))/commits/\(ServiceClient.segment(sha))/status"
        var page = 1
        var state = ""
        var statuses: [Forgejo.CombinedStatus.Status] = []
        var total = 0
        // The statuses are paged; the combined state covers the page read. Past one page,
        // combine them here.
        while page <= 20 {
            let response = try await client.send(
                "GET",
                client.url(path, query: [("page", String(page)), ("limit", String(Self.pageSize))])
            )
            try client.expect(response, [200], what)
            let payload = try client.decode(Forgejo.CombinedStatus.self, from: response, what)
            let batch = payload.statuses ?? []
            if page == 1 {
                state = payload.state ?? ""
                // Gitea puts the page's length in `total_count` and the real total in the header.
                total =
                    response.headers["x-total-count"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                    ?? payload.totalCount ?? batch.count
            }
            statuses += batch
            if batch.isEmpty || statuses.count >= total { break }
            page += 1
        }
        let mapped = statuses.map { (context: $0.context ?? "", state: Self.githubStatusState($0.status ?? "")) }
        if mapped.isEmpty && state.isEmpty {
            return CIVerdict.CombinedStatus(state: "", totalCount: 0, statuses: [])  // Forgejo's `{}`: reports nothing
        }
        let combinedState =
            page > 1 || state.isEmpty ? Self.combine(mapped.map(\.state)) : Self.githubStatusState(state)
        return CIVerdict.CombinedStatus(state: combinedState, totalCount: max(total, mapped.count), statuses: mapped)
    }

    /// Gitea/Forgejo commit status states in GitHub's words, which ``CIVerdict/fold(checkRuns:combined:)``
    /// reads: `skipped` (Gitea 1.25+) is success. `warning` is **failure**: Gitea's own
    /// combined state counts it as one, Forgejo ranks it just above failure and shows it as a
    /// problem, and a CI that says "something is wrong" must not close an issue nor leave it
    /// pending until the run times out; the failing context is named to the human instead.
    /// Anything else passes through and folds as pending.
    static func githubStatusState(_ state: String) -> String {
        switch state.lowercased() {
        case "success", "skipped": "success"
        case "pending": "pending"
        case "error": "error"
        case "failure", "warning": "failure"
        default: state.lowercased()
        }
    }

    /// Worst of mapped states: failure/error, then anything not success (pending), then success.
    static func combine(_ states: [String]) -> String {
        if states.contains(where: { $0 == "failure" || $0 == "error" }) { return "failure" }
        if states.isEmpty || states.contains(where: { $0 != "success" }) { return "pending" }
        return "success"
    }

    /// Actions runs for the commit as check runs. 404 (no Actions API: Gitea < 1.25, Forgejo
    /// < 12) and 403 (Actions off or unreadable) give none: every job also posts a commit
    /// status, which the combined status already carries.
    /// The commit's Actions runs, every page up to ten; `total` is the server's count when it
    /// filtered by `head_sha` (more than `runs` holds: the list is incomplete, never green).
    func actionRuns(of sha: String, in repo: RepoRef) async throws(ServiceError) -> (
        runs: [CIVerdict.CheckRun], total: Int?
    ) {
        let what = "reading the Actions runs of \(sha)"
        let path = "\(Self.repoPath(repo))/actions/runs"
        var runs: [Forgejo.ActionRuns.Run] = []
        var total: Int?
        var page = 1
        while page <= 10 {
            let url = client.url(
                path,
                query: [("head_sha", sha), ("page", String(page)), ("limit", String(Self.pageSize))]
            )
            let response: ServiceResponse
            do {
                response = try await client.send("GET", url)
            } catch  where error.kind == .forbidden {
                return ([], nil)
            }
            if response.status == 404 { return ([], nil) }
            try client.expect(response, [200], what)
            let payload = try client.decode(Forgejo.ActionRuns.self, from: response, what)
            let batch = payload.workflowRuns ?? []
            let matching = batch.filter { $0.headSHA?.lowercased() == sha.lowercased() }
            runs += matching
            // A server that ignores `head_sha` lists the whole history: keep what matches and stop.
            if batch.isEmpty || matching.count < batch.count {
                total = nil
                break
            }
            total = payload.totalCount
            if let total, runs.count >= total { break }
            page += 1
        }
        return (runs.map(Self.checkRun), total)
    }

    /// Gitea's runs already speak GitHub (`status` + `conclusion`); Forgejo's have one
    /// `status`, whose terminal values become the conclusion. Unknown values stay unconcluded,
    /// which folds as pending.
    static func checkRun(_ run: Forgejo.ActionRuns.Run) -> CIVerdict.CheckRun {
        let name = runName(run)
        let status = (run.status ?? "").lowercased()
        let conclusion = run.conclusion.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        switch status {
        case "completed":
            return CIVerdict.CheckRun(name: name, status: "completed", conclusion: conclusion)
        case "success", "failure", "cancelled", "skipped":
            return CIVerdict.CheckRun(name: name, status: "completed", conclusion: status)
        case "running", "in_progress":
            return CIVerdict.CheckRun(name: name, status: "in_progress", conclusion: nil)
        case "queued", "waiting", "blocked":
            return CIVerdict.CheckRun(name: name, status: "queued", conclusion: nil)
        default:
            return CIVerdict.CheckRun(name: name, status: status.isEmpty ? "unknown" : status, conclusion: nil)
        }
    }

    /// `ci.yml #12`: the workflow file (Forgejo `workflow_id`, Gitea `path` minus `@ref`).
    static func runName(_ run: Forgejo.ActionRuns.Run) -> String {
        let file =
            run.workflowID.flatMap { $0.isEmpty ? nil : $0 }
            ?? run.path.flatMap { $0.split(separator: "@", maxSplits: 1).first.map(String.init) }
            ?? run.name ?? run.displayTitle
        switch (file, run.runNumber) {
        case (let file?, let number?): return "\(file) #\(number)"
        case (let file?, nil): return file
        case (nil, let number?): return "run #\(number)"
        case (nil, nil): return run.id.map { "run \($0)" } ?? "run"
        }
    }

    // MARK: - Operator checks

    public func tokenLogin() async throws(ServiceError) -> String? {
        let response: ServiceResponse
        do {
            response = try await client.send("GET", client.url("/user"))
        } catch  where error.kind == .forbidden {
            return nil  // a scoped token without read:user
        }
        try client.expect(response, [200], "reading the token's user")
        return try client.decode(Forgejo.User.self, from: response, "reading the token's user").login
    }

    public func access(to repo: RepoRef) async throws(ServiceError) -> RepoAccess {
        guard let payload = try await repository(repo) else { return .notFound }
        guard let permissions = payload.permissions else { return .unknown }
        return permissions.push == true || permissions.admin == true ? .write : .readOnly
    }

    public func labelExists(_ name: String, in repo: RepoRef) async throws(ServiceError) -> Bool {
        try await resolveLabel(name, in: repo) != nil
    }

    /// Gitea and Forgejo create no label when one is added: it must exist.
    public nonisolated var createsMissingLabels: Bool { false }

    /// `POST /repos/{o}/{r}/labels` (`CreateLabelOption`: `name`, `color` as `#rrggbb`,
    /// `description`) → 201. A label that exists already (in the index, re-read) is left alone;
    /// an unknown outcome is settled by re-reading the index.
    public func createLabel(_ label: LabelDefinition, in repo: RepoRef) async throws(ServiceError) {
        if try await resolveLabel(label.name, in: repo) != nil { return }
        let what = "creating label \(label.name) in \(repo)"
        let body = try? JSONSerialization.data(withJSONObject: [
            "name": label.name, "color": "#" + label.color, "description": label.description,
        ])
        try await UnknownOutcome.reconcile(
            create: { () async throws(ServiceError) -> Void in
                let response = try await client.send("POST", client.url("\(Self.repoPath(repo))/labels"), json: body)
                try client.expect(response, [201], what)
            },
            find: { () async throws(ServiceError) -> Void? in
                Self.find(label.name, in: try await repoLabels(repo, refresh: true)) != nil ? () : nil
            }
        )
        _ = try await repoLabels(repo, refresh: true)
    }
}
