import Foundation

/// The job-runner part of a scenario: the claude-agent-service job runner under `/jobs`
/// (`POST /jobs/execute`, `GET /jobs/jobs/{id}`, `GET /jobs/health`; facts t3-and-job-runner §2).
///
/// JSON (snake_case, every key optional):
/// ```json
/// "jobs": { "tokens": ["runner-token"], "max_queue_depth": 100, "running_polls": 1,
///           "scripts": {"acme/widgets#1": "push_red_then_green"}, "default_script": "push_green" }
/// ```
/// Without `tokens`, the runner is unconfigured and answers every authenticated route with 401
/// `Service unauthenticated`, as the real one does.
public struct JobRunnerScenario: Sendable, Codable, Equatable {
    public var tokens: [String]
    public var maxQueueDepth: Int
    /// Polls a job stays `running` before it ends.
    public var runningPolls: Int
    public var scripts: [String: RunnerScript]
    public var defaultScript: RunnerScript

    public init(tokens: [String] = [], maxQueueDepth: Int = 100, runningPolls: Int = 1, scripts: [String: RunnerScript] = [:],
                defaultScript: RunnerScript = .pushGreen) {
        self.tokens = tokens
        self.maxQueueDepth = maxQueueDepth
        self.runningPolls = runningPolls
        self.scripts = scripts
        self.defaultScript = defaultScript
    }

    enum CodingKeys: String, CodingKey {
        case tokens, scripts
        case maxQueueDepth = "max_queue_depth"
        case runningPolls = "running_polls"
        case defaultScript = "default_script"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokens = try c.value(.tokens, or: [])
        maxQueueDepth = try c.value(.maxQueueDepth, or: 100)
        runningPolls = try c.value(.runningPolls, or: 1)
        scripts = try c.value(.scripts, or: [:])
        defaultScript = try c.value(.defaultScript, or: .pushGreen)
    }
}

/// One submitted job, as the runner stores it.
public struct SimJob: Sendable, Equatable {
    public var id: String
    public var prompt: String
    public var agent: String
    public var maxBudgetUSD: Double
    public var timeoutSeconds: Int
    public var metadata: [String: String]
    public var status: String
    public var createdAt: String
    var script: RunnerScript
    var polls = 0
    var gone = false
}

/// The simulated job runner.
struct JobRunnerWorld: Sendable {
    var scenario: JobRunnerScenario
    /// Commits scripted agents pushed since the last request; the simulator lands them on the
    /// GitHub world (see `AgentPush`).
    var pendingPushes: [AgentPush] = []
    private(set) var jobs: [SimJob] = []

