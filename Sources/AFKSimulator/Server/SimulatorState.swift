import Foundation

/// All simulator state, serialised by the actor: the forge and every other service's world, the doorbell sinks,
/// the request log and pending faults.
actor SimulatorState {
    var forge: ForgeWorld
    var t3: T3World
    var sinks: NotificationSinks
    /// How the `/forgejo` view of the forge behaves.
    var forgejo: ForgejoScenario
    var woodpecker: WoodpeckerWorld
    var kubernetes: KubernetesWorld
    var jobs: JobRunnerWorld
    var claudomator: ClaudomatorWorld
    /// Latency and requests in flight per service, read and written without the actor (`TrafficMeter.swift`).
    let traffic = TrafficMeter()
    private(set) var log: [RecordedRequest] = []
    private(set) var faults: [Fault] = []
    private var nextSeq = 1
    private var baseURL = "http://127.0.0.1"

    init(scenario: Scenario) {
        forge = ForgeWorld(scenario.github, now: Date())
        t3 = T3World(scenario.t3)
        sinks = NotificationSinks(ntfy: scenario.ntfy, slack: scenario.slack)
        forgejo = scenario.forgejo
        woodpecker = WoodpeckerWorld(scenario.woodpecker)
        kubernetes = KubernetesWorld(scenario.kubernetes)
        jobs = JobRunnerWorld(scenario.jobs)
        claudomator = ClaudomatorWorld(scenario.claudomator)
        traffic.setLatency(scenario.latencyMs)
    }

    func setBaseURL(_ url: String) {
        baseURL = url
        forge.apiBase = url + "/github"
    }

    func load(_ scenario: Scenario) {
        forge = ForgeWorld(scenario.github, now: Date())
        forge.apiBase = baseURL + "/github"
        t3 = T3World(scenario.t3)
        forgejo = scenario.forgejo
        woodpecker = WoodpeckerWorld(scenario.woodpecker)
        kubernetes = KubernetesWorld(scenario.kubernetes)
        jobs = JobRunnerWorld(scenario.jobs)
        claudomator = ClaudomatorWorld(scenario.claudomator)
        traffic.setLatency(scenario.latencyMs)
        // Delivered notifications are kept, like the request log.
        let delivered = sinks.delivered
        sinks = NotificationSinks(ntfy: scenario.ntfy, slack: scenario.slack)
        sinks.delivered = delivered
    }

    var scenario: Scenario {
        Scenario(
            github: forge.scenario,
            t3: t3.scenario,
            ntfy: sinks.ntfy,
            slack: sinks.slack,
            forgejo: forgejo,
            woodpecker: woodpecker.scenario,
            kubernetes: kubernetes.scenario,
            jobs: jobs.scenario,
            claudomator: claudomator.scenario,
            latencyMs: traffic.latency
        )
    }

    var notifications: [SimNotification] { sinks.delivered }

    func clearNotifications() { sinks.delivered.removeAll() }

    // MARK: Request log and faults

    /// Records the request and claims the first matching fault (decrementing its `times`).
    func arrive(_ request: SimRequest) -> (seq: Int, fault: Fault?) {
        let seq = nextSeq
        nextSeq += 1
        log.append(
            RecordedRequest(
                seq: seq,
                method: request.method,
                path: request.path,
                query: request.query,
                service: request.service,
                body: request.bodyText,
                status: 0,
                hadAuthorization: request.header("authorization") != nil
            )
        )
        guard
            let k = faults.firstIndex(where: {
                $0.times > 0
                    && $0.matches(
                        service: request.service,
                        method: request.method,
                        path: request.path,
                        body: String(decoding: request.body, as: UTF8.self)
                    )
            })
        else { return (seq, nil) }
        let fault = faults[k]
        faults[k].times -= 1
        if faults[k].times <= 0 { faults.remove(at: k) }
        log[log.count - 1].faulted = true
        return (seq, fault)
    }

    func finish(_ seq: Int, status: Int) {
        if let k = log.lastIndex(where: { $0.seq == seq }) { log[k].status = status }
    }

    func clearLog() { log.removeAll() }

    func inject(_ fault: Fault) {
        guard fault.times > 0 else { return }
        faults.append(fault)
    }

    func clearFaults() { faults.removeAll() }

    /// The response a fault answers with; GitHub faults still carry the standard headers.
    func faultResponse(_ fault: Fault, for request: SimRequest) -> SimResponse {
        var response = SimResponse(status: fault.status ?? 500, body: Data((fault.body ?? "").utf8))
        for (name, value) in fault.headers { response.setHeader(name, value) }
        if request.service == .github {
            let login = request.authorization.flatMap { forge.tokens[$0.credential] }
            forge.applyStandardHeaders(&response, login: login)
        } else if response.header("content-type") == nil, !response.body.isEmpty {
            response.setHeader(
                "content-type",
                request.service == .slack ? "text/plain; charset=utf-8" : "application/json"
            )
        }
        return response
    }

    // MARK: Routing

    func process(_ request: SimRequest) -> SimResponse {
        let now = Date()
        switch request.service {
        case .github: return forge.handleGitHub(request, now: now)
        case .forgejo: return forge.handleForgejo(request, config: forgejo, appURL: baseURL + "/forgejo/", now: now)
        case .t3:
            t3.pushGuard = forge.pushGuard
            let response = t3.handle(request, now: now)
            for (push, refusal) in applyAgentPushes(now: now) {
                t3.pushRefused(threadId: push.origin, text: push.refusedText(refusal))
            }
            return response
        case .woodpecker: return woodpecker.handle(request, now: now)
        case .k8s: return kubernetes.handle(request, now: now)
        case .jobs:
            jobs.pushGuard = forge.pushGuard
            let response = jobs.handle(request, now: now)
            for (push, refusal) in applyPushes(jobs.pendingPushes, now: now) {
                jobs.pushRefused(push.origin, text: push.refusedText(refusal))
            }
            jobs.pendingPushes.removeAll()
            return response
        case .claudomator:
            let response = claudomator.handle(request, now: now)
            applyPushes(claudomator.pendingPushes, now: now)
            claudomator.pendingPushes.removeAll()
            return response
        case .ntfy: return sinks.handleNtfy(request, now: now)
        case .slack: return sinks.handleSlack(request, now: now)
        case .sim: return control(request)
        case .unknown: return SimResponse(status: 404)
        }
    }

    private func encoded<T: Encodable>(_ value: T) -> SimResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(value) else { return SimResponse(status: 500) }
        return SimResponse(status: 200, headers: [("content-type", "application/json")], body: data)
    }

    private func controlError(_ status: Int, _ message: String) -> SimResponse {
        .json(status, .obj(["error": .string(message)]))
    }

    typealias ControlHandler = @Sendable (isolated SimulatorState, RouteCall<Void>) -> SimResponse

    /// `/_sim/…` control endpoints for shell use.
    static let controlRouter = Router<ControlHandler>([
        .get("/requests") { state, _ in state.encoded(state.log) },
        .delete("/requests") { state, _ in
            state.log.removeAll()
            return SimResponse(status: 204)
        },
        .get("/faults") { state, _ in state.encoded(state.faults) },
        .delete("/faults") { state, _ in
            state.faults.removeAll()
            return SimResponse(status: 204)
        },
        .post("/faults") { state, call in
            let decoder = JSONDecoder()
            let list: [Fault]
            if let many = try? decoder.decode([Fault].self, from: call.request.body) {
                list = many
            } else if let one = try? decoder.decode(Fault.self, from: call.request.body) {
                list = [one]
            } else {
                return state.controlError(400, "Expected a fault object or an array of faults.")
            }
            list.forEach(state.inject)
            return .json(201, .obj(["injected": .num(list.count)]))
        },
        .get("/state") { state, _ in state.encoded(state.scenario) },
        .get("/notifications") { state, _ in state.encoded(state.sinks.delivered) },
        .delete("/notifications") { state, _ in
            state.sinks.delivered.removeAll()
            return SimResponse(status: 204)
        },
        .post("/scenario") { state, call in
            do {
                state.load(try Scenario.decode(fromJSON: call.request.body))
                return .json(200, .obj(["loaded": .bool(true)]))
            } catch {
                return state.controlError(400, "Invalid scenario: \(error).")
            }
        },
    ])

    private func control(_ request: SimRequest) -> SimResponse {
        guard case .found(let handler, let parameters) = Self.controlRouter.match(request.method, request.segments)
        else {
            return controlError(404, "Unknown control endpoint.")
        }
        return handler(self, RouteCall(request: request, parameters: parameters, context: ()))
    }
}

