import Foundation

/// The mutable T3 Code state: projects, threads, command receipts, event sequence.
struct T3World: Sendable {
    enum Receipt: Sendable {
        case accepted(sequence: Int)
        case rejected
    }

    /// Scenario settings plus the live `projects` / `threads`.
    var config: T3Scenario
    var receipts: [String: Receipt] = [:]
    /// Sequence of the last persisted event.
    var sequence = 0
    /// Explicit per-thread scripts set through the Swift API (override the scenario rules).
    var threadScripts: [String: AgentScript] = [:]
    /// Snapshot polls since the latest turn of each thread started.
    var pollsSinceTurn: [String: Int] = [:]
    /// Turns started per thread (1 = the dispatch, 2+ = corrective turns).
    var turnsStarted: [String: Int] = [:]
    /// Turns whose script has already acted.
    var actedTurns: Set<String> = []
    /// Commits the scripted agent pushed; drained by `SimulatorState` into the forge.
    var pendingPushes: [AgentPush] = []
    /// The forge's push rules, set by the simulator before each request.
    var pushGuard = PushGuard()
    /// Turns sent but not yet picked up by the provider (``T3Scenario/turnPickupPolls``), by thread.
    var queuedTurns: [String: (turnId: String, polls: Int)] = [:]
    private var turnCounter = 0

    init(_ scenario: T3Scenario) {
        config = scenario
        sequence = scenario.projects.count + scenario.threads.count
    }

    var scenario: T3Scenario { config }

    func script(for thread: SimThread) -> AgentScript {
        if let explicit = threadScripts[thread.id] { return explicit }
        return config.agentScripts.first { $0.matches(thread) }?.script ?? config.defaultAgentScript
    }

    // MARK: HTTP

    typealias Handler = WorldHandler<T3World, Date>

    /// The operations served (T3's `apps/server/src/environmentHttp.ts`, `orchestration/http.ts`). The shell and
    /// thread-detail reads exist from v0.0.29; older servers answer them 404, as any unknown path.
    static let router = Router<Handler>([
        .get("/.well-known/t3/environment") { world, _ in .json(200, world.environment()) },
        .get("/api/auth/session") { world, call in world.authSession(call.request) },
        .post("/api/orchestration/dispatch") { world, call in world.dispatch(call.request, now: call.now) },
        .get("/api/orchestration/snapshot") { world, call in
            if case .failure(let error) = world.authorize(call.request, scope: "orchestration:read") {
                return error.response
            }
            return .json(200, world.snapshot(now: call.now))
        },
        .get("/api/orchestration/shell") { world, call in
            guard world.serves(0, 0, 29) else { return Self.notFound }
            if case .failure(let error) = world.authorize(call.request, scope: "orchestration:read") {
                return error.response
            }
            return .json(200, world.shell(now: call.now))
        },
        .get("/api/orchestration/threads/{threadId}") { world, call in
            guard world.serves(0, 0, 29) else { return Self.notFound }
            if case .failure(let error) = world.authorize(call.request, scope: "orchestration:read") {
                return error.response
            }
            return world.threadDetail(call["threadId"], now: call.now)
        },
    ])

    /// An empty 404.
    static let notFound = SimResponse(status: 404)

    mutating func handle(_ request: SimRequest, now: Date) -> SimResponse {
        guard case .found(let handler, let parameters) = Self.router.match(request.method, request.segments) else {
            return Self.notFound
        }
        return handler(&self, RouteCall(request: request, parameters: parameters, context: now))
    }

