import Foundation

/// The Woodpecker part of a scenario. Woodpecker CI (`/woodpecker/api/…`): repositories and pipelines
/// (https://woodpecker-ci.org/api).
///
/// JSON keys (snake_case, every key optional):
///
/// ```json
/// "woodpecker": {
///   "tokens": {"wp_pat": "afk-bot"},
///   "repos": [{
///     "owner": "acme", "name": "widgets", "id": 7, "default_branch": "main", "private": true,
///     "users": ["afk-bot"], "forge_repo": "acme/widgets",
///     "auto": {"status": "success", "after_reads": 2, "event": "push"},
///     "pipelines": [{"number": 1, "commit": "<40 hex>", "branch": "main", "event": "push",
///                    "status": "success", "created": 1767225600}] }] }
/// ```
///
/// - `tokens`: personal access token → user login (`Authorization: Bearer <token>`).
/// - `repos[].users`: logins that may read the repository; absent: every token's user. Others get 404,
///   as Woodpecker's `MustPull` answers a signed-in user without access.
/// - `repos[].private` (default true): without a valid token a private repository answers 401, a public
///   one is readable.
/// - `repos[].forge_repo`: the tracker repository whose pushes this Woodpecker repository follows
///   (default: its own `owner/name`).
/// - `repos[].auto`: every commit pushed to the tracker repository's **default branch** gets a pipeline
///   (`event`, default `push`) that is `running` for `after_reads` pipeline-list reads (default 0),
///   then takes `status` (default `success`). `"status": "running"` runs forever.
/// - `pipelines[]`: `number` (default: next), `commit`, `branch` (default: the default branch),
///   `event` (default `push`), `status` (default `success`), `created` (Unix seconds; default: derived),
///   and, for a pipeline that is still to change, `then_status` + `after_reads`.
public struct WoodpeckerScenario: Sendable, Codable, Equatable {
    /// Token value → the user login it signs in as.
    public var tokens: [String: String]
    /// The activated repositories.
    public var repos: [WoodpeckerSimRepo]

    /// Creates the Woodpecker part of a scenario.
    public init(tokens: [String: String] = [:], repos: [WoodpeckerSimRepo] = []) {
        self.tokens = tokens
        self.repos = repos
    }

    enum CodingKeys: String, CodingKey { case tokens, repos }

    /// Decodes with defaults for absent keys.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokens = try c.value(.tokens, or: [:])
        repos = try c.value(.repos, or: [])
    }
}

/// A repository activated in Woodpecker.
public struct WoodpeckerSimRepo: Sendable, Codable, Equatable {
    /// Owner (user or organisation) as Woodpecker names it.
    public var owner: String
    /// Repository name as Woodpecker names it.
    public var name: String
    /// Woodpecker's numeric id; assigned on load when absent.
    public var id: Int64?
    /// The default branch.
    public var defaultBranch: String
    /// Private repositories need a valid token (401 otherwise).
    public var isPrivate: Bool
    /// Logins with read access; nil: every token's user.
    public var users: [String]?
    /// The tracker repository (`owner/name`) whose pushes feed ``auto``; nil: the same `owner/name`.
    public var forgeRepo: String?
    /// Pipelines for pushed commits, if any.
    public var auto: WoodpeckerAuto?
    /// The pipelines, in any order (the API lists them by number, newest first).
    public var pipelines: [WoodpeckerSimPipeline]

    /// Creates a repository.
    public init(
        owner: String,
        name: String,
        id: Int64? = nil,
        defaultBranch: String = "main",
        isPrivate: Bool = true,
        users: [String]? = nil,
        forgeRepo: String? = nil,
        auto: WoodpeckerAuto? = nil,
        pipelines: [WoodpeckerSimPipeline] = []
    ) {
        self.owner = owner
        self.name = name
        self.id = id
        self.defaultBranch = defaultBranch
        self.isPrivate = isPrivate
        self.users = users
        self.forgeRepo = forgeRepo
        self.auto = auto
        self.pipelines = pipelines
    }

    enum CodingKeys: String, CodingKey {
        case owner, name, id, users, auto, pipelines
        case defaultBranch = "default_branch"
        case isPrivate = "private"
        case forgeRepo = "forge_repo"
    }