// MARK: - Swift-side helpers

extension SimulatorState {
    func issue(_ owner: String, _ repo: String, _ number: Int) -> SimIssue? {
        guard let r = forge.repoIndex(owner, repo), let i = forge.issueIndex(repo: r, number: number) else {
            return nil
        }
        return forge.repos[r].issues[i]
    }

    func mutateIssue<T>(
        _ owner: String,
        _ repo: String,
        _ number: Int,
        _ body: (inout ForgeWorld, Int, Int, Date) -> T
    ) -> T? {
        guard let r = forge.repoIndex(owner, repo), let i = forge.issueIndex(repo: r, number: number) else {
            return nil
        }
        return body(&forge, r, i, Date())
    }

    func putIssue(_ owner: String, _ repo: String, _ issue: SimIssue) -> Bool {
        guard let r = forge.repoIndex(owner, repo) else { return false }
        var scenario = forge.scenario
        scenario.repos[r].issues.removeAll { $0.number == issue.number }
        scenario.repos[r].issues.append(issue)
        var world = ForgeWorld(scenario, now: Date())
        world.apiBase = forge.apiBase
        world.rateUsed = forge.rateUsed
        world.rateReset = forge.rateReset
        world.fleet = forge.fleet
        forge = world
        return true
    }

    func mutateThread<T>(_ threadId: String, _ body: (inout SimThread, Date) -> T) -> T? {
        guard let t = t3.config.threads.firstIndex(where: { $0.id == threadId }) else { return nil }
        return body(&t3.config.threads[t], Date())
    }

