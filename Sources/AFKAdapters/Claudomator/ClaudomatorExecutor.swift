import AFKCore
import Foundation
import Logging

/// ``Executor`` over Claudomator's task API (facts claudomator.md): create a task, run it, read
/// its state (PENDING → QUEUED → RUNNING → COMPLETED | FAILED | TIMED_OUT | CANCELLED |
/// BUDGET_EXCEEDED).
///
/// Each task is named after the run's deterministic id, and a dispatch first looks for a task of
/// that name, so a repeated dispatch finds the first one (and runs it if it never ran). Listing
/// is inferred from the CLI rather than documented, so ``submissionIsIdempotent`` stays false and
/// the poller writes the run record before submitting; creating and running are sent with
/// `idempotent: false`. A task that 404s is ``AgentState/missing``; a server that cannot be
/// asked is ``AgentState/unknown(_:)``.
public actor ClaudomatorExecutor: Executor {
    public nonisolated let kind = "claudomator"
    public nonisolated let serviceName = "Claudomator"
    public nonisolated let submissionIsIdempotent = false

    public struct Settings: Sendable, Hashable {
        public var model: String
        /// Each task works in `workspaceRoot/owner/name`.
        public var workspaceRoot: String
        /// Sent as `claude.max_budget_usd`.
        public var budgetUSD: Double
        public var timeoutSeconds: Int
        public var permissionMode: String?

        public init(model: String, workspaceRoot: String, budgetUSD: Double, timeoutSeconds: Int = 2700, permissionMode: String? = nil) {
            self.model = model
            self.workspaceRoot = workspaceRoot
            self.budgetUSD = budgetUSD
            self.timeoutSeconds = timeoutSeconds
            self.permissionMode = permissionMode
        }
    }

    let client: ServiceClient
    let settings: Settings
    let baseURL: URL

    /// - Parameter token: sent as `Authorization: Bearer` when set (Claudomator may run without).
    public init(baseURL: URL, token: String?, settings: Settings, transport: any HTTPTransport, retry: RetryPolicy, logger: Logger,
                sleep: @escaping @Sendable (Double) async -> Void = ServiceClient.realSleep) {
        var headers = ["Accept": "application/json", "User-Agent": "afk"]
        if let token, !token.isEmpty { headers["Authorization"] = "Bearer \(token)" }
        self.client = ServiceClient(service: "Claudomator", baseURL: baseURL, transport: transport, defaultHeaders: headers,
                                    retry: retry, logger: logger, sleep: sleep)
        self.settings = settings
        self.baseURL = baseURL
    }

    /// Every task, or nil when the server has no listing (404/405).
    func tasks() async throws(ServiceError) -> [Claudomator.Task]? {
        let response = try await client.send("GET", client.url("/api/tasks"))
        if response.status == 404 || response.status == 405 { return nil }
        try client.expect(response, [200], "listing tasks")
        return try client.decode(Claudomator.TaskList.self, from: response, "listing tasks").tasks
    }

    public func existingRuns(in repo: RepoRef) async throws(ServiceError) -> [RunIdentity: ExecutorRun] {
        var runs: [RunIdentity: ExecutorRun] = [:]
        for task in try await tasks() ?? [] {
            guard let name = task.name, let identity = RunIdentity.parse(threadID: name), identity.issue.repo.slug == repo.slug else { continue }
            let state = (task.state ?? "").uppercased()
            runs[identity] = ExecutorRun(identity: identity, threadID: task.id, createdAt: task.createdAt, turnStarted: state != "PENDING" && !state.isEmpty)
        }
        return runs
    }

    public func dispatch(_ request: DispatchRequest) async throws(ServiceError) -> ExecutorRun {
        let id = try await start(name: request.identity.threadID, instructions: request.prompt, repo: request.identity.issue.repo)
        return ExecutorRun(identity: request.identity, threadID: id, createdAt: request.createdAt, turnStarted: true)
    }

    /// Finds the task called `name` or creates it, and runs it unless it already ran.
    func start(name: String, instructions: String, repo: RepoRef) async throws(ServiceError) -> String {
        let existing = try await tasks()?.first { $0.name == name }
        let id: String
        if let existing {
            id = existing.id
            guard (existing.state ?? "PENDING").uppercased() == "PENDING" else { return id }
        } else {
            let task = Claudomator.NewTask(
                name: name,
                claude: .init(model: settings.model, instructions: instructions, workingDir: workingDirectory(for: repo),
                              maxBudgetUSD: settings.budgetUSD, permissionMode: settings.permissionMode),
                timeout: "\(settings.timeoutSeconds)s", priority: "normal", tags: ["afk", repo.description])
            let response = try await client.send("POST", client.url("/api/tasks"), json: try? JSONEncoder().encode(task), idempotent: false)
            try client.expect(response, [200, 201], "creating task \(name)")
            id = try client.decode(Claudomator.Task.self, from: response, "creating task \(name)").id
        }
        let run = try await client.send("POST", client.url("/api/tasks/\(ServiceClient.segment(id))/run"), idempotent: false)
        try client.expect(run, [200, 201, 202, 204], "running task \(name)")
        return id
    }

    func workingDirectory(for repo: RepoRef) -> String {
        var root = settings.workspaceRoot
        while root.hasSuffix("/") { root.removeLast() }
        return "\(root)/\(repo.owner)/\(repo.name)"
    }

    public nonisolated func link(to run: RunIdentity) -> String? { nil }

    public func observe(threadIDs: [String]) async throws(ServiceError) -> [String: AgentState] {
        var states: [String: AgentState] = [:]
        for id in threadIDs {
            do {
                let response = try await client.send("GET", client.url("/api/tasks/\(ServiceClient.segment(id))"))
                if response.status == 404 {
                    states[id] = .missing
                    continue
                }
                try client.expect(response, [200], "reading task \(id)")
                states[id] = Self.state(try client.decode(Claudomator.Task.self, from: response, "reading task \(id)").state ?? "")
            } catch where error.kind != .badCredentials {
                states[id] = .unknown("could not ask Claudomator about task \(id): \(error.message)")
            }
        }
        return states
    }

    /// Claudomator's states as agent states. BUDGET_EXCEEDED and TIMED_OUT escalate naming the
    /// state; READY (awaiting review) and BLOCKED (awaiting input) wait on a human.
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

    public func startTurn(threadID: String, identity: RunIdentity, turn: Int, text: String, createdAt: String) async throws(ServiceError) -> String {
        let instructions = text + "\n\nThis continues afk run \(identity.threadID) (corrective turn \(turn)); the previous task was \(threadID)."
        return try await start(name: "\(identity.threadID)-turn\(turn)", instructions: instructions, repo: identity.issue.repo)
    }

    public func probe() async throws(ServiceError) -> ExecutorProbe {
        _ = try await tasks()
        return ExecutorProbe(version: nil, missing: [])
    }
}