    /// Decodes with defaults for absent keys.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        owner = try c.decode(String.self, forKey: .owner)
        name = try c.decode(String.self, forKey: .name)
        id = try c.decodeIfPresent(Int64.self, forKey: .id)
        defaultBranch = try c.value(.defaultBranch, or: "main")
        isPrivate = try c.value(.isPrivate, or: true)
        users = try c.decodeIfPresent([String].self, forKey: .users)
        forgeRepo = try c.decodeIfPresent(String.self, forKey: .forgeRepo)
        auto = try c.decodeIfPresent(WoodpeckerAuto.self, forKey: .auto)
        pipelines = try c.value(.pipelines, or: [])
    }

    var fullName: String { "\(owner)/\(name)" }
}

/// What a pushed commit gets: a pipeline that runs, then ends in ``status``.
public struct WoodpeckerAuto: Sendable, Codable, Equatable {
    /// The status the pipeline ends in (`success`, `failure`, `error`, `killed`, `skipped`, …;
    /// `running` or `pending`: it never ends).
    public var status: String
    /// Pipeline-list reads during which it is still `running` (0: concluded at once).
    public var afterReads: Int
    /// The pipeline's event.
    public var event: String

    /// Creates the rule.
    public init(status: String = "success", afterReads: Int = 0, event: String = "push") {
        self.status = status
        self.afterReads = afterReads
        self.event = event
    }

    enum CodingKeys: String, CodingKey {
        case status, event
        case afterReads = "after_reads"
    }

    /// Decodes with defaults for absent keys.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        status = try c.value(.status, or: "success")
        afterReads = try c.value(.afterReads, or: 0)
        event = try c.value(.event, or: "push")
    }
}

/// One Woodpecker pipeline.
public struct WoodpeckerSimPipeline: Sendable, Codable, Equatable {
    /// Per-repository number (assigned on load when 0).
    public var number: Int64
    /// The commit SHA.
    public var commit: String
    /// The branch (empty: the repository's default branch).
    public var branch: String
    /// The webhook event: push, pull_request, tag, release, deployment, cron, manual.
    public var event: String
    /// A `StatusValue`: skipped, pending, running, success, failure, killed, canceled, error, blocked, declined, created.
    public var status: String
    /// Unix seconds (0: derived on load).
    public var created: Int64
    /// The status it takes once ``afterReads`` more pipeline-list reads have happened.
    public var thenStatus: String?
    /// Pipeline-list reads left before ``thenStatus`` applies.
    public var afterReads: Int

    /// Creates a pipeline.
    public init(
        number: Int64 = 0,
        commit: String,
        branch: String = "",
        event: String = "push",
        status: String = "success",
        created: Int64 = 0,
        thenStatus: String? = nil,
        afterReads: Int = 0
    ) {
        self.number = number
        self.commit = commit
        self.branch = branch
        self.event = event
        self.status = status
        self.created = created
        self.thenStatus = thenStatus
        self.afterReads = afterReads
    }

    enum CodingKeys: String, CodingKey {
        case number, commit, branch, event, status, created
        case thenStatus = "then_status"
        case afterReads = "after_reads"
    }

    /// Decodes with defaults for absent keys.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        number = try c.value(.number, or: 0)
        commit = try c.value(.commit, or: "")
        branch = try c.value(.branch, or: "")
        event = try c.value(.event, or: "push")
        status = try c.value(.status, or: "success")
        created = try c.value(.created, or: 0)
        thenStatus = try c.decodeIfPresent(String.self, forKey: .thenStatus)
        afterReads = try c.value(.afterReads, or: 0)
    }
}

/// What a Woodpecker route handler gets besides the request: the token's user (nil for a guest) and the clock.
struct WoodpeckerCaller: Sendable {
    let user: String?
    let now: Date
}

/// The simulated Woodpecker service (API base path `/api`; `woodpecker-swagger.json`).
///
/// Woodpecker's errors are not JSON: gin's `AbortWithStatus` sends an empty body (401/404 from the
/// repo middleware, `session/repo.go`), `MustUser` sends the text `User not authorized`; the simulator
/// answers the same way.
struct WoodpeckerWorld: Sendable {
    var scenario: WoodpeckerScenario

    /// `session/pagination.go`: `maxPageSize`, also the default.
    static let maxPageSize = 50

