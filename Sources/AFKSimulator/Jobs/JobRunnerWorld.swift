import Foundation

/// The job-runner part of a scenario: the claude-agent-service job runner under `/jobs`
/// (`POST /jobs/execute`, `GET /jobs/jobs/{id}`, `GET /jobs/health`; `app/main.py` in
/// https://github.com/ViktorBarzin/claude-agent-service).
///
/// JSON (snake_case, every key optional):
/// ```json
/// "jobs": { "tokens": ["runner-token"], "max_queue_depth": 100, "max_concurrency": 10,
///           "running_polls": 1, "scripts": {"acme/widgets#1": "push_red_then_green"},
///           "default_script": "push_green" }
/// ```
/// - `tokens`: bearer tokens accepted (the runner's `API_BEARER_TOKEN`). Without any, the runner
///   is unconfigured and answers every authenticated route with 401 `Service unauthenticated`,
///   as the real one does. Default none.
/// - `max_queue_depth`: `MAX_QUEUE_DEPTH`; at this many queued + running jobs, `/execute`
///   answers 429 `Queue full`. Default 100.
/// - `max_concurrency`: `MAX_CONCURRENCY`; at most this many jobs run, the rest stay `queued`
///   (FIFO). Reported by `/health` as `capacity`. Default 10.
/// - `running_polls`: reads a job stays `running` before it ends. Default 1.
/// - `scripts`: `owner/name#N` → ``RunnerScript``, chosen from the job's `metadata.afk_run`
///   (afk's run id) when it is submitted.
/// - `default_script`: for every other job. Default `push_green`.
public struct JobRunnerScenario: Sendable, Codable, Equatable {
    public var tokens: [String]
    public var maxQueueDepth: Int
    public var maxConcurrency: Int
    /// Reads a job stays `running` before it ends.
    public var runningPolls: Int
    public var scripts: [String: RunnerScript]
    public var defaultScript: RunnerScript

    /// Creates the job-runner part of a scenario; see the type for each field.
    public init(
        tokens: [String] = [],
        maxQueueDepth: Int = 100,
        maxConcurrency: Int = 10,
        runningPolls: Int = 1,
        scripts: [String: RunnerScript] = [:],
        defaultScript: RunnerScript = .pushGreen
    ) {
        self.tokens = tokens
        self.maxQueueDepth = maxQueueDepth
        self.maxConcurrency = maxConcurrency
        self.runningPolls = runningPolls
        self.scripts = scripts
        self.defaultScript = defaultScript
    }

    enum CodingKeys: String, CodingKey {
        case tokens, scripts
        case maxQueueDepth = "max_queue_depth"
        case maxConcurrency = "max_concurrency"
        case runningPolls = "running_polls"
        case defaultScript = "default_script"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokens = try c.value(.tokens, or: [])
        maxQueueDepth = try c.value(.maxQueueDepth, or: 100)
        maxConcurrency = try c.value(.maxConcurrency, or: 10)
        runningPolls = try c.value(.runningPolls, or: 1)
        scripts = try c.value(.scripts, or: [:])
        defaultScript = try c.value(.defaultScript, or: .pushGreen)
    }
}

/// One submitted job, as the runner stores it.
public struct SimJob: Sendable, Equatable {
    /// 12 hex digits, as `uuid4().hex[:12]`.
    public var id: String
    public var prompt: String
    public var agent: String
    public var maxBudgetUSD: Double
    public var timeoutSeconds: Int
    /// The string members of the submitted `metadata` (afk sends `afk_run`, `repo`, `issue`).
    public var metadata: [String: String]
    /// `queued`, `running`, `completed`, `failed`, `timeout` or `error`.
    public var status: String
    public var createdAt: String
    /// The script it follows.
    public var script: RunnerScript
    /// True once it vanished (the `vanish` script, ``Simulator/evictJob(_:)``, or a runner
    /// restart): it answers 404 from then on.
    public var gone = false
    var polls = 0
    var finishedAt: Date?
    /// Another job of the same afk run came first: this one is a corrective turn.
    var corrective = false
    /// What the agent reports instead of "Done." when the forge refused its push.
    var refusal: String?
}

/// The simulated job runner: auth, validation, queueing and job progress as `app/main.py` does
/// them, with ``RunnerScript``s standing in for the agent.
struct JobRunnerWorld: Sendable {
    var scenario: JobRunnerScenario
    /// Commits scripted agents pushed since the last request; the simulator lands them on the
    /// forge (see `AgentPush`).
    var pendingPushes: [AgentPush] = []
    /// The forge's push rules, set by the simulator before each request.
    var pushGuard = PushGuard()
    var jobs: [SimJob] = []

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

    /// FastAPI's `HTTPException` body.
    static func detail(_ status: Int, _ text: String) -> SimResponse { .json(status, .obj(["detail": .string(text)])) }

