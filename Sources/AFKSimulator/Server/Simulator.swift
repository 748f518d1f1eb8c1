import FlyingFox
import FlyingSocks
import Foundation

/// A stateful fake of every service afk speaks, served over real HTTP on 127.0.0.1: one forge seen through GitHub
/// REST and Gitea/Forgejo API v1, T3 Code, the job runner, Claudomator, Woodpecker, Kubernetes, ntfy and Slack.
/// Each service lives under its own path prefix (``SimService``) and declares its operations once, in a route
/// table (``githubRoutes``, ``forgejoRoutes``, ``woodpeckerRoutes``, ``kubernetesRoutes`` list them).
///
/// ## Usage
/// ```swift
/// let sim = Simulator(scenario: scenario)
/// try await sim.start()
/// defer { Task { await sim.stop() } }
/// let tracker = await sim.githubURL   // http://127.0.0.1:PORT/github
/// let forgejo = await sim.forgejoURL  // http://127.0.0.1:PORT/forgejo (Gitea/Forgejo API v1, same forge)
/// let executor = await sim.t3URL      // http://127.0.0.1:PORT/t3
/// ```
///
/// Doorbell sinks share the server: ntfy at `base/ntfy/{topic}` and Slack incoming webhooks at
/// `base/slack/services/{T}/{B}/{X}`.
///
/// Control endpoints for shell use live under `/_sim/` (`requests`, `faults`, `state`, `scenario`,
/// `notifications`).
public final class Simulator: Sendable {
    let state: SimulatorState
    private let runner = ServerRunner()

    /// Creates a simulator holding `scenario`; call ``start(port:)`` to serve it.
    public init(scenario: Scenario = Scenario()) {
        state = SimulatorState(scenario: scenario)
    }

    /// Binds 127.0.0.1 (ephemeral port by default) and returns once listening.
    /// - Returns: The base URL, `http://127.0.0.1:PORT`.
    /// - Throws: Socket errors when the port cannot be bound.
    @discardableResult
    public func start(port: UInt16 = 0) async throws -> URL {
        let state = self.state
        let base = try await runner.start(port: port) { request in
            await Self.respond(to: request, state: state)
        }
        await state.setBaseURL(base.absoluteString)
        return base
    }

    /// Stops serving; in-flight connections are closed.
    public func stop() async {
        await runner.stop()
    }

    /// The base URL (`http://127.0.0.1:PORT`), or `http://127.0.0.1:0` before ``start(port:)``.
    public var baseURL: URL {
        get async { await runner.baseURL ?? Self.unstartedURL }
    }

    /// `base/github`: afk's `tracker.url`.
    public var githubURL: URL {
        get async { await baseURL.appendingPathComponent("github") }
    }

    /// `base/forgejo`: afk's `tracker.url` for the Forgejo/Gitea tracker (requests go to
    /// `base/forgejo/api/v1/…`). The same forge as ``githubURL``, seen through the Gitea/Forgejo API v1.
    public var forgejoURL: URL {
        get async { await baseURL.appendingPathComponent("forgejo") }
    }

    /// Every Gitea/Forgejo API v1 operation the `/forgejo` view serves, as `METHOD /path/template` relative
    /// to `/api/v1` (swagger spelling, e.g. `GET /repos/{owner}/{repo}/issues/{index}/timeline`).
    public static var forgejoRoutes: [String] { ForgeWorld.forgejoRouter.operations }

    /// Every GitHub REST operation the `/github` view serves, as `METHOD /path/template` (REST API description
    /// spelling, e.g. `GET /repos/{owner}/{repo}/issues/{issue_number}/events`).
    public static var githubRoutes: [String] { ForgeWorld.githubRouter.operations }

    /// `base/t3`: afk's `executor.url`.
    public var t3URL: URL {
        get async { await baseURL.appendingPathComponent("t3") }
    }

    /// Replaces the whole world (the request log and pending faults are kept).
    public func load(_ scenario: Scenario) async {
        await state.load(scenario)
    }

    /// The current world as a scenario (reloadable with ``load(_:)``).
    public func currentScenario() async -> Scenario {
        await state.scenario
    }