    func setAgentScript(_ script: AgentScript, forThread threadId: String) {
        t3.threadScripts[threadId] = script
    }

    func setDefaultAgentScript(_ script: AgentScript) {
        t3.config.defaultAgentScript = script
    }

    /// Applies the commits the scripted agent pushed during the last T3 request: the commit, then check run
    /// `build` as the script's CI says.
    /// - Returns: The pushes the forge refused, with what `git push` printed.
    @discardableResult
    func applyAgentPushes(now: Date) -> [(push: AgentPush, refusal: String)] {
        let pushes = t3.pendingPushes
        t3.pendingPushes.removeAll()
        return applyPushes(pushes, now: now)
    }

    /// Lands what scripted agents pushed (any runtime) on the forge, with their CI. A push to a branch that
    /// requires pull requests is refused (not applied), as `git push` to a protected branch is.
    /// - Returns: The refused pushes, with what `git push` printed.
    @discardableResult
    func applyPushes(_ pushes: [AgentPush], now: Date) -> [(push: AgentPush, refusal: String)] {
        var refused: [(push: AgentPush, refusal: String)] = []
        for push in pushes {
            guard let r = forge.repoIndex(push.owner, push.repo) else { continue }
            let repo = forge.repos[r]
            let branch = push.branch ?? repo.defaultBranch
            if let refusal = forge.pushRefusal(repo: r, branch: branch) {
                refused.append((push, refusal))
                continue
            }
            let sha = forge.pushCommit(
                repo: r,
                branch: branch,
                message: push.message(owner: repo.owner, repo: repo.name),
                sha: push.sha,
                author: "afk-bot",
                at: now
            )
            woodpecker.commitPushed(
                owner: repo.owner,
                repo: repo.name,
                branch: branch,
                defaultBranch: repo.defaultBranch,
                sha: sha,
                now: now
            )
            kubernetes.commitPushed(
                owner: repo.owner,
                repo: repo.name,
                branch: branch,
                defaultBranch: repo.defaultBranch,
                sha: sha,
                now: now
            )
            forge.applyCI(push.ci, repo: r, sha: sha, now: now)
        }
        return refused
    }

    func pushCommit(
        _ owner: String,
        _ repo: String,
        branch: String,
        message: String,
        sha: String?,
        author: String,
        at date: Date
    ) -> String? {
        guard let r = forge.repoIndex(owner, repo) else { return nil }
        let pushed = forge.pushCommit(repo: r, branch: branch, message: message, sha: sha, author: author, at: date)
        let canonical = forge.repos[r]
        woodpecker.commitPushed(
            owner: canonical.owner,
            repo: canonical.name,
            branch: branch,
            defaultBranch: canonical.defaultBranch,
            sha: pushed,
            now: date
        )
        kubernetes.commitPushed(
            owner: canonical.owner,
            repo: canonical.name,
            branch: branch,
            defaultBranch: canonical.defaultBranch,
            sha: pushed,
            now: date
        )
        return pushed
    }

    func setCheckRun(_ owner: String, _ repo: String, sha: String, name: String, status: String, conclusion: String?)
        -> Bool
    {
        guard let r = forge.repoIndex(owner, repo) else { return false }
        forge.setCheckRun(repo: r, sha: sha, name: name, status: status, conclusion: conclusion, at: Date())
        return true
    }

    func setStatus(_ owner: String, _ repo: String, sha: String, context: String, state: String, description: String?)
        -> Bool
    {
        guard let r = forge.repoIndex(owner, repo) else { return false }
        forge.addStatus(
            repo: r,
            sha: sha,
            context: context,
            state: state,
            description: description,
            creator: "octocat",
            at: Date()
        )
        return true
    }

    func commits(_ owner: String, _ repo: String, branch: String?) -> [SimCommit] {
        guard let r = forge.repoIndex(owner, repo) else { return [] }
        return forge.repos[r].branches[branch ?? forge.repos[r].defaultBranch] ?? []
    }
}