    init(_ scenario: JobRunnerScenario) {
        self.scenario = scenario
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .double(let d)?: d
        case .int(let i)?: Double(i)
        default: nil
        }
    }

    static func detail(_ status: Int, _ text: String) -> SimResponse { .json(status, .obj(["detail": .string(text)])) }

    mutating func handle(_ request: SimRequest, now: Date) -> SimResponse {
        if request.method == "GET", request.segments == ["health"] {
            let active = jobs.filter { !$0.gone && ($0.status == "queued" || $0.status == "running") }.count
            return .json(200, .obj(["status": .string("ok"), "busy": .bool(active >= 10), "active": .num(active),
                                    "queued": .num(0), "capacity": .num(10)]))
        }
        guard !scenario.tokens.isEmpty else { return Self.detail(401, "Service unauthenticated") }
        guard let auth = request.authorization, auth.scheme == "bearer" else { return Self.detail(401, "Missing bearer token") }
        guard scenario.tokens.contains(auth.credential) else { return Self.detail(401, "Invalid token") }
        switch (request.method, request.segments) {
        case ("POST", ["execute"]): return execute(request, now: now)
        case ("GET", let s) where s.count == 2 && s[0] == "jobs": return read(s[1], now: now)
        default: return Self.detail(404, "Not Found")
        }
    }

    mutating func execute(_ request: SimRequest, now: Date) -> SimResponse {
        guard let body = JSONValue.parse(request.body), body.isObject else {
            return .json(422, .obj(["detail": .array([.obj(["type": .string("json_invalid"), "loc": .array([.string("body")]),
                                                             "msg": .string("JSON decode error")])])]))
        }
        var missing: [JSONValue] = []
        for field in ["prompt", "agent"] where body[field]?.stringValue == nil {
            missing.append(.obj(["type": .string("missing"), "loc": .array([.string("body"), .string(field)]), "msg": .string("Field required")]))
        }
        guard missing.isEmpty else { return .json(422, .obj(["detail": .array(missing)])) }
        let active = jobs.filter { !$0.gone && ($0.status == "queued" || $0.status == "running") }.count
        guard active < scenario.maxQueueDepth else { return Self.detail(429, "Queue full") }
        var metadata: [String: String] = [:]
        if let members = body["metadata"], members.isObject {
            for key in ["afk_run", "repo", "issue"] { if let v = members[key]?.stringValue { metadata[key] = v } }
        }
        let issue = metadata["afk_run"].flatMap(runIssue(fromRunID:))
        let script = issue.map { RunnerScripts(byIssue: scenario.scripts, fallback: scenario.defaultScript).script(owner: $0.owner, repo: $0.repo, number: $0.number) }
            ?? scenario.defaultScript
        let job = SimJob(
            id: SimClock.randomHex(12), prompt: body["prompt"]?.stringValue ?? "", agent: body["agent"]?.stringValue ?? "",
            maxBudgetUSD: Self.number(body["max_budget_usd"]) ?? 5.0, timeoutSeconds: Int(body["timeout_seconds"]?.intValue ?? 2700),
            metadata: metadata, status: "queued", createdAt: SimClock.github(now), script: script)
        jobs.append(job)
        return .json(202, .obj(["job_id": .string(job.id), "status": .string("queued")]))
    }

    /// Reading a job advances it: queued → running → its script's end.
    mutating func read(_ id: String, now: Date) -> SimResponse {
        guard let k = jobs.firstIndex(where: { $0.id == id }), !jobs[k].gone else { return Self.detail(404, "Job not found") }
        jobs[k].polls += 1
        let job = jobs[k]
        if job.status == "queued" {
            jobs[k].status = "running"
        } else if job.status == "running", job.polls > 1 + scenario.runningPolls {
            finish(k, now: now)
        }
        if jobs[k].gone { return Self.detail(404, "Job not found") }
        return .json(200, jobJSON(jobs[k]))
    }

    mutating func finish(_ k: Int, now: Date) {
        let job = jobs[k]
        switch job.script {
        case .neverFinish: return
        case .vanish: jobs[k].gone = true
        case .fail, .budgetExceeded: jobs[k].status = "failed"
        case .timeout: jobs[k].status = "timeout"
        case .pushGreen, .pushRed, .pushRedThenGreen, .noPush:
            jobs[k].status = "completed"
            if let issue = job.metadata["afk_run"].flatMap(runIssue(fromRunID:)),
               let push = job.script.push(owner: issue.owner, repo: issue.repo, number: issue.number,
                                          corrective: job.prompt.contains("CI is red"), seed: job.id) {
                pendingPushes.append(push)
            }
        }
    }

    func jobJSON(_ job: SimJob) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("status", .string(job.status)), ("prompt", .string(job.prompt)), ("agent", .string(job.agent)),
            ("created_at", .string(job.createdAt)),
            ("metadata", .object(job.metadata.sorted { $0.key < $1.key }.map { JSONValue.Member($0.key, .string($0.value)) })),
        ]
        if job.status != "queued" { members.append(("started_at", .string(job.createdAt))) }
        switch job.status {
        case "completed":
            members += [("exit_code", .num(0)), ("output", .array([.string(#"{"type":"result","result":"Done."}"#)])), ("stderr", .string(""))]
        case "failed":
            members += [("exit_code", .num(1)), ("output", .array([])), ("stderr", .string("Error: the agent stopped\n"))]
        default: break
        }
        if job.status == "completed" || job.status == "failed" || job.status == "timeout" {
            members += [("finished_at", .string(job.createdAt)), ("finished_epoch", .num(Int(Date().timeIntervalSince1970)))]
        }
        return .object(members.map { JSONValue.Member($0.0, $0.1) })
    }
}