    /// Queues a fault; faults match in injection order.
    public func inject(_ fault: Fault) async {
        await state.inject(fault)
    }

    /// Drops all pending faults.
    public func clearFaults() async {
        await state.clearFaults()
    }

    /// Faults that have not been used up yet.
    public func pendingFaults() async -> [Fault] {
        await state.faults
    }

    /// Every request received, in arrival order (including 401s and faulted ones).
    public func requests() async -> [RecordedRequest] {
        await state.log
    }

    /// Empties the request log.
    public func clearRequests() async {
        await state.clearLog()
    }

    // MARK: Forge state

    /// The current state of an issue or pull request.
    public func issue(_ owner: String, _ repo: String, _ number: Int) async -> SimIssue? {
        await state.issue(owner, repo, number)
    }

    /// Adds a label as `actor` (recording a `labeled` event), creating it in the repository if needed.
    /// - Returns: false when the issue does not exist.
    @discardableResult
    public func addLabel(_ owner: String, _ repo: String, _ number: Int, _ label: String, actor: String?) async -> Bool
    {
        await state.mutateIssue(owner, repo, number) { world, r, i, now in
            world.addLabels([label], repo: r, issue: i, actor: actor, now: now)
        } != nil
    }

    /// Removes a label as `actor` (recording an `unlabeled` event).
    /// - Returns: false when the issue does not exist or does not carry the label.
    @discardableResult
    public func removeLabel(_ owner: String, _ repo: String, _ number: Int, _ label: String, actor: String?) async
        -> Bool
    {
        await state.mutateIssue(owner, repo, number) { world, r, i, now in
            world.removeLabel(label, repo: r, issue: i, actor: actor, now: now)
        } ?? false
    }

    /// Adds a comment by `user`.
    /// - Returns: The new comment id, or `nil` when the issue does not exist.
    @discardableResult
    public func addComment(_ owner: String, _ repo: String, _ number: Int, _ body: String, user: String) async -> Int64?
    {
        await state.mutateIssue(owner, repo, number) { world, r, i, now in
            world.addComment(body, repo: r, issue: i, user: user, now: now).id
        } ?? nil
    }

    /// Opens or closes an issue as `actor`.
    /// - Returns: false when the issue does not exist.
    @discardableResult
    public func setIssueState(
        _ owner: String,
        _ repo: String,
        _ number: Int,
        state newState: String,
        reason: String? = nil,
        actor: String?
    ) async -> Bool {
        await state.mutateIssue(owner, repo, number) { world, r, i, now in
            world.setState(newState, reason: reason, repo: r, issue: i, actor: actor, now: now)
        } != nil
    }

    /// Adds (or replaces, by number) an issue in a repository.
    /// - Returns: false when the repository does not exist.
    @discardableResult
    public func putIssue(_ owner: String, _ repo: String, _ issue: SimIssue) async -> Bool {
        await state.putIssue(owner, repo, issue)
    }

    /// `base/woodpecker`: afk's Woodpecker server URL (the API is under `…/api`).
    public var woodpeckerURL: URL {
        get async { await baseURL.appendingPathComponent("woodpecker") }
    }

    /// `base/k8s`: an out-of-cluster Kubernetes API server URL (plain HTTP on 127.0.0.1).
    public var kubernetesURL: URL {
        get async { await baseURL.appendingPathComponent("k8s") }
    }

    /// `base/jobs`: afk's `executor.url` for `executor.kind: jobs`.
    public var jobsURL: URL {
        get async { await baseURL.appendingPathComponent("jobs") }
    }

    /// `base/claudomator`: afk's `executor.url` for `executor.kind: claudomator`.
    public var claudomatorURL: URL {
        get async { await baseURL.appendingPathComponent("claudomator") }
    }

    /// `base/ntfy`: afk's ntfy server URL (topics are path segments below it).
    public var ntfyURL: URL {
        get async { await baseURL.appendingPathComponent("ntfy") }
    }

    /// `base/slack/services/T/B/X`: a Slack incoming-webhook URL served by this simulator.
    public func slackWebhookURL(_ hook: String = "TSIM/BSIM/sim") async -> URL {
        await baseURL.appendingPathComponent("slack/services/" + SlackScenario.normalise(hook))
    }

