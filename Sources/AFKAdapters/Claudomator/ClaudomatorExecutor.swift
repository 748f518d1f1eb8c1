import AFKCore
import Foundation
import Logging

/// ``Executor`` over Claudomator's task API (as Claudomator's own CLAUDE.md describes it; there is no
/// public API reference): create a task, run it, read
/// its state (PENDING → QUEUED → RUNNING → COMPLETED | FAILED | TIMED_OUT | CANCELLED |
/// BUDGET_EXCEEDED; READY and BLOCKED await a human). `executor.kind: claudomator`.
///
/// ## Usage
/// ```swift
/// let executor = ClaudomatorExecutor(
///     baseURL: URL(string: "http://claudomator:8484")!, token: nil,
///     settings: .init(model: "claude-sonnet-4-6", workspaceRoot: "/workspace", budgetUSD: 5),
///     transport: transport, retry: retry, logger: logger)
/// ```
///
/// ## Idempotency
/// Each task is named after the run's deterministic id (``RunIdentity/threadID``, and
/// `<threadID>-turnN` for corrective turns), and a dispatch first looks for a task of that name:
/// a repeated dispatch finds the first task (and runs it if it never ran) instead of creating a
/// second. But the listing it relies on (`GET /api/tasks`) is inferred from the CLI, not
/// documented, and a server without it answers 404/405 — then every dispatch creates. So
/// ``submissionIsIdempotent`` stays false (the poller writes the run record before submitting),
/// and creating and running are sent with `idempotent: false`.
///
/// ## Observation
/// A task that 404s is ``AgentState/missing`` (the watcher re-dispatches once); a server that
/// cannot be asked (connection failure, 5xx, an answer not understood) is
/// ``AgentState/unknown(_:)``, never a failed run; 401 throws ``ServiceError/Kind/badCredentials``.
public actor ClaudomatorExecutor: Executor {
    public nonisolated let kind = "claudomator"
    public nonisolated let serviceName = "Claudomator"
    /// False: the name lookup that makes a repeated dispatch find its task rests on an inferred
    /// listing endpoint, not a documented guarantee.
    public nonisolated let submissionIsIdempotent = false

    /// What every task is created with.
    public struct Settings: Sendable, Hashable {
        /// `claude.model` (`executor.model`).
        public var model: String
        /// Each task's `claude.working_dir` is `workspaceRoot/owner/name` (`executor.workspace_root`
        /// plus the repository). It is a path as Claudomator's runner sees it, so it must be
        /// absolute there: Claudomator does not expand `~`.
        public var workspaceRoot: String
        /// `claude.max_budget_usd` per task, corrective tasks included.
        public var budgetUSD: Double
        /// `timeout`, sent as a Go duration in seconds (`"2700s"`).
        public var timeoutSeconds: Int
        /// `claude.permission_mode` (`executor.permission_mode`); left out when nil, so
        /// Claudomator's default applies. An agent that may not write files or run git cannot push.
        public var permissionMode: String?

        /// - Parameters:
        ///   - model: `executor.model`.
        ///   - workspaceRoot: `executor.workspace_root`.
        ///   - budgetUSD: the run's budget in USD (`budget_usd`).
        ///   - timeoutSeconds: `executor.timeout_seconds`, default 2700.
        ///   - permissionMode: `executor.permission_mode`, default none.
        public init(
            model: String,
            workspaceRoot: String,
            budgetUSD: Double,
            timeoutSeconds: Int = 2700,
            permissionMode: String? = nil
        ) {
            self.model = model
            self.workspaceRoot = workspaceRoot
            self.budgetUSD = budgetUSD
            self.timeoutSeconds = timeoutSeconds
            self.permissionMode = permissionMode
        }
    }

    let client: ServiceClient
    let settings: Settings
    let logger: Logger

    /// - Parameters:
    ///   - baseURL: Claudomator's address (`executor.url`, its default port is 8484); afk calls
    ///     `{baseURL}/api/tasks…`.
    ///   - token: sent as `Authorization: Bearer` when set and not empty (`executor.token`;
    ///     Claudomator may run without authentication). Never logged or named in errors.
    ///   - settings: what each task is created with.
    ///   - transport: the HTTP seam.
    ///   - retry: retries of 5xx, 429 and transport failures.
    ///   - logger: warnings; never carries the token or instructions.
    ///   - sleep: how to wait between retries (tests pass a no-op).
    public init(
        baseURL: URL,
        token: String?,
        settings: Settings,
        transport: any HTTPTransport,
        retry: RetryPolicy,
        logger: Logger,
        sleep: @escaping @Sendable (Double) async -> Void = ServiceClient.realSleep
    ) {
        var headers = ["Accept": "application/json", "User-Agent": "afk"]
        if let token, !token.isEmpty { headers["Authorization"] = "Bearer \(token)" }
        self.client = ServiceClient(
            service: "Claudomator",
            baseURL: baseURL,
            transport: transport,
            defaultHeaders: headers,
            retry: retry,
            logger: logger,
            sleep: sleep
        )
        self.settings = settings
        self.logger = logger
    }

    /// Every task, or nil when the server has no listing (404/405: the endpoint is inferred).
    func tasks() async throws(ServiceError) -> [Claudomator.Task]? {
        let response = try await client.send("GET", client.url("/api/tasks"))
        switch response.status {
        case 200: return try client.decode(Claudomator.TaskList.self, from: response, "listing tasks").tasks
        case 404, 405: return nil
        default: throw unexpected(response, "listing tasks")
        }
    }

    /// `GET /api/tasks/{id}`; nil on 404.
    func task(_ id: String) async throws(ServiceError) -> Claudomator.Task? {
        let what = "reading task \(id)"
        let response = try await client.send("GET", client.url("/api/tasks/\(ServiceClient.segment(id))"))
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw unexpected(response, what) }
        return try client.decode(Claudomator.Task.self, from: response, what)
    }

    func unexpected(_ response: ServiceResponse, _ what: String) -> ServiceError {
        ServiceError(
            service: client.service,
            kind: .unexpectedStatus(response.status),
            message: "\(what) failed with HTTP \(response.status): \(Claudomator.detail(of: response.body))"
        )
    }

    /// Tasks named after runs of `repo` (`afk-owner~name-iN-rK[-gG]`, parsed with
    /// ``RunIdentity/parse(threadID:)``; corrective `…-turnN` tasks are not runs and are
    /// skipped). Empty when the server cannot list. `turnStarted` is true once the task is past
    /// PENDING, i.e. it was run.
    public func existingRuns(in repo: RepoRef) async throws(ServiceError) -> [RunIdentity: ExecutorRun] {
        var runs: [RunIdentity: ExecutorRun] = [:]
        for task in try await tasks() ?? [] {
            guard let name = task.name, let parsed = RunIdentity.parse(threadID: name),
                parsed.issue.repo.slug == repo.slug
            else { continue }
            // The caller's spelling of the repository (ids are lower-cased), as T3Executor does.
            let identity = RunIdentity(
                issue: IssueRef(repo: repo, number: parsed.issue.number),
                run: parsed.run,
                generation: parsed.generation
            )
            guard runs[identity] == nil else { continue }  // a duplicate name: the first task listed is the run's
            let state = task.state ?? ""
            runs[identity] = ExecutorRun(
                identity: identity,
                threadID: task.id,
                createdAt: task.createdAt,
                turnStarted: !state.isEmpty && state != "PENDING"
            )
        }
        return runs
    }

    /// Finds or creates the task named ``RunIdentity/threadID`` and runs it unless it already ran.
    public func dispatch(_ request: DispatchRequest) async throws(ServiceError) -> ExecutorRun {
        let id = try await start(
            name: request.identity.threadID,
            instructions: request.prompt,
            repo: request.identity.issue.repo,
            tags: ["afk", request.identity.issue.repo.description]
        )
        return ExecutorRun(identity: request.identity, threadID: id, createdAt: request.createdAt, turnStarted: true)
    }

    /// Finds the task called `name` or creates it, and runs it unless it already ran.
    func start(name: String, instructions: String, repo: RepoRef, tags: [String]) async throws(ServiceError) -> String {
        let id: String
        if let existing = try await tasks()?.first(where: { $0.name == name }) {
            id = existing.id
            guard (existing.state ?? "PENDING") == "PENDING" else { return id }  // it ran: never twice
        } else {
            id = try await UnknownOutcome.reconcile(
                create: { () async throws(ServiceError) -> String in
                    try await create(name: name, instructions: instructions, repo: repo, tags: tags)
                },
                find: { () async throws(ServiceError) -> String? in try await tasks()?.first { $0.name == name }?.id }
            )
        }
        let what = "running task \(name) (\(id))"
        // Read before asking again: a task past PENDING was started.
        let run = try await UnknownOutcome.reconcile(
            create: { () async throws(ServiceError) -> ServiceResponse in
                try await client.send(
                    "POST",
                    client.url("/api/tasks/\(ServiceClient.segment(id))/run"),
                    idempotent: false
                )
            },
            find: { () async throws(ServiceError) -> ServiceResponse? in
                guard let state = try await task(id)?.state, state != "PENDING" else { return nil }
                return ServiceResponse(status: 200)
            }
        )
        switch run.status {
        case 200..<300:
            return id
        case 409:
            // Already queued or running (a repeated run): the task is started, which is all afk asked.
            logger.info("Claudomator: task \(id) was already started (HTTP 409: \(Claudomator.detail(of: run.body)))")
            return id
        default:
            throw unexpected(run, what)
        }
    }

    func create(name: String, instructions: String, repo: RepoRef, tags: [String]) async throws(ServiceError) -> String
    {
        let what = "creating task \(name)"
        let task = Claudomator.NewTask(
            name: name,
            claude: .init(
                model: settings.model,
                instructions: instructions,
                workingDir: workingDirectory(for: repo),
                maxBudgetUSD: settings.budgetUSD,
                permissionMode: settings.permissionMode
            ),
            timeout: "\(settings.timeoutSeconds)s",
            priority: "normal",
            tags: tags
        )
        let json: Data
        do {
            json = try JSONEncoder().encode(task)
        } catch {
            throw ServiceError(
                service: client.service,
                kind: .misconfigured,
                message: "\(what): the task could not be encoded (\(error))"
            )
        }
        let response = try await client.send("POST", client.url("/api/tasks"), json: json, idempotent: false)
        guard (200..<300).contains(response.status) else { throw unexpected(response, what) }
        do {
            return try client.decode(Claudomator.Task.self, from: response, what).id
        } catch {
            // Created (2xx) but without an id afk can follow: the task may exist.
            throw ServiceError(service: error.service, kind: error.kind, message: error.message, outcomeUnknown: true)
        }
    }

    /// `workspaceRoot/owner/name`, trailing slashes of the root ignored.
    func workingDirectory(for repo: RepoRef) -> String {
        var root = settings.workspaceRoot
        while root.hasSuffix("/") { root.removeLast() }
        return "\(root)/\(repo.owner)/\(repo.name)"
    }

    /// Nil: Claudomator's web UI addresses are not documented.
    public nonisolated func link(to run: RunIdentity) -> String? { nil }

    /// `GET /api/tasks/{id}` (inferred from `ct task status`) for each id, one at a time.
    public func observe(threadIDs: [String]) async throws(ServiceError) -> [String: AgentReport] {
        var states: [String: AgentState] = [:]
        for id in threadIDs {
            let what = "reading task \(id)"
            do throws(ServiceError) {
                let response = try await client.send("GET", client.url("/api/tasks/\(ServiceClient.segment(id))"))
                switch response.status {
                case 200: states[id] = Self.state(of: try client.decode(Claudomator.Task.self, from: response, what))
                case 404: states[id] = .missing  // deleted, or the database was replaced
                default: throw unexpected(response, what)
                }
            } catch  where error.kind != .badCredentials {
                states[id] = .unknown("could not ask Claudomator about task \(id): \(error.message)")
            }
        }
        return states.mapValues { AgentReport($0) }  // one task per turn: no turns to report
    }

    /// A task's state, with what it says about a failure.
    static func state(of task: Claudomator.Task) -> AgentState {
        let state = task.state ?? ""
        if state == "FAILED", let error = JobRunnerExecutor.lastLine(task.error) {
            return .errored("FAILED: the task failed: \(error)")
        }
        guard !state.isEmpty else { return .unknown("Claudomator answered for task \(task.id) without a state") }
        return Self.state(state)
    }

    /// Claudomator's states as agent states.
    /// - PENDING (created, not yet run), QUEUED, RUNNING: working. A task left PENDING (its run
    ///   request lost) is caught by the watcher's stall limit.
    /// - COMPLETED: finished; whether it pushed is read from the forge.
    /// - FAILED, TIMED_OUT, BUDGET_EXCEEDED: errors whose reason starts with the state, so the
    ///   escalation names it.
    /// - CANCELLED: interrupted (only a human cancels).
    /// - READY (awaiting review) and BLOCKED (awaiting input): a human must act in Claudomator;
    ///   afk will not answer, so they need input (the watcher escalates unless a green commit
    ///   closes the issue first).
    /// - Anything else: not understood; afk waits.
    static func state(_ state: String) -> AgentState {
        switch state.uppercased() {
        case "PENDING", "QUEUED", "RUNNING": .running
        case "COMPLETED": .finished
        case "FAILED": .errored("FAILED: the task failed")
        case "TIMED_OUT": .errored("TIMED_OUT: the task ran out of time")
        case "BUDGET_EXCEEDED": .errored("BUDGET_EXCEEDED: the task spent its max_budget_usd")
        case "CANCELLED": .interrupted
        case "READY": .needsInput("the task awaits review in Claudomator (READY)")
        case "BLOCKED": .needsInput("the task is blocked, awaiting input in Claudomator (BLOCKED)")
        default: .unknown("Claudomator reported state \"\(state)\", which afk does not know")
        }
    }

    /// A corrective turn is a new task named `<threadID>-turnN` whose instructions are `text`
    /// plus a line naming the run and the previous task; it is run, and its id returned. Found
    /// by name and not created again when listing works.
    public func startTurn(threadID: String, identity: RunIdentity, turn: Int, text: String, createdAt: String)
        async throws(ServiceError) -> String
    {
        let instructions =
            text
            + "\n\nThis continues afk run \(identity.threadID) (corrective turn \(turn)); the previous task was \(threadID)."
        return try await start(
            name: "\(identity.threadID)-turn\(turn)",
            instructions: instructions,
            repo: identity.issue.repo,
            tags: ["afk", identity.issue.repo.description, "fix-forward"]
        )
    }

    /// Reads without creating anything: `GET /api/tasks` proves reachability and, when a token
    /// is configured and required, the token (401 throws ``ServiceError/Kind/badCredentials``).
    /// Where the server has no listing (404/405), `GET /api/tasks/afk-token-check` stands in:
    /// 404 (no such task) or 200 means the request was accepted.
    ///
    /// Claudomator reports no version; ``ExecutorProbe/version`` is nil.
    public func probe() async throws(ServiceError) -> ExecutorProbe {
        if try await tasks() == nil {
            let response = try await client.send("GET", client.url("/api/tasks/afk-token-check"))
            guard response.status == 404 || response.status == 200 else { throw unexpected(response, "reading a task") }
        }
        return ExecutorProbe(version: nil, missing: [])
    }
}