    init(_ scenario: WoodpeckerScenario) {
        self.scenario = scenario
        var nextID: Int64 = (scenario.repos.compactMap(\.id).max() ?? 0) + 1
        for r in self.scenario.repos.indices {
            if self.scenario.repos[r].id == nil {
                self.scenario.repos[r].id = nextID
                nextID += 1
            }
            var nextNumber = (self.scenario.repos[r].pipelines.map(\.number).max() ?? 0) + 1
            for p in self.scenario.repos[r].pipelines.indices {
                if self.scenario.repos[r].pipelines[p].number <= 0 {
                    self.scenario.repos[r].pipelines[p].number = nextNumber
                    nextNumber += 1
                }
                if self.scenario.repos[r].pipelines[p].branch.isEmpty {
                    self.scenario.repos[r].pipelines[p].branch = self.scenario.repos[r].defaultBranch
                }
                if self.scenario.repos[r].pipelines[p].created == 0 {
                    let number = self.scenario.repos[r].pipelines[p].number
                    self.scenario.repos[r].pipelines[p].created =
                        Int64(SimClock.origin.timeIntervalSince1970) + number * 60
                }
            }
        }
    }

    // MARK: Pushes

    /// A commit landed on the tracker repository `owner/repo`: each Woodpecker repository that follows
    /// it and has ``WoodpeckerSimRepo/auto`` gets a pipeline, when `branch` is the default branch.
    mutating func commitPushed(
        owner: String,
        repo: String,
        branch: String,
        defaultBranch: String,
        sha: String,
        now: Date
    ) {
        guard branch == defaultBranch else { return }
        let tracker = "\(owner)/\(repo)".lowercased()
        for r in scenario.repos.indices {
            guard let auto = scenario.repos[r].auto,
                (scenario.repos[r].forgeRepo ?? scenario.repos[r].fullName).lowercased() == tracker
            else { continue }
            let concluded = auto.afterReads <= 0
            _ = addPipeline(
                repo: r,
                WoodpeckerSimPipeline(
                    commit: sha,
                    branch: scenario.repos[r].defaultBranch,
                    event: auto.event,
                    status: concluded ? auto.status : "running",
                    created: Int64(now.timeIntervalSince1970),
                    thenStatus: concluded ? nil : auto.status,
                    afterReads: max(0, auto.afterReads)
                )
            )
        }
    }

    /// Appends a pipeline with the next number; returns that number.
    mutating func addPipeline(repo r: Int, _ pipeline: WoodpeckerSimPipeline) -> Int64 {
        var pipeline = pipeline
        pipeline.number = (scenario.repos[r].pipelines.map(\.number).max() ?? 0) + 1
        if pipeline.branch.isEmpty { pipeline.branch = scenario.repos[r].defaultBranch }
        if pipeline.created == 0 { pipeline.created = Int64(Date().timeIntervalSince1970) }
        scenario.repos[r].pipelines.append(pipeline)
        return pipeline.number
    }

    func repoIndex(_ owner: String, _ name: String) -> Int? {
        scenario.repos.firstIndex {
            $0.owner.lowercased() == owner.lowercased() && $0.name.lowercased() == name.lowercased()
        }
    }

    // MARK: Routing

    typealias Handler = WorldHandler<WoodpeckerWorld, WoodpeckerCaller>

    /// The operations served below the API base path `/api`, as the swagger spells them (a test checks each against
    /// it). Matched in this order: `repos/lookup/…` before `repos/{repo_id}`.
    static let router = Router<Handler>([
        .get("/version") { _, _ in
            .json(
                200,
                .obj(["source": .string("https://github.com/woodpecker-ci/woodpecker"), "version": .string("3.12.0")])
            )
        },
        .get("/user") { _, call in
            guard let user = call.user else { return Self.text(401, "User not authorized") }
            return .json(200, Self.userPayload(user))
        },
        // `/repos/lookup/*repo_full_name`: the rest of the path is the full name (`TrimLeft(…, "/")`).
        .get("/repos/lookup/{repo_full_name...}") { world, call in
            let parts = call["repo_full_name"].split(separator: "/", maxSplits: 1).map(String.init)
            let index = parts.count == 2 ? world.repoIndex(parts[0], parts[1]) : nil
            return world.withRepo(index, user: call.user) { world, r in .json(200, world.repoPayload(r)) }
        },
        repoRoute("") { world, _, r in .json(200, world.repoPayload(r)) },
        repoRoute("/pipelines") { world, call, r in world.listPipelines(repo: r, request: call.request) },
        repoRoute("/pipelines/{pipeline_number}") { world, call, r in
            let pipelines = world.scenario.repos[r].pipelines
            let found: WoodpeckerSimPipeline?
            if call["pipeline_number"] == "latest" {
                // `latest`: the newest pipeline of `?branch=` (default: the repository's branch).
                let branch = call.request.query["branch"] ?? world.scenario.repos[r].defaultBranch
                found = pipelines.filter { $0.branch == branch }.max { $0.number < $1.number }
            } else if let number = Int64(call["pipeline_number"]) {
                found = pipelines.first { $0.number == number }
            } else {
                return SimResponse(status: 400)
            }
            guard let found else { return SimResponse(status: 404) }
            return .json(200, world.pipelinePayload(found, repo: r))
        },
    ])