    // MARK: Commits and CI

    /// Pushes a commit to `branch` (created from the default branch's history when new; an empty default
    /// branch first gets an `Initial commit`, since no other branch can exist without it).
    /// - Returns: The commit's SHA (`sha` when it is 40 hex digits, otherwise a generated one), or `""`
    ///   when the repository does not exist.
    @discardableResult
    public func pushCommit(
        _ owner: String,
        _ repo: String,
        branch: String,
        message: String,
        sha: String? = nil,
        committedAt: Date = Date(),
        author: String = "afk-bot"
    ) async -> String {
        await state.pushCommit(owner, repo, branch: branch, message: message, sha: sha, author: author, at: committedAt)
            ?? ""
    }

    /// Creates check run `name` on `sha`, or updates the newest one of that name in place.
    /// `conclusion` is ignored unless `status` is `completed`.
    /// - Returns: false when the repository does not exist.
    @discardableResult
    public func setCheckRun(
        _ owner: String,
        _ repo: String,
        sha: String,
        name: String,
        status: String = "completed",
        conclusion: String?
    ) async -> Bool {
        await state.setCheckRun(owner, repo, sha: sha, name: name, status: status, conclusion: conclusion)
    }

    /// Adds a commit status (the newest per context counts in the combined status).
    /// - Returns: false when the repository does not exist.
    @discardableResult
    public func setStatus(
        _ owner: String,
        _ repo: String,
        sha: String,
        context: String,
        state newState: String,
        description: String? = nil
    ) async -> Bool {
        await state.setStatus(owner, repo, sha: sha, context: context, state: newState, description: description)
    }

    /// The commits of a branch (default: the default branch), **oldest first**; empty when unknown.
    public func commits(_ owner: String, _ repo: String, branch: String? = nil) async -> [SimCommit] {
        await state.commits(owner, repo, branch: branch)
    }

    // MARK: Notifications

    /// Every notification the ntfy and Slack sinks accepted, in arrival order.
    public func notifications() async -> [SimNotification] {
        await state.notifications
    }

    /// Forgets the delivered notifications.
    public func clearNotifications() async {
        await state.clearNotifications()
    }

    // MARK: T3 state

    /// All T3 threads, including deleted and archived ones.
    public func threads() async -> [SimThread] {
        await state.t3.config.threads
    }

    /// All T3 projects, including deleted ones.
    public func projects() async -> [SimProject] {
        await state.t3.config.projects
    }

    /// Sequence of the last persisted T3 orchestration event.
    public func t3Sequence() async -> Int {
        await state.t3.sequence
    }

    /// Forces the agent script of one thread (overrides the scenario's rules).
    public func setAgentScript(_ script: AgentScript, forThread threadId: String) async {
        await state.setAgentScript(script, forThread: threadId)
    }

    /// Sets the script for threads that no rule matches.
    public func setDefaultAgentScript(_ script: AgentScript) async {
        await state.setDefaultAgentScript(script)
    }

    /// Completes the running turn of a thread now, as the agent would (assistant message, `ready`).
    /// - Returns: false when the thread does not exist or has no turn.
    @discardableResult
    public func completeTurn(threadId: String, text: String = "Done.") async -> Bool {
        await state.mutateThread(threadId) { thread, now in
            guard thread.latestTurn != nil else { return false }
            AgentDriver.complete(&thread, text: text, now: now)
            return true
        } ?? false
    }

    /// Appends an activity (any JSON, as real providers' payloads are) to a thread, e.g. a
    /// `runtime.warning` whose `payload.detail` is an object.
    /// - Returns: false when the thread does not exist.
    @discardableResult
    public func addActivity(_ activity: JSONValue, toThread threadId: String) async -> Bool {
        await state.mutateThread(threadId) { thread, _ in
            thread.activities.append(activity)
            return true
        } ?? false
    }