    /// The configured `serverVersion` as numbers (`"v0.0.29-beta"` → `[0, 0, 29]`).
    var versionNumbers: [Int] {
        var text = Substring(config.serverVersion.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("v") { text = text.dropFirst() }
        let core = text.split(whereSeparator: { $0 == "-" || $0 == "+" }).first ?? ""
        return core.split(separator: ".").map { part in Int(part.prefix(while: \.isNumber)) ?? 0 }
    }

    /// Whether the simulated server is at least `major.minor.patch`.
    func serves(_ major: Int, _ minor: Int, _ patch: Int) -> Bool {
        var version = versionNumbers
        while version.count < 3 { version.append(0) }
        return version.lexicographicallyPrecedes([major, minor, patch]) == false
    }

    func environment() -> JSONValue {
        .obj([
            "environmentId": .string(config.environmentId),
            "label": .string(config.label),
            "platform": .obj(["os": .string("linux"), "arch": .string("x64")]),
            "serverVersion": .string(config.serverVersion),
            "capabilities": .obj(["repositoryIdentity": .bool(true)]),
        ])
    }

    private func authSession(_ request: SimRequest) -> SimResponse {
        let members: [String: JSONValue]
        let auth: JSONValue = .obj([
            "policy": .string("remote-reachable"),
            "bootstrapMethods": .array([.string("one-time-token")]),
            "sessionMethods": .array([.string("browser-session-cookie"), .string("bearer-access-token")]),
            "sessionCookieName": .string("t3_session"),
        ])
        if let credential = bearer(request), let scopes = config.tokens[credential] {
            members = [
                "authenticated": .bool(true), "auth": auth,
                "scopes": .array(scopes.map(JSONValue.string)),
                "sessionMethod": .string("bearer-access-token"),
            ]
        } else {
            members = ["authenticated": .bool(false), "auth": auth]
        }
        return .json(200, .object(members))
    }

    static func typedError(_ status: Int, _ pairs: KeyValuePairs<String, JSONValue>) -> SimResponse {
        var members = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        members["traceId"] = .string(SimClock.randomHex(32))
        return SimResponse(
            status: status,
            headers: [("content-type", "application/json")],
            body: JSONValue.object(members).data
        )
    }

    private func bearer(_ request: SimRequest) -> String? {
        guard let auth = request.authorization, ["bearer", "dpop"].contains(auth.scheme) else { return nil }
        return auth.credential
    }

    /// 401 / 403 bodies as asserted in T3's `apps/server/src/server.test.ts` (https://github.com/pingdotgg/t3code).
    private func authenticate(_ request: SimRequest) -> Result<[String], SimResponseError> {
        guard request.header("authorization") != nil else {
            return .failure(
                SimResponseError(
                    Self.typedError(
                        401,
                        [
                            "_tag": .string("EnvironmentAuthInvalidError"), "code": .string("auth_invalid"),
                            "reason": .string("missing_credential"),
                        ]
                    )
                )
            )
        }
        guard let credential = bearer(request), let scopes = config.tokens[credential] else {
            return .failure(
                SimResponseError(
                    Self.typedError(
                        401,
                        [
                            "_tag": .string("EnvironmentAuthInvalidError"), "code": .string("auth_invalid"),
                            "reason": .string("invalid_credential"),
                        ]
                    )
                )
            )
        }
        return .success(scopes)
    }

    private func scopeError(_ scope: String) -> SimResponse {
        Self.typedError(
            403,
            [
                "_tag": .string("EnvironmentScopeRequiredError"), "code": .string("insufficient_scope"),
                "requiredScope": .string(scope),
            ]
        )
    }

    private func authorize(_ request: SimRequest, scope: String) -> Result<Void, SimResponseError> {
        switch authenticate(request) {
        case .failure(let e): return .failure(e)
        case .success(let scopes):
            return scopes.contains(scope) ? .success(()) : .failure(SimResponseError(scopeError(scope)))
        }
    }

    // MARK: Dispatch

    static func domainRejection() -> SimResponse {
        typedError(
            500,
            [
                "_tag": .string("EnvironmentInternalError"), "code": .string("internal_error"),
                "reason": .string("orchestration_dispatch_failed"),
            ]
        )
    }

    /// Order (T3's `apps/server/src/orchestration/http.ts` and `Layers/OrchestrationEngine.ts`): authenticate
    /// → decode (bare 400) → scope (403) → normalise (400 invalid_request, no receipt) → receipts by
    /// `commandId` → decide (500 + rejected receipt, or 200).
    private mutating func dispatch(_ request: SimRequest, now: Date) -> SimResponse {
        let scopes: [String]
        switch authenticate(request) {
        case .failure(let e): return e.response
        case .success(let s): scopes = s
        }
        guard let command = T3CommandSchema.decode(request.body) else { return SimResponse(status: 400) }
        guard scopes.contains("orchestration:operate") else { return scopeError("orchestration:operate") }
        if command.type == "project.create", let root = command.string("workspaceRoot"),
            command.body["createWorkspaceRootIfMissing"]?.boolValue != true, !directoryExists(root)
        {
            return Self.typedError(
                400,
                [
                    "_tag": .string("EnvironmentRequestInvalidError"), "code": .string("invalid_request"),
                    "reason": .string("invalid_command"),
                ]
            )
        }
        switch receipts[command.commandId] {
        case .accepted(let sequence)?:
            return .json(200, .obj(["sequence": .num(sequence)]))
        case .rejected?:
            return Self.domainRejection()
        case nil:
            break
        }
        guard let events = decide(command, now: now) else {
            receipts[command.commandId] = .rejected
            return Self.domainRejection()
        }
        sequence += events
        receipts[command.commandId] = .accepted(sequence: sequence)
        return .json(200, .obj(["sequence": .num(sequence)]))
    }

    static func normalisePath(_ path: String) -> String {
        var p = path.trimmingCharacters(in: .whitespacesAndNewlines)
        if p.hasPrefix("~") { p = "/root" + p.dropFirst() }
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        return p
    }

    func directoryExists(_ path: String) -> Bool {
        let p = Self.normalisePath(path)
        return config.existingDirs.map(Self.normalisePath)
            .contains { dir in
                p == dir || p.hasPrefix(dir == "/" ? "/" : dir + "/")
            }
    }

    private func projectIndex(_ id: String?) -> Int? {
        guard let id else { return nil }
        return config.projects.firstIndex { $0.id == id.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    private func threadIndex(_ id: String?) -> Int? {
        guard let id else { return nil }
        return config.threads.firstIndex { $0.id == id.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Applies a decoded command. Returns the number of events it persisted, or `nil` for a domain
    /// rejection (T3's `commandInvariants.ts`, `decider.ts`: "already exists", "does not exist", archive state,
    /// non-empty project).
    private mutating func decide(_ c: T3CommandSchema.Command, now: Date) -> Int? {
        let stamp = SimClock.t3(now)
        let trimmed = { (key: String) -> String? in c.string(key)?.trimmingCharacters(in: .whitespacesAndNewlines) }
        switch c.type {
        case "project.create":
            guard let id = trimmed("projectId"), projectIndex(id) == nil,
                let title = trimmed("title"), let root = c.string("workspaceRoot")
            else { return nil }
            let normalised = Self.normalisePath(root)
            if !directoryExists(normalised) { config.existingDirs.append(normalised) }
            let model = c.body["defaultModelSelection"]
                .flatMap { $0.isNull ? nil : T3CommandSchema.normalisedModelSelection($0) }
            config.projects.append(
                SimProject(
                    id: id,
                    title: title,
                    workspaceRoot: normalised,
                    defaultModelSelection: model,
                    createdAt: stamp
                )
            )
            return 1

        case "project.meta.update":
            guard let p = projectIndex(c.string("projectId")), config.projects[p].deletedAt == nil else { return nil }
            if let title = trimmed("title") { config.projects[p].title = title }
            if let root = c.string("workspaceRoot") { config.projects[p].workspaceRoot = Self.normalisePath(root) }
            if let model = c.body["defaultModelSelection"] {
                config.projects[p].defaultModelSelection =
                    model.isNull ? nil : T3CommandSchema.normalisedModelSelection(model)
            }
            config.projects[p].updatedAt = stamp
            return 1

        case "project.delete":
            guard let p = projectIndex(c.string("projectId")), config.projects[p].deletedAt == nil else { return nil }
            let id = config.projects[p].id
            let live = config.threads.contains { $0.projectId == id && $0.deletedAt == nil }
            if live, c.body["force"]?.boolValue != true { return nil }
            config.projects[p].deletedAt = stamp
            config.projects[p].updatedAt = stamp
            return 1

        case "thread.create":
            guard let id = trimmed("threadId"), threadIndex(id) == nil,
                let p = projectIndex(c.string("projectId")), config.projects[p].deletedAt == nil,
                let title = trimmed("title"), let model = c.body["modelSelection"],
                let runtimeMode = c.string("runtimeMode")
            else { return nil }
            config.threads.append(
                SimThread(
                    id: id,
                    projectId: config.projects[p].id,
                    title: title,
                    modelSelection: T3CommandSchema.normalisedModelSelection(model),
                    runtimeMode: runtimeMode,
                    interactionMode: c.string("interactionMode") ?? "default",
                    branch: trimmed("branch"),
                    worktreePath: trimmed("worktreePath"),
                    createdAt: stamp
                )
            )
            return 1

        case "thread.delete":
            guard let t = threadIndex(c.string("threadId")), config.threads[t].deletedAt == nil else { return nil }
            config.threads[t].deletedAt = stamp
            config.threads[t].updatedAt = stamp
            return 1

        case "thread.archive", "thread.unarchive":
            guard let t = threadIndex(c.string("threadId")), config.threads[t].deletedAt == nil else { return nil }
            let archiving = c.type == "thread.archive"
            guard (config.threads[t].archivedAt == nil) == archiving else { return nil }
            config.threads[t].archivedAt = archiving ? stamp : nil
            config.threads[t].updatedAt = stamp
            return 1

        case "thread.meta.update":
            guard let t = threadIndex(c.string("threadId")), config.threads[t].deletedAt == nil else { return nil }
            if let title = trimmed("title") { config.threads[t].title = title }
            if let model = c.body["modelSelection"] {
                config.threads[t].modelSelection = T3CommandSchema.normalisedModelSelection(model)
            }
            if c.body.has("branch") { config.threads[t].branch = trimmed("branch") }
            if c.body.has("worktreePath") { config.threads[t].worktreePath = trimmed("worktreePath") }
            config.threads[t].updatedAt = stamp
            return 1

        case "thread.runtime-mode.set", "thread.interaction-mode.set":
            guard let t = threadIndex(c.string("threadId")), config.threads[t].deletedAt == nil else { return nil }
            if let mode = c.string("runtimeMode") { config.threads[t].runtimeMode = mode }
            if let mode = c.string("interactionMode") { config.threads[t].interactionMode = mode }
            config.threads[t].updatedAt = stamp
            return 1

        case "thread.turn.start":
            guard let t = threadIndex(c.string("threadId")), config.threads[t].deletedAt == nil,
                let message = c.body["message"], let messageId = message["messageId"]?.stringValue
            else { return nil }
            // The decider stamps the thread's stored modes on the turn; the ones in the command are ignored
            // (T3's `apps/server/src/orchestration/decider.ts`).
            let attachments = message["attachments"]?.arrayValue ?? []
            config.threads[t].messages
                .append(
                    SimMessage(
                        id: messageId.trimmingCharacters(in: .whitespacesAndNewlines),
                        role: "user",
                        text: message["text"]?.stringValue ?? "",
                        attachments: attachments,
                        turnId: nil,
                        streaming: false,
                        createdAt: stamp
                    )
                )
            turnCounter += 1
            let turnId = "turn-\(turnCounter)-\(SimClock.randomHex(8))"
            if config.turnPickupPolls > 0 {
                // The provider has not picked it up: the thread keeps showing the previous turn.
                queuedTurns[config.threads[t].id] = (turnId, config.turnPickupPolls)
            } else {
                startTurn(t, turnId: turnId, now: now)
            }
            // thread.message-sent + thread.turn-start-requested; sequence = the last (the command's last event)
            return 2

        case "thread.turn.interrupt":
            guard let t = threadIndex(c.string("threadId")), config.threads[t].deletedAt == nil else { return nil }
            // `interrupted` is set on the turn only when the interrupt names it (T3's `Layers/ProjectionPipeline.ts`).
            if let turnId = trimmed("turnId"), var turn = config.threads[t].latestTurn, turn.turnId == turnId,
                turn.state == "running"
            {
                turn.state = "interrupted"
                turn.completedAt = stamp
                config.threads[t].latestTurn = turn
            }
            if config.threads[t].session?.activeTurnId != nil {
                config.threads[t].session?.status = "interrupted"
                config.threads[t].session?.activeTurnId = nil
                config.threads[t].session?.updatedAt = stamp
            }
            config.threads[t].updatedAt = stamp
            return 1

        case "thread.session.stop":
            guard let t = threadIndex(c.string("threadId")), config.threads[t].deletedAt == nil else { return nil }
            if config.threads[t].session != nil {
                config.threads[t].session?.status = "stopped"
                config.threads[t].session?.activeTurnId = nil
                config.threads[t].session?.updatedAt = stamp
            }
            config.threads[t].updatedAt = stamp
            return 1

        case "thread.user-input.respond":
            guard let t = threadIndex(c.string("threadId")), config.threads[t].deletedAt == nil else { return nil }
            // Resolves a pending `user-input.requested` of the same requestId (what the shell's
            // `hasPendingUserInput` is derived from); the agent then keeps running.
            if let requestId = trimmed("requestId"),
                Self.pendingRequests(config.threads[t], kind: "user-input").contains(requestId)
            {
                config.threads[t].activities
                    .append(
                        AgentDriver.activity(
                            id: "activity-input-resolved-\(requestId)",
                            tone: "info",
                            kind: "user-input.resolved",
                            summary: "User input submitted",
                            payload: .obj(["requestId": .string(requestId), "answers": c.body["answers"] ?? .obj([:])]),
                            turnId: config.threads[t].latestTurn?.turnId,
                            now: now
                        )
                    )
                config.threads[t].updatedAt = stamp
            }
            return 1

        case "thread.approval.respond", "thread.checkpoint.revert":
            // Accepted against an existing thread; the simulated agent asks for no approvals and has no
            // checkpoints, so these change nothing.
            guard let t = threadIndex(c.string("threadId")), config.threads[t].deletedAt == nil else { return nil }
            return 1

        default:
            return nil
        }
    }

    // MARK: Snapshot

    /// The provider picks the turn up: it becomes the thread's latest turn, and its script runs.
    private mutating func startTurn(_ t: Int, turnId: String, now: Date) {
        let id = config.threads[t].id
        pollsSinceTurn[id] = 0
        turnsStarted[id, default: 0] += 1
        let script = script(for: config.threads[t])
        AgentDriver.turnStarted(
            &config.threads[t],
            script: script,
            turnId: turnId,
            turnNumber: turnsStarted[id] ?? 1,
            now: now
        )
        advanceAgent(t, poll: 0, now: now)
    }

    /// Counts one poll of thread `t` and lets its script act.
    private mutating func polled(_ t: Int, now: Date) {
        let threadId = config.threads[t].id
        if let queued = queuedTurns[threadId] {
            if queued.polls <= 1 {
                queuedTurns[threadId] = nil
                startTurn(t, turnId: queued.turnId, now: now)
            } else {
                queuedTurns[threadId] = (queued.turnId, queued.polls - 1)
            }
            return
        }
        guard config.threads[t].deletedAt == nil, config.threads[t].latestTurn != nil else { return }
        let id = config.threads[t].id
        let poll = (pollsSinceTurn[id] ?? 0) + 1
        pollsSinceTurn[id] = poll
        advanceAgent(t, poll: poll, now: now)
    }

    /// Runs the script of thread `t` once its turn's poll count reaches the script's threshold.
    private mutating func advanceAgent(_ t: Int, poll: Int, now: Date) {
        guard let turnId = config.threads[t].latestTurn?.turnId, !actedTurns.contains(turnId) else { return }
        let id = config.threads[t].id
        let script = script(for: config.threads[t])
        let (acted, pushes) = AgentDriver.act(
            &config.threads[t],
            script: script,
            turnNumber: turnsStarted[id] ?? 1,
            poll: poll,
            pushGuard: pushGuard,
            now: now
        )
        if acted { actedTurns.insert(turnId) }
        pendingPushes += pushes
    }

    /// `OrchestrationReadModel` (T3's `packages/contracts/src/orchestration.ts`). Runs the agent scripts' poll hook
    /// first. From v0.0.32 the snapshot is the lightweight command read model: `messages`, `activities`,
    /// `checkpoints` are empty (t3code commit `ca72e381c`).
    mutating func snapshot(now: Date) -> JSONValue {
        for t in config.threads.indices { polled(t, now: now) }
        let light = serves(0, 0, 32)
        return .obj([
            "snapshotSequence": .num(sequence),
            "projects": .array(config.projects.map(Self.projectJSON)),
            "threads": .array(config.threads.map { Self.threadJSON($0, lightweight: light) }),
            "updatedAt": .string(SimClock.t3(now)),
        ])
    }

    /// `GET /api/orchestration/threads/{threadId}` (v0.0.29+): `OrchestrationThreadDetailSnapshot`
    /// `{snapshotSequence, thread}` with the full thread. Unknown ids answer 404
    /// `EnvironmentResourceNotFoundError` / `not_found` / `thread_not_found` (T3's `environmentHttp.ts`).
    /// Deleted threads are still served, with `deletedAt` set.
    private mutating func threadDetail(_ rawId: String, now: Date) -> SimResponse {
        guard let t = threadIndex(rawId) else {
            return Self.typedError(
                404,
                [
                    "_tag": .string("EnvironmentResourceNotFoundError"), "code": .string("not_found"),
                    "reason": .string("thread_not_found"),
                ]
            )
        }
        polled(t, now: now)
        return .json(
            200,
            .obj([
                "snapshotSequence": .num(sequence),
                "thread": Self.threadJSON(config.threads[t]),
            ])
        )
    }

    /// Request ids of `<kind>.requested` activities with no later `<kind>.resolved`.
    static func pendingRequests(_ thread: SimThread, kind: String) -> [String] {
        var pending: [String] = []
        for activity in thread.activities {
            guard let requestId = activity["payload"]?["requestId"]?.stringValue else { continue }
            switch activity["kind"]?.stringValue {
            case "\(kind).requested": pending.append(requestId)
            case "\(kind).resolved": pending.removeAll { $0 == requestId }
            default: break
            }
        }
        return pending
    }

    /// `GET /api/orchestration/shell` (v0.0.29+): `OrchestrationShellSnapshot` with project shells and
    /// thread shells (no messages/activities/checkpoints; `hasPendingApprovals`, `hasPendingUserInput`,
    /// `hasActionableProposedPlan`, `latestUserMessageAt`). Deleted projects and threads are left out.
    func shell(now: Date) -> JSONValue {
        let projects = config.projects.filter { $0.deletedAt == nil }
            .map { p -> JSONValue in
                .obj([
                    "id": .string(p.id),
                    "title": .string(p.title),
                    "workspaceRoot": .string(p.workspaceRoot),
                    "repositoryIdentity": .null,
                    "defaultModelSelection": p.defaultModelSelection ?? .null,
                    "scripts": .array([]),
                    "createdAt": .string(p.createdAt),
                    "updatedAt": .string(p.updatedAt),
                ])
            }
        let threads = config.threads.filter { $0.deletedAt == nil }
            .map { t -> JSONValue in
                .obj([
                    "id": .string(t.id),
                    "projectId": .string(t.projectId),
                    "title": .string(t.title),
                    "modelSelection": t.modelSelection,
                    "runtimeMode": .string(t.runtimeMode),
                    "interactionMode": .string(t.interactionMode),
                    "branch": .str(t.branch),
                    "worktreePath": .str(t.worktreePath),
                    "latestTurn": t.latestTurn.map(Self.turnJSON) ?? .null,
                    "createdAt": .string(t.createdAt),
                    "updatedAt": .string(t.updatedAt),
                    "archivedAt": .str(t.archivedAt),
                    "session": t.session.map(Self.sessionJSON) ?? .null,
                    "latestUserMessageAt": .str(t.messages.last { $0.role == "user" }?.createdAt),
                    "hasPendingApprovals": .bool(!Self.pendingRequests(t, kind: "approval").isEmpty),
                    "hasPendingUserInput": .bool(!Self.pendingRequests(t, kind: "user-input").isEmpty),
                    "hasActionableProposedPlan": .bool(false),
                ])
            }
        return .obj([
            "snapshotSequence": .num(sequence),
            "projects": .array(projects),
            "threads": .array(threads),
            "updatedAt": .string(SimClock.t3(now)),
        ])
    }

    static func projectJSON(_ p: SimProject) -> JSONValue {
        .obj([
            "id": .string(p.id),
            "title": .string(p.title),
            "workspaceRoot": .string(p.workspaceRoot),
            "repositoryIdentity": .null,
            "defaultModelSelection": p.defaultModelSelection ?? .null,
            "scripts": .array([]),
            "createdAt": .string(p.createdAt),
            "updatedAt": .string(p.updatedAt),
            "deletedAt": .str(p.deletedAt),
        ])
    }

    static func threadJSON(_ t: SimThread, lightweight: Bool = false) -> JSONValue {
        .obj([
            "id": .string(t.id),
            "projectId": .string(t.projectId),
            "title": .string(t.title),
            "modelSelection": t.modelSelection,
            "runtimeMode": .string(t.runtimeMode),
            "interactionMode": .string(t.interactionMode),
            "branch": .str(t.branch),
            "worktreePath": .str(t.worktreePath),
            "latestTurn": t.latestTurn.map(turnJSON) ?? .null,
            "createdAt": .string(t.createdAt),
            "updatedAt": .string(t.updatedAt),
            "archivedAt": .str(t.archivedAt),
            "deletedAt": .str(t.deletedAt),
            "messages": .array(lightweight ? [] : t.messages.map(messageJSON)),
            "proposedPlans": .array([]),
            "activities": .array(lightweight ? [] : t.activities),
            "checkpoints": .array([]),
            "session": t.session.map(sessionJSON) ?? .null,
        ])
    }

    static func turnJSON(_ turn: SimTurn) -> JSONValue {
        .obj([
            "turnId": .string(turn.turnId),
            "state": .string(turn.state),
            "requestedAt": .string(turn.requestedAt),
            "startedAt": .str(turn.startedAt),
            "completedAt": .str(turn.completedAt),
            "assistantMessageId": .str(turn.assistantMessageId),
        ])
    }

    static func sessionJSON(_ s: SimSession) -> JSONValue {
        .obj([
            "threadId": .string(s.threadId),
            "status": .string(s.status),
            "providerName": .str(s.providerName),
            "providerInstanceId": .str(s.providerName),
            "runtimeMode": .string(s.runtimeMode),
            "activeTurnId": .str(s.activeTurnId),
            "lastError": .str(s.lastError),
            "updatedAt": .string(s.updatedAt),
        ])
    }

    static func messageJSON(_ m: SimMessage) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(m.id), "role": .string(m.role), "text": .string(m.text),
            "turnId": .str(m.turnId), "streaming": .bool(m.streaming),
            "createdAt": .string(m.createdAt), "updatedAt": .string(m.updatedAt),
        ]
        if let attachments = m.attachments { members["attachments"] = .array(attachments) }
        return .object(members)
    }
}

/// Carries an early response out of a `Result`.
struct SimResponseError: Error, Sendable {
    var response: SimResponse
    init(_ response: SimResponse) { self.response = response }
}