    /// A route under `/repos/{repo_id}`: an id that is not a number is a 400; then ``withRepo(_:user:_:)``.
    private static func repoRoute(
        _ tail: String,
        _ body: @escaping @Sendable (inout WoodpeckerWorld, RouteCall<WoodpeckerCaller>, Int) -> SimResponse
    ) -> Route<Handler> {
        .get("/repos/{repo_id}" + tail) { world, call in
            guard let id = Int64(call["repo_id"]) else { return SimResponse(status: 400) }
            let index = world.scenario.repos.firstIndex { $0.id == id }
            return world.withRepo(index, user: call.user) { world, r in body(&world, call, r) }
        }
    }

    /// Only reads are served (405 otherwise, before anything else); `HEAD` is answered as `GET`. A path the API
    /// does not have is a 404, except below `/repos/{repo_id}`, whose id is parsed first (400 when not a number).
    mutating func handle(_ request: SimRequest, now: Date) -> SimResponse {
        guard request.method == "GET" || request.method == "HEAD" else { return SimResponse(status: 405) }
        guard request.segments.first == "api" else { return SimResponse(status: 404) }
        let path = Array(request.segments.dropFirst())
        let user = request.authorization.flatMap { $0.scheme == "bearer" ? scenario.tokens[$0.credential] : nil }
        guard case .found(let handler, let parameters) = Self.router.match("GET", path) else {
            return SimResponse(status: path.count >= 2 && path[0] == "repos" && Int64(path[1]) == nil ? 400 : 404)
        }
        return handler(
            &self,
            RouteCall(request: request, parameters: parameters, context: WoodpeckerCaller(user: user, now: now))
        )
    }

    /// `session.SetRepo` + `SetPerm` + `MustPull`: unknown repository → 401 for guests, 404 for users;
    /// a private repository → 401 for guests; a user without access → 404.
    private mutating func withRepo(_ index: Int?, user: String?, _ body: (inout WoodpeckerWorld, Int) -> SimResponse)
        -> SimResponse
    {
        guard let r = index else { return SimResponse(status: user == nil ? 401 : 404) }
        let repo = scenario.repos[r]
        if let user {
            if let users = repo.users, !users.contains(where: { $0.lowercased() == user.lowercased() }), repo.isPrivate
            {
                return SimResponse(status: 404)
            }
        } else if repo.isPrivate {
            return SimResponse(status: 401)
        }
        return body(&self, r)
    }