    /// Fails the running turn of a thread now (`session.status: error` with `lastError`).
    /// - Returns: false when the thread does not exist or has no session.
    @discardableResult
    public func failTurn(threadId: String, error: String) async -> Bool {
        await state.mutateThread(threadId) { thread, now in
            guard thread.session != nil else { return false }
            AgentDriver.fail(&thread, error: error, now: now)
            return true
        } ?? false
    }

    private static let unstartedURL = URL(string: "http://127.0.0.1:0") ?? URL(fileURLWithPath: "/")

    // MARK: Request pipeline

    /// Parses, records, applies faults, handles.
    private static func respond(to request: HTTPRequest, state: SimulatorState) async -> HTTPResponse {
        let sim = await makeSimRequest(request)
        // Counted in flight and delayed outside the state actor, so that delayed requests overlap.
        let latency = state.traffic.begin(sim.service)
        defer { state.traffic.end(sim.service) }
        if latency > 0 { try? await Task.sleep(for: .milliseconds(latency)) }
        let (seq, fault) = await state.arrive(sim)
        if let fault, fault.delaySeconds > 0 {
            try? await Task.sleep(nanoseconds: UInt64(fault.delaySeconds * 1_000_000_000))
        }
        var response: SimResponse
        if let fault, fault.status != nil, !fault.applyAfterDelay {
            response = await state.faultResponse(fault, for: sim)
        } else {
            response = await state.process(sim)
            if let fault, fault.status != nil {
                response = await state.faultResponse(fault, for: sim)
            }
        }
        await state.finish(seq, status: response.status)
        var headers = HTTPHeaders()
        for (name, value) in response.headers { headers.addValue(value, for: HTTPHeader(name)) }
        return HTTPResponse(
            statusCode: HTTPStatusCode(response.status, phrase: SimResponse.phrase(for: response.status)),
            headers: headers,
            body: response.body
        )
    }

    private static func makeSimRequest(_ request: HTTPRequest) async -> SimRequest {
        // The raw (still percent-encoded) target: `request.path` is decoded, which would turn a label
        // name like `area%2Fui` into two segments.
        let raw = request.target.path(percentEncoded: true)
        var segments = raw.split(separator: "/", omittingEmptySubsequences: true)
            .map {
                String($0).removingPercentEncoding ?? String($0)
            }
        let service = SimService(pathPrefix: segments.first)
        if service != .unknown { segments.removeFirst() }
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.rawValue.lowercased()] = value }
        let body = (try? await request.bodyData) ?? Data()
        return SimRequest(
            method: request.method.rawValue.uppercased(),
            service: service,
            segments: segments,
            queryItems: request.query.map { ($0.name, $0.value) },
            headers: headers,
            body: body
        )
    }
}

/// Owns the FlyingFox server and its task.
private actor ServerRunner {
    private var server: HTTPServer?
    private var task: Task<Void, Never>?
    private(set) var baseURL: URL?

    struct NotListening: Error, CustomStringConvertible {
        var description: String { "The simulator's HTTP server did not report a 127.0.0.1 listening address." }
    }

    func start(port: UInt16, handler: @Sendable @escaping (HTTPRequest) async -> HTTPResponse) async throws -> URL {
        if let baseURL { return baseURL }
        let address = try sockaddr_in.inet(ip4: "127.0.0.1", port: port)
        // Long handler timeout so that delay faults can outlast client timeouts.
        let server = HTTPServer(
            config: .init(
                address: address,
                timeout: 600,
                pool: NoDelaySocketPool(base: HTTPServer.defaultPool()),
                logger: .disabled
            )
        )
        await server.appendRoute("*") { request in await handler(request) }
        let task = Task<Void, Never> { _ = try? await server.run() }
        do {
            try await server.waitUntilListening(timeout: 10)
        } catch {
            task.cancel()
            throw error
        }
        guard case .ip4(_, let boundPort)? = await server.listeningAddress,
            let url = URL(string: "http://127.0.0.1:\(boundPort)")
        else {
            await server.stop()
            task.cancel()
            throw NotListening()
        }
        self.server = server
        self.task = task
        self.baseURL = url
        return url
    }

    func stop() async {
        await server?.stop(timeout: 0)
        task?.cancel()
        _ = await task?.value
        server = nil
        task = nil
        baseURL = nil
    }
}
