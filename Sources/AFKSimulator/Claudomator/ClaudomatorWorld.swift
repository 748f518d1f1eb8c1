import Foundation

/// The Claudomator part of a scenario: its task API under `/claudomator` (facts claudomator.md):
/// `POST /api/tasks`, `POST /api/tasks/{id}/run`, `GET /api/tasks/{id}`, `GET /api/tasks`.
///
/// JSON (snake_case, every key optional):
/// ```json
/// "claudomator": { "tokens": ["cl-token"], "running_polls": 1,
///                  "scripts": {"acme/widgets#1": "budget_exceeded"}, "default_script": "push_green" }
/// ```
/// With no `tokens` the server takes requests without authentication; with some, it wants one
/// of them as `Authorization: Bearer` (401 otherwise).
public struct ClaudomatorScenario: Sendable, Codable, Equatable {
    public var tokens: [String]
    public var runningPolls: Int
    public var scripts: [String: RunnerScript]
    public var defaultScript: RunnerScript

    public init(tokens: [String] = [], runningPolls: Int = 1, scripts: [String: RunnerScript] = [:], defaultScript: RunnerScript = .pushGreen) {
        self.tokens = tokens
        self.runningPolls = runningPolls
        self.scripts = scripts
        self.defaultScript = defaultScript
    }

    enum CodingKeys: String, CodingKey {
        case tokens, scripts
        case runningPolls = "running_polls"
        case defaultScript = "default_script"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokens = try c.value(.tokens, or: [])
        runningPolls = try c.value(.runningPolls, or: 1)
        scripts = try c.value(.scripts, or: [:])
        defaultScript = try c.value(.defaultScript, or: .pushGreen)
    }
}

/// One Claudomator task.
public struct SimTask: Sendable, Equatable {
    public var id: String
    public var name: String
    public var instructions: String
    public var model: String
    public var workingDir: String
    public var maxBudgetUSD: Double
    public var timeout: String
    public var state: String
    public var createdAt: String
    var script: RunnerScript
    var polls = 0
    var gone = false
}

/// The simulated Claudomator server.
struct ClaudomatorWorld: Sendable {
    var scenario: ClaudomatorScenario
    /// Commits scripted agents pushed since the last request; the simulator lands them on the
    /// GitHub world (see `AgentPush`).
    var pendingPushes: [AgentPush] = []
    private(set) var tasks: [SimTask] = []

    init(_ scenario: ClaudomatorScenario) {
        self.scenario = scenario
    }

    static func error(_ status: Int, _ text: String) -> SimResponse { .json(status, .obj(["error": .string(text)])) }

    mutating func handle(_ request: SimRequest, now: Date) -> SimResponse {
        if !scenario.tokens.isEmpty {
            guard let auth = request.authorization, auth.scheme == "bearer", scenario.tokens.contains(auth.credential) else {
                return Self.error(401, "unauthorized")
            }
        }
        switch (request.method, request.segments) {
        case ("GET", ["api", "tasks"]):
            return .json(200, .array(tasks.filter { !$0.gone }.map(taskJSON)))
        case ("POST", ["api", "tasks"]):
            return create(request, now: now)
        case ("GET", let s) where s.count == 3 && s[0] == "api" && s[1] == "tasks":
            return read(s[2], now: now)
        case ("POST", let s) where s.count == 4 && s[0] == "api" && s[1] == "tasks" && s[3] == "run":
            guard let k = tasks.firstIndex(where: { $0.id == s[2] }), !tasks[k].gone else { return Self.error(404, "task not found") }
            guard tasks[k].state == "PENDING" || tasks[k].state == "FAILED" else {
                return Self.error(409, "task is \(tasks[k].state)")
            }
            tasks[k].state = "QUEUED"
            tasks[k].polls = 0
            return .json(202, taskJSON(tasks[k]))
        default:
            return Self.error(404, "not found")
        }
    }

    mutating func create(_ request: SimRequest, now: Date) -> SimResponse {
        guard let body = JSONValue.parse(request.body), body.isObject, let name = body["name"]?.stringValue, !name.isEmpty,
              let claude = body["claude"], claude.isObject, let instructions = claude["instructions"]?.stringValue
        else { return Self.error(400, "invalid task: name and claude.instructions are required") }
        let issue = runIssue(fromRunID: name)
        let script = issue.map { RunnerScripts(byIssue: scenario.scripts, fallback: scenario.defaultScript).script(owner: $0.owner, repo: $0.repo, number: $0.number) }
            ?? scenario.defaultScript
        let budget: Double = switch claude["max_budget_usd"] {
        case .double(let d)?: d
        case .int(let i)?: Double(i)
        default: 0
        }
        let task = SimTask(
            id: UUID().uuidString.lowercased(), name: name, instructions: instructions, model: claude["model"]?.stringValue ?? "",
            workingDir: claude["working_dir"]?.stringValue ?? "", maxBudgetUSD: budget, timeout: body["timeout"]?.stringValue ?? "",
            state: "PENDING", createdAt: SimClock.github(now), script: script)
        tasks.append(task)
        return .json(201, taskJSON(task))
    }

    /// Reading a task advances it: QUEUED → RUNNING → its script's end.
    mutating func read(_ id: String, now: Date) -> SimResponse {
        guard let k = tasks.firstIndex(where: { $0.id == id }), !tasks[k].gone else { return Self.error(404, "task not found") }
        tasks[k].polls += 1
        switch tasks[k].state {
        case "QUEUED": tasks[k].state = "RUNNING"
        case "RUNNING" where tasks[k].polls > 1 + scenario.runningPolls: finish(k)
        default: break
        }
        if tasks[k].gone { return Self.error(404, "task not found") }
        return .json(200, taskJSON(tasks[k]))
    }

    mutating func finish(_ k: Int) {
        let task = tasks[k]
        switch task.script {
        case .neverFinish: return
        case .vanish: tasks[k].gone = true
        case .fail: tasks[k].state = "FAILED"
        case .timeout: tasks[k].state = "TIMED_OUT"
        case .budgetExceeded: tasks[k].state = "BUDGET_EXCEEDED"
        case .pushGreen, .pushRed, .pushRedThenGreen, .noPush:
            tasks[k].state = "COMPLETED"
            if let issue = runIssue(fromRunID: task.name),
               let push = task.script.push(owner: issue.owner, repo: issue.repo, number: issue.number,
                                           corrective: task.name.contains("-turn"), seed: task.id) {
                pendingPushes.append(push)
            }
        }
    }

    func taskJSON(_ task: SimTask) -> JSONValue {
        .obj([
            "id": .string(task.id), "name": .string(task.name), "state": .string(task.state),
            "claude": .obj(["model": .string(task.model), "instructions": .string(task.instructions),
                            "working_dir": .string(task.workingDir), "max_budget_usd": .double(task.maxBudgetUSD)]),
            "timeout": .string(task.timeout), "priority": .string("normal"), "created_at": .string(task.createdAt),
        ])
    }
}