    /// `GET /repos/{repo_id}/pipelines`: number DESC, `page`/`perPage` (clamped to 50), `branch`, `event`
    /// (comma list), `status`; a list read advances pipelines that are still to change.
    private mutating func listPipelines(repo r: Int, request: SimRequest) -> SimResponse {
        let query = request.query
        if let status = query["status"], !status.isEmpty, !Self.statusValues.contains(status) {
            // an invalid `status` is a 400 (`server/api/pipeline.go`)
            return Self.text(400, "Error parsing status: invalid status value")
        }
        let page = max(1, Int(query["page"] ?? "") ?? 1)
        var perPage = Int(query["perPage"] ?? "") ?? Self.maxPageSize
        if perPage < 1 || perPage > Self.maxPageSize { perPage = Self.maxPageSize }
        var pipelines = scenario.repos[r].pipelines.sorted { $0.number > $1.number }
        if let branch = query["branch"], !branch.isEmpty { pipelines = pipelines.filter { $0.branch == branch } }
        if let events = query["event"], !events.isEmpty {
            let wanted = Set(events.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            pipelines = pipelines.filter { wanted.contains($0.event) }
        }
        if let status = query["status"], !status.isEmpty { pipelines = pipelines.filter { $0.status == status } }
        let start = (page - 1) * perPage
        let slice = start < pipelines.count ? Array(pipelines[start..<min(pipelines.count, start + perPage)]) : []
        let response = SimResponse.json(200, .array(slice.map { pipelinePayload($0, repo: r) }))
        // This read counted: pipelines still to change move on (after `after_reads` reads they have).
        for p in scenario.repos[r].pipelines.indices where scenario.repos[r].pipelines[p].thenStatus != nil {
            scenario.repos[r].pipelines[p].afterReads -= 1
            if scenario.repos[r].pipelines[p].afterReads <= 0, let then = scenario.repos[r].pipelines[p].thenStatus {
                scenario.repos[r].pipelines[p].status = then
                scenario.repos[r].pipelines[p].thenStatus = nil
                scenario.repos[r].pipelines[p].afterReads = 0
            }
        }
        return response
    }

    static let statusValues: Set<String> = [
        "skipped", "pending", "running", "success", "failure", "killed", "canceled", "error", "blocked", "declined",
        "created",
    ]

    static func text(_ status: Int, _ text: String) -> SimResponse {
        SimResponse(status: status, headers: [("content-type", "text/plain; charset=utf-8")], body: Data(text.utf8))
    }

    // MARK: Payloads (swagger definitions `Repo`, `Pipeline`, `User`)

    static func userPayload(_ login: String) -> JSONValue {
        .obj([
            "id": .num(Int64(login.unicodeScalars.reduce(0) { $0 + Int($1.value) })), "forge_id": .num(1),
            "forge_remote_id": .string("1"),
            "login": .string(login), "email": .string("\(login)@example.com"), "avatar_url": .string(""),
            "admin": .bool(false), "org_id": .num(1),
        ])
    }

    func repoPayload(_ r: Int) -> JSONValue {
        let repo = scenario.repos[r]
        let forge = "https://github.com/\(repo.forgeRepo ?? repo.fullName)"
        return .obj([
            "id": .num(repo.id), "forge_id": .num(1), "forge_remote_id": .string(String(100_000 + (repo.id ?? 0))),
            "org_id": .num(1), "owner": .string(repo.owner), "name": .string(repo.name),
            "full_name": .string(repo.fullName),
            "avatar_url": .string(""), "forge_url": .string(forge), "clone_url": .string(forge + ".git"),
            "clone_url_ssh": .string("git@github.com:\(repo.forgeRepo ?? repo.fullName).git"),
            "default_branch": .string(repo.defaultBranch), "pr_enabled": .bool(true), "timeout": .num(60),
            "visibility": .string(repo.isPrivate ? "private" : "public"), "private": .bool(repo.isPrivate),
            "trusted": .obj(["network": .bool(false), "volumes": .bool(false), "security": .bool(false)]),
            "require_approval": .string("forks"), "approval_allowed_users": .null, "active": .bool(true),
            "allow_pr": .bool(true), "allow_deploy": .bool(true), "config_file": .string(""),
            "cancel_previous_pipeline_events": .array([.string("push"), .string("pull_request")]),
            "netrc_trusted": .array([]),
        ])
    }

    func pipelinePayload(_ p: WoodpeckerSimPipeline, repo r: Int) -> JSONValue {
        let concluded = !["pending", "running", "blocked", "created"].contains(p.status)
        let started = p.status == "pending" || p.status == "blocked" || p.status == "created" ? 0 : p.created + 2
        let forge = "https://github.com/\(scenario.repos[r].forgeRepo ?? scenario.repos[r].fullName)"
        return .obj([
            "id": .num((scenario.repos[r].id ?? 0) * 100_000 + p.number), "number": .num(p.number),
            "author": .string("afk-bot"),
            "parent": .num(0), "event": .string(p.event), "event_reason": .null, "status": .string(p.status),
            "errors": .null,
            "created": .num(p.created), "updated": .num(concluded ? p.created + 60 : p.created + 2),
            "started": .num(started),
            "finished": .num(concluded ? p.created + 60 : 0),
            "deploy_to": .string(p.event == "deployment" ? "production" : ""),
            "deploy_task": .string(""), "commit": .string(p.commit), "branch": .string(p.branch),
            "ref": .string("refs/heads/\(p.branch)"), "refspec": .string(""), "title": .string(""),
            "message": .string(""),
            "timestamp": .num(p.created), "sender": .string("afk-bot"), "author_avatar": .string(""),
            "author_email": .string("afk-bot@example.com"), "forge_url": .string("\(forge)/commit/\(p.commit)"),
            "reviewed_by": .string(""), "reviewed": .num(0), "changed_files": .null, "variables": .obj([:]),
            "pr_labels": .null, "from_fork": .bool(false),
        ])
    }
}