    /// A FastAPI validation error (422).
    static func invalid(_ errors: [(type: String, loc: [String], msg: String)]) -> SimResponse {
        .json(
            422,
            .obj([
                "detail": .array(
                    errors.map { e in
                        .obj([
                            "type": .string(e.type), "loc": .array(e.loc.map(JSONValue.string)), "msg": .string(e.msg),
                        ])
                    }
                )
            ])
        )
    }

    /// Python's `datetime.now(timezone.utc).isoformat()` shape.
    static func isoformat(_ date: Date) -> String {
        let text = SimClock.github(date)  // 2026-11-23T10:00:00Z
        return text.hasSuffix("Z") ? String(text.dropLast()) + ".000000+00:00" : text
    }

    var live: [SimJob] { jobs.filter { !$0.gone } }
    var runningCount: Int { live.filter { $0.status == "running" }.count }
    var queuedCount: Int { live.filter { $0.status == "queued" }.count }

    typealias Handler = WorldHandler<JobRunnerWorld, Date>

    /// The operations `app/main.py` serves. `GET /health` needs no token.
    static let router = Router<Handler>([
        .get("/health", anonymous: true) { world, _ in
            let active = world.runningCount
            return .json(
                200,
                .obj([
                    "status": .string("ok"), "busy": .bool(active >= world.scenario.maxConcurrency),
                    "active": .num(active),
                    "queued": .num(world.queuedCount), "capacity": .num(world.scenario.maxConcurrency),
                ])
            )
        },
        .post("/execute") { world, call in world.execute(call.request, now: call.now) },
        .get("/jobs/{job_id}") { world, call in world.read(call["job_id"], now: call.now) },
    ])

    /// `GET /health`, then the bearer token (401s as the runner words them), then the routes: another method on a
    /// known path is FastAPI's 405, an unknown path its 404.
    mutating func handle(_ request: SimRequest, now: Date) -> SimResponse {
        if case .found(let handler, let parameters) = Self.router.match(
            request.method,
            request.segments,
            anonymous: true
        ) {
            return handler(&self, RouteCall(request: request, parameters: parameters, context: now))
        }
        guard !scenario.tokens.isEmpty else { return Self.detail(401, "Service unauthenticated") }
        guard let auth = request.authorization, auth.scheme == "bearer" else {
            return Self.detail(401, "Missing bearer token")
        }
        guard scenario.tokens.contains(auth.credential) else { return Self.detail(401, "Invalid token") }
        switch Self.router.match(request.method, request.segments) {
        case .found(let handler, let parameters):
            return handler(&self, RouteCall(request: request, parameters: parameters, context: now))
        case .wrongMethod: return Self.detail(405, "Method Not Allowed")
        case .notFound: return Self.detail(404, "Not Found")
        }
    }

    mutating func execute(_ request: SimRequest, now: Date) -> SimResponse {
        guard let body = JSONValue.parse(request.body), body.isObject else {
            return Self.invalid([("json_invalid", ["body"], "JSON decode error")])
        }
        var errors: [(type: String, loc: [String], msg: String)] = []
        for field in ["prompt", "agent"] {
            if body[field] == nil || body[field]?.isNull == true {
                errors.append(("missing", ["body", field], "Field required"))
            } else if body[field]?.stringValue == nil {
                errors.append(("string_type", ["body", field], "Input should be a valid string"))
            }
        }
        if let budget = body["max_budget_usd"], !budget.isNull, Self.number(budget) == nil {
            errors.append(("float_parsing", ["body", "max_budget_usd"], "Input should be a valid number"))
        }
        if let timeout = body["timeout_seconds"], !timeout.isNull, timeout.intValue == nil {
            errors.append(("int_parsing", ["body", "timeout_seconds"], "Input should be a valid integer"))
        }
        if let metadata = body["metadata"], !metadata.isNull, !metadata.isObject {
            errors.append(("dict_type", ["body", "metadata"], "Input should be a valid dictionary"))
        }
        guard errors.isEmpty else { return Self.invalid(errors) }
        guard runningCount + queuedCount < scenario.maxQueueDepth else { return Self.detail(429, "Queue full") }
        var metadata: [String: String] = [:]
        for (key, value) in body["metadata"]?.objectValue ?? [:] {
            if let text = value.stringValue { metadata[key] = text }
        }
        let issue = metadata["afk_run"].flatMap(runIssue(fromRunID:))
        let script =
            issue.map {
                RunnerScripts(byIssue: scenario.scripts, fallback: scenario.defaultScript)
                    .script(owner: $0.owner, repo: $0.repo, number: $0.number)
            }
            ?? scenario.defaultScript
        let earlier = metadata["afk_run"].map { run in jobs.contains { $0.metadata["afk_run"] == run } } ?? false
        let job = SimJob(
            id: SimClock.randomHex(12),
            prompt: body["prompt"]?.stringValue ?? "",
            agent: body["agent"]?.stringValue ?? "",
            maxBudgetUSD: Self.number(body["max_budget_usd"]) ?? 5.0,
            timeoutSeconds: Int(body["timeout_seconds"]?.intValue ?? 2700),
            metadata: metadata,
            status: "queued",
            createdAt: Self.isoformat(now),
            script: script,
            corrective: earlier
        )
        jobs.append(job)
        return .json(202, .obj(["job_id": .string(job.id), "status": .string("queued")]))
    }

