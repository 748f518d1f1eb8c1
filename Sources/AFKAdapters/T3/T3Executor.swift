import AFKCore
import Foundation
import Logging

/// ``Executor`` over the T3 Code orchestration HTTP API (`apps/server/src/orchestration/http.ts` and
/// `packages/contracts/src/orchestration.ts` in https://github.com/pingdotgg/t3code).
///
/// Dispatch sends `project.create` (only when the repo's project is absent), `thread.create` and
/// `thread.turn.start` to `POST /api/orchestration/dispatch`, each with a commandId derived from
/// the ``RunIdentity``. T3 replays an accepted commandId with its original result and no new
/// events (`Layers/OrchestrationEngine.ts`), so re-sending the whole sequence after an interrupted tick completes what is
/// missing and repeats nothing. A 500 can also mean "already exists" (a receipt lost, a project
/// made by hand); the snapshot is consulted before treating it as a failure.
public actor T3Executor: Executor {
    public nonisolated let kind = "t3"
    public nonisolated let submissionIsIdempotent = true
    public nonisolated let serviceName = "T3"

    public struct Settings: Sendable, Hashable {
        public var workspaceRoot: String
        public var providerInstance: String
        public var model: String
        public var runtimeMode: String

        public init(workspaceRoot: String, providerInstance: String, model: String, runtimeMode: String) {
            self.workspaceRoot = workspaceRoot
            self.providerInstance = providerInstance
            self.model = model
            self.runtimeMode = runtimeMode
        }
    }

    let client: ServiceClient
    let settings: Settings
    let logger: Logger
    /// One snapshot per tick is enough; dispatches invalidate it.
    var cachedSnapshot: T3.Snapshot?
    var snapshotInFlight: Task<Result<T3.Snapshot, ServiceError>, Never>?

    public init(
        baseURL: URL,
        token: String,
        settings: Settings,
        transport: any HTTPTransport,
        retry: RetryPolicy,
        logger: Logger,
        sleep: @escaping @Sendable (Double) async -> Void = ServiceClient.realSleep
    ) {
        self.client = ServiceClient(
            service: "T3",
            baseURL: baseURL,
            transport: transport,
            defaultHeaders: ["Authorization": "Bearer \(token)", "Accept": "application/json", "User-Agent": "afk"],
            retry: retry,
            logger: logger,
            isFinal: Self.isDomainRejection,
            sleep: sleep
        )
        self.settings = settings
        self.logger = logger
    }

    /// The orchestration snapshot, read once and shared: repositories worked on concurrently ask
    /// at the same moment, and all of them wait for the one read in flight rather than each
    /// sending its own.
    func snapshot(refresh: Bool = false) async throws(ServiceError) -> T3.Snapshot {
        if !refresh, let cachedSnapshot { return cachedSnapshot }
        if !refresh, let snapshotInFlight { return try await snapshotInFlight.value.get() }
        let client = self.client
        let read = Task { () async -> Result<T3.Snapshot, ServiceError> in
            do throws(ServiceError) {
                let response = try await client.send("GET", client.url("/api/orchestration/snapshot"))
                try client.expect(response, [200], "reading the orchestration snapshot")
                return .success(
                    try client.decode(T3.Snapshot.self, from: response, "reading the orchestration snapshot")
                )
            } catch {
                return .failure(error)
            }
        }
        snapshotInFlight = read
        let result = await read.value
        snapshotInFlight = nil
        let snapshot = try result.get()
        cachedSnapshot = snapshot
        return snapshot
    }

    public func existingRuns(in repo: RepoRef) async throws(ServiceError) -> [RunIdentity: ExecutorRun] {
        let projectID = RunIdentity.projectID(for: repo)
        var runs: [RunIdentity: ExecutorRun] = [:]
        for case .thread(let thread) in try await snapshot().threads
        where thread.projectId == projectID && thread.deletedAt == nil {
            guard let parsed = RunIdentity.parse(threadID: thread.id), parsed.issue.repo.slug == repo.slug else {
                continue
            }
            let identity = RunIdentity(issue: IssueRef(repo: repo, number: parsed.issue.number), run: parsed.run)
            runs[identity] = ExecutorRun(
                identity: identity,
                threadID: thread.id,
                createdAt: thread.createdAt,
                turnStarted: thread.latestTurn != nil || thread.session?.activeTurnId != nil
            )
        }
        return runs
    }

    var modelSelection: T3.ModelSelection {
        T3.ModelSelection(instanceId: settings.providerInstance, model: settings.model)
    }

    public func dispatch(_ request: DispatchRequest) async throws(ServiceError) -> ExecutorRun {
        let identity = request.identity
        let repo = identity.issue.repo
        let projectID = identity.projectID
        try await preflight()
        let current = try await snapshot()
        if !current.projects.contains(where: { $0.id == projectID && $0.deletedAt == nil }) {
            let command = T3.ProjectCreate(
                commandId: RunIdentity.projectCreateCommandID(for: repo),
                projectId: projectID,
                title: repo.description,
                workspaceRoot: Self.workspaceRoot(settings.workspaceRoot, repo),
                createWorkspaceRootIfMissing: true,
                defaultModelSelection: modelSelection,
                createdAt: request.createdAt
            )
            try await send(command, "creating the T3 project for \(repo)") { snapshot in
                snapshot.projects.contains { $0.id == projectID && $0.deletedAt == nil }
            }
        }
        let create = T3.ThreadCreate(
            commandId: identity.threadCreateCommandID,
            threadId: identity.threadID,
            projectId: projectID,
            title: request.title,
            modelSelection: modelSelection,
            runtimeMode: settings.runtimeMode,
            interactionMode: "default",
            branch: request.branch,
            createdAt: request.createdAt
        )
        try await send(create, "creating thread \(identity.threadID)") { snapshot in
            snapshot.threads.contains { entry in
                guard case .thread(let thread) = entry else { return entry.id == identity.threadID }
                return thread.id == identity.threadID && thread.deletedAt == nil
            }
        }
        let turn = T3.TurnStart(
            commandId: identity.turnStartCommandID(turn: 1),
            threadId: identity.threadID,
            message: .init(messageId: identity.messageID(turn: 1), text: request.prompt),
            runtimeMode: settings.runtimeMode,
            interactionMode: "default",
            createdAt: request.createdAt
        )
        try await send(turn, "starting the first turn on \(identity.threadID)", alreadyDone: nil)
        // The cached snapshot stays: it lacks only this repository's new thread, and a tick
        // dispatches at most once per repository; the other repositories' reads stay valid.
        return ExecutorRun(
            identity: identity,
            threadID: identity.threadID,
            createdAt: request.createdAt,
            turnStarted: true
        )
    }

    /// POSTs one command. On a 500 domain rejection, `alreadyDone` is checked against a fresh
    /// snapshot: when the target already exists the command's purpose is met.
    func send<C: Encodable>(_ command: C, _ what: String, alreadyDone: ((T3.Snapshot) -> Bool)?)
        async throws(ServiceError)
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body: Data
        do { body = try encoder.encode(command) } catch {
            throw ServiceError(
                service: "T3",
                kind: .malformedResponse,
                message: "\(what) failed: the command could not be encoded as JSON"
            )
        }
        let response = try await client.send(
            "POST",
            client.url("/api/orchestration/dispatch"),
            json: body,
            idempotent: true
        )  // T3 replays an accepted commandId without acting again
        switch response.status {
        case 200:
            _ = try client.decode(T3.DispatchResult.self, from: response, what)
        case 500:
            if let alreadyDone, alreadyDone(try await snapshot(refresh: true)) {
                logger.info("T3 rejected \(what) but the target already exists; carrying on")
                return
            }
            try client.expect(response, [200], what)
        case 400 where response.body.isEmpty:
            // Effect's schema decoding answers a bare 400 (effect-smol `HttpServerRespondable.ts`): our command shape is wrong.
            throw ServiceError(
                service: "T3",
                kind: .unexpectedStatus(400),
                message: "\(what): T3 rejected the command's shape (HTTP 400, empty body)"
            )
        default:
            try client.expect(response, [200], what)
        }
    }

    /// `EnvironmentInternalError` with reason `orchestration_dispatch_failed` is a domain
    /// rejection (T3's `orchestration/http.ts` and `Layers/OrchestrationEngine.ts`): replaying the
    /// same commandId only fails again, so it is not retried.
    /// Other 500s (a snapshot failure, a proxy) stay transient.
    static let isDomainRejection: @Sendable (ServiceResponse) -> Bool = { response in
        guard response.status == 500,
            let body = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        else { return false }
        return body["reason"] as? String == "orchestration_dispatch_failed"
    }

    static func workspaceRoot(_ root: String, _ repo: RepoRef) -> String {
        var base = root
        while base.count > 1, base.hasSuffix("/") { base.removeLast() }
        return "\(base)/\(repo.owner)/\(repo.name)"
    }

    public nonisolated func link(to run: RunIdentity) -> String? { nil }

    // MARK: - Watching

    /// The server version from `/.well-known/t3/environment`, probed once per tick; nil when the
    /// server did not say.
    var serverVersion: [Int]??

    func knownVersion() async -> [Int]? {
        if let serverVersion { return serverVersion }
        var parsed: [Int]?
        if let response = try? await client.send("GET", client.url("/.well-known/t3/environment")),
            response.status == 200,
            let environment = try? client.decode(T3.Environment.self, from: response, "probing T3"),
            let text = environment.serverVersion
        {
            parsed = T3Compatibility.version(text)
        }
        serverVersion = .some(parsed)
        return parsed
    }

    /// The server version, or 0.0.27 (the oldest afk speaks) when it did not say.
    func version() async -> [Int] {
        await knownVersion() ?? [0, 0, 27]
    }

    /// From v0.0.32 `/snapshot` is the lightweight read model with empty `activities`; the full
    /// thread comes from `GET /api/orchestration/threads/:id` (v0.0.29+).
    ///
    /// One thread afk cannot read (a payload it does not understand, a failed per-thread read)
    /// is ``AgentState/unknown(_:)`` for that run alone; only a snapshot that cannot be read at
    /// all (or a rejected token) throws, and then every run waits.
    ///
    /// A snapshot in which any thread shows its history is the hydrated one, so the version is
    /// asked only when every thread is bare: one request per tick on servers before v0.0.32.
    public func observe(threadIDs: [String]) async throws(ServiceError) -> [String: AgentReport] {
        let snapshot = try await snapshot(refresh: true)
        let hydrated = snapshot.threads.contains {
            if case .thread(let thread) = $0 { return thread.showsHistory }
            return false
        }
        let lightweight = hydrated ? false : await version().lexicographicallyPrecedes([0, 0, 32]) == false
        var reports: [String: AgentReport] = [:]
        for id in threadIDs {
            switch snapshot.threads.first(where: { $0.id == id }) {
            case nil:
                reports[id] = T3ThreadState.derive(nil)
            case .unreadable(_, let reason)?:
                reports[id] = AgentReport(
                    .unknown("T3's snapshot holds thread \(id) in a shape afk cannot read (\(reason))")
                )
            case .thread(let thread)?:
                guard lightweight, thread.deletedAt == nil else {
                    reports[id] = T3ThreadState.derive(thread)
                    continue
                }
                do {
                    reports[id] = T3ThreadState.derive(try await detail(of: id))
                } catch  where error.kind != .badCredentials {
                    reports[id] = AgentReport(.unknown("could not read thread \(id) from T3: \(error.message)"))
                }
            }
        }
        return reports
    }

    /// `GET /api/orchestration/threads/:id` → `{snapshotSequence, thread}`; nil on 404.
    func detail(of id: String) async throws(ServiceError) -> T3.Thread? {
        let what = "reading thread \(id)"
        let response = try await client.send(
            "GET",
            client.url("/api/orchestration/threads/" + ServiceClient.segment(id))
        )
        if response.status == 404 { return nil }
        try client.expect(response, [200], what)
        // The documented shape wraps the thread; a bare thread is read too. The error reported is
        // the one of the shape the body has, never a fallback's.
        let wrapped = (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["thread"] != nil
        if wrapped { return try client.decode(T3.ThreadDetail.self, from: response, what).thread }
        return try client.decode(T3.Thread.self, from: response, what)
    }

    /// Fails with ``ServiceError/Kind/misconfigured`` when the server cannot take what afk would
    /// send: `runtimeMode: auto` exists only from T3 0.0.29, and an older server answers a
    /// command carrying it with a bare 400. Only the version is read (once per tick), and only
    /// when it matters.
    public func preflight() async throws(ServiceError) {
        guard let requirement = T3Compatibility.requirement(runtimeMode: settings.runtimeMode) else { return }
        guard let version = await knownVersion() else { return }  // cannot tell: dispatch will say
        if let problem = T3Compatibility.problem(requirement, serverVersion: version) {
            throw ServiceError(service: "T3", kind: .misconfigured, message: problem)
        }
    }

    /// `GET /api/auth/session` always answers 200 with `authenticated` and, for a valid
    /// token, its `scopes` (T3's `packages/contracts/src/auth.ts`, `apps/server/src/auth/EnvironmentAuth.ts`).
    public func probe() async throws(ServiceError) -> ExecutorProbe {
        struct Session: Decodable {
            let authenticated: Bool
            let scopes: [String]?
        }
        let numbers = await version()
        let response = try await client.send("GET", client.url("/api/auth/session"))
        try client.expect(response, [200], "reading the auth session")
        let session = try client.decode(Session.self, from: response, "reading the auth session")
        guard session.authenticated else {
            throw ServiceError(
                service: "T3",
                kind: .badCredentials,
                message: "T3 does not accept executor.token (GET /api/auth/session answered authenticated: false)"
            )
        }
        let needed = ["orchestration:read", "orchestration:operate"]
        let missing = needed.filter { !(session.scopes ?? needed).contains($0) }
        return ExecutorProbe(
            version: numbers.map(String.init).joined(separator: "."),
            missing: missing.map { "scope \($0)" }
        )
    }

    public func startTurn(threadID: String, identity: RunIdentity, turn: Int, text: String, createdAt: String)
        async throws(ServiceError) -> String
    {
        try await preflight()
        let command = T3.TurnStart(
            commandId: "\(threadID)-turn\(turn)",
            threadId: threadID,
            message: .init(messageId: "\(threadID)-msg\(turn)", text: text),
            runtimeMode: settings.runtimeMode,
            interactionMode: "default",
            createdAt: createdAt
        )
        try await send(command, "starting turn \(turn) on \(threadID)", alreadyDone: nil)
        return threadID
    }

    /// Interrupts the thread's turn, then stops its session (`thread.turn.interrupt`,
    /// `thread.session.stop`, https://github.com/pingdotgg/t3code `packages/contracts/src/orchestration.ts`):
    /// archiving alone would leave the agent running. Command ids are derived from the thread, so
    /// a repeat is replayed, not acted on twice; with no live session T3 records only an activity.
    public func stop(threadID: String, createdAt: String) async throws(ServiceError) -> AgentStop {
        try await send(
            T3.ThreadCommand(
                type: "thread.turn.interrupt",
                commandId: "\(threadID)-interrupt",
                threadId: threadID,
                createdAt: createdAt
            ),
            "interrupting the turn on \(threadID)",
            alreadyDone: nil
        )
        try await send(
            T3.ThreadCommand(
                type: "thread.session.stop",
                commandId: "\(threadID)-stop",
                threadId: threadID,
                createdAt: createdAt
            ),
            "stopping the session of \(threadID)",
            alreadyDone: nil
        )
        return .stopped
    }
}