    /// Reading a job advances it: queued → running (while a slot is free) → its script's end.
    mutating func read(_ id: String, now: Date) -> SimResponse {
        guard let k = jobs.firstIndex(where: { $0.id == id }), !jobs[k].gone else {
            return Self.detail(404, "Job not found")
        }
        jobs[k].polls += 1
        switch jobs[k].status {
        case "queued" where runningCount < scenario.maxConcurrency:
            jobs[k].status = "running"
            jobs[k].polls = 1
        case "running" where jobs[k].polls > scenario.runningPolls + 1:
            finish(k, now: now)
        default:
            break
        }
        if jobs[k].gone { return Self.detail(404, "Job not found") }
        return .json(200, jobJSON(jobs[k]))
    }

    mutating func finish(_ k: Int, now: Date) {
        let job = jobs[k]
        switch job.script {
        case .neverFinish: return
        case .vanish:
            jobs[k].gone = true
            return
        case .fail, .budgetExceeded: jobs[k].status = "failed"
        case .timeout: jobs[k].status = "timeout"
        case .setupError: jobs[k].status = "error"
        case .pushGreen, .pushRed, .pushRedThenGreen, .noPush:
            jobs[k].status = "completed"
            if let issue = job.metadata["afk_run"].flatMap(runIssue(fromRunID:)),
                let push = job.script.push(
                    owner: issue.owner,
                    repo: issue.repo,
                    number: issue.number,
                    corrective: job.corrective,
                    seed: job.id,
                    instructions: job.prompt
                )
            {
                if let refusal = pushGuard.refusal(owner: push.owner, repo: push.repo, branch: push.branch) {
                    jobs[k].refusal = push.refusedText(refusal)
                } else {
                    pendingPushes.append(push)
                }
            }
        }
        jobs[k].finishedAt = now
    }

    /// The forge refused the push job `id` made: its result says so.
    mutating func pushRefused(_ id: String, text: String) {
        guard let k = jobs.firstIndex(where: { $0.id == id }) else { return }
        jobs[k].refusal = text
    }

    /// Sets a job's status by hand (a control method); ending statuses stamp `finished_at`.
    mutating func force(_ id: String, status: String, now: Date) -> Bool {
        guard let k = jobs.firstIndex(where: { $0.id == id }) else { return false }
        jobs[k].status = status
        jobs[k].gone = false
        jobs[k].finishedAt = ["completed", "failed", "timeout", "error"].contains(status) ? now : nil
        return true
    }

    /// The stored job dict, with the fields `app/main.py` stores for its status.
    func jobJSON(_ job: SimJob) -> JSONValue {
        var members: [String: JSONValue] = [
            "status": .string(job.status), "prompt": .string(job.prompt), "agent": .string(job.agent),
            "created_at": .string(job.createdAt),
            "metadata": job.metadata.isEmpty ? .null : .object(job.metadata.mapValues(JSONValue.string)),
        ]
        if job.status != "queued" { members["started_at"] = .string(job.createdAt) }
        switch job.status {
        case "completed":
            let result =
                JSONValue.obj([
                    "type": .string("result"), "subtype": .string("success"), "is_error": .bool(false),
                    "result": .string(job.refusal ?? "Done."), "total_cost_usd": .double(0.42),
                ])
                .text
            members["exit_code"] = .num(0)
            members["output"] = .array([.string(result)])
            members["stderr"] = .string("")
        case "failed":
            let stderr =
                job.script == .budgetExceeded
                ? "Error: exceeded the max budget of \(job.maxBudgetUSD) USD\n" : "Error: the agent stopped\n"
            members["exit_code"] = .num(1)
            members["output"] = .array([])
            members["stderr"] = .string(stderr)
        case "error":
            members["error"] = .string("workspace setup failed: git clone --local exited with status 128")
        default: break
        }
        if ["completed", "failed", "timeout", "error"].contains(job.status) {
            let finished = job.finishedAt ?? Date(timeIntervalSince1970: 0)
            members["finished_at"] = .string(Self.isoformat(finished))
            members["finished_epoch"] = .double(finished.timeIntervalSince1970)
        }
        return .object(members)
    }
}
