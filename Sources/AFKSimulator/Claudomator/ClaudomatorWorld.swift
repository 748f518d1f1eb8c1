import Foundation

/// The Claudomator part of a scenario: its task API under `/claudomator` (as Claudomator's own CLAUDE.md describes it):
/// `POST /api/tasks`, `POST /api/tasks/{id}/run`, and the inferred `GET /api/tasks/{id}` and
/// `GET /api/tasks`.
///
/// JSON (snake_case, every key optional):
/// ```json
/// "claudomator": { "tokens": ["cl-token"], "running_polls": 1, "list_supported": true,
///                  "scripts": {"acme/widgets#1": "budget_exceeded"}, "default_script": "push_green" }
/// ```
/// - `tokens`: with none (the default) the server takes requests without authentication; with
///   some, it wants one of them as `Authorization: Bearer` (401 `{"error":"unauthorized"}`
///   otherwise).
/// - `running_polls`: reads a task stays `RUNNING` before it ends. Default 1.
/// - `list_supported`: false makes `GET /api/tasks` answer 404 (`404 page not found`, Go's
///   default), as a server without the inferred listing would. Default true.
/// - `scripts`: `owner/name#N` → ``RunnerScript``, chosen from the task's `name` (afk's run id)
///   when it is created.
/// - `default_script`: for every other task. Default `push_green`.
///
/// What the real server answers is partly inferred (it has no public API reference): errors are modelled as Go
/// services usually write them, `{"error": "…"}`, and the state field as `state`.
public struct ClaudomatorScenario: Sendable, Codable, Equatable {
    public var tokens: [String]
    public var runningPolls: Int
    public var listSupported: Bool
    public var scripts: [String: RunnerScript]
    public var defaultScript: RunnerScript

    /// Creates the Claudomator part of a scenario; see the type for each field.
    public init(
        tokens: [String] = [],
        runningPolls: Int = 1,
        listSupported: Bool = true,
        scripts: [String: RunnerScript] = [:],
        defaultScript: RunnerScript = .pushGreen
    ) {
        self.tokens = tokens
        self.runningPolls = runningPolls
        self.listSupported = listSupported
        self.scripts = scripts
        self.defaultScript = defaultScript
    }

    enum CodingKeys: String, CodingKey {
        case tokens, scripts
        case runningPolls = "running_polls"
        case listSupported = "list_supported"
        case defaultScript = "default_script"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokens = try c.value(.tokens, or: [])
        runningPolls = try c.value(.runningPolls, or: 1)
        listSupported = try c.value(.listSupported, or: true)
        scripts = try c.value(.scripts, or: [:])
        defaultScript = try c.value(.defaultScript, or: .pushGreen)
    }
}

/// One Claudomator task.
public struct SimTask: Sendable, Equatable {
    /// A UUID, lower case.
    public var id: String
    public var name: String
    public var instructions: String
    public var model: String
    public var workingDir: String
    public var maxBudgetUSD: Double
    public var permissionMode: String?
    /// As submitted, e.g. `"2700s"`.
    public var timeout: String
    public var priority: String
    public var tags: [String]
    /// PENDING, QUEUED, RUNNING, COMPLETED, FAILED, TIMED_OUT, CANCELLED, BUDGET_EXCEEDED, READY
    /// or BLOCKED.
    public var state: String
    public var createdAt: String
    /// Why it failed (FAILED only).
    public var error: String?
    /// The script it follows.
    public var script: RunnerScript
    /// True once deleted (the `vanish` script or ``Simulator/deleteClaudomatorTask(_:)``): 404
    /// from then on, and absent from the list.
    public var gone = false
    var polls = 0
}

/// The simulated Claudomator server, with ``RunnerScript``s standing in for the agent.
struct ClaudomatorWorld: Sendable {
    var scenario: ClaudomatorScenario
    /// Commits scripted agents pushed since the last request; the simulator lands them on the
    /// forge (see `AgentPush`).
    var pendingPushes: [AgentPush] = []
    var tasks: [SimTask] = []

    init(_ scenario: ClaudomatorScenario) {
        self.scenario = scenario
    }

    static func error(_ status: Int, _ text: String) -> SimResponse { .json(status, .obj(["error": .string(text)])) }

    typealias Handler = WorldHandler<ClaudomatorWorld, Date>

    /// The task API: create, run and read a task, and the inferred listing (404 when the scenario says the server
    /// has none).
    static let router = Router<Handler>([
        .get("/api/tasks") { world, _ in
            guard world.scenario.listSupported else { return Self.notFound }
            return .json(200, .array(world.tasks.filter { !$0.gone }.map(world.taskJSON)))
        },
        .post("/api/tasks") { world, call in world.create(call.request, now: call.now) },
        .get("/api/tasks/{id}") { world, call in world.read(call["id"]) },
        .post("/api/tasks/{id}/run") { world, call in world.run(call["id"]) },
    ])

    /// The token first (when the scenario has any), then the routes; anything else is Go's 404, whatever the method.
    mutating func handle(_ request: SimRequest, now: Date) -> SimResponse {
        if !scenario.tokens.isEmpty {
            guard let auth = request.authorization, auth.scheme == "bearer", scenario.tokens.contains(auth.credential)
            else {
                return Self.error(401, "unauthorized")
            }
        }
        guard case .found(let handler, let parameters) = Self.router.match(request.method, request.segments) else {
            return Self.notFound
        }
        return handler(&self, RouteCall(request: request, parameters: parameters, context: now))
    }

    /// Go's `http.NotFound`.
    static let notFound = SimResponse(
        status: 404,
        headers: [("content-type", "text/plain; charset=utf-8")],
        body: Data("404 page not found\n".utf8)
    )

    mutating func create(_ request: SimRequest, now: Date) -> SimResponse {
        guard let body = JSONValue.parse(request.body), body.isObject else {
            return Self.error(400, "invalid JSON body")
        }
        guard let name = body["name"]?.stringValue, !name.isEmpty else { return Self.error(400, "name is required") }
        guard let claude = body["claude"], claude.isObject, let instructions = claude["instructions"]?.stringValue,
            !instructions.isEmpty
        else {
            return Self.error(400, "claude.instructions is required")
        }
        let issue = runIssue(fromRunID: name)
        let script =
            issue.map {
                RunnerScripts(byIssue: scenario.scripts, fallback: scenario.defaultScript)
                    .script(owner: $0.owner, repo: $0.repo, number: $0.number)
            }
            ?? scenario.defaultScript
        let budget: Double =
            switch claude["max_budget_usd"] {
            case .double(let d)?: d
            case .int(let i)?: Double(i)
            default: 0
            }
        let task = SimTask(
            id: UUID().uuidString.lowercased(),
            name: name,
            instructions: instructions,
            model: claude["model"]?.stringValue ?? "",
            workingDir: claude["working_dir"]?.stringValue ?? "",
            maxBudgetUSD: budget,
            permissionMode: claude["permission_mode"]?.stringValue,
            timeout: body["timeout"]?.stringValue ?? "",
            priority: body["priority"]?.stringValue ?? "normal",
            tags: body["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            state: "PENDING",
            createdAt: SimClock.github(now),
            script: script
        )
        tasks.append(task)
        return .json(201, taskJSON(task))
    }

    /// PENDING (and FAILED, which may be re-queued) → QUEUED; anything else is a conflict.
    mutating func run(_ id: String) -> SimResponse {
        guard let k = tasks.firstIndex(where: { $0.id == id }), !tasks[k].gone else {
            return Self.error(404, "task not found")
        }
        guard tasks[k].state == "PENDING" || tasks[k].state == "FAILED" else {
            return Self.error(409, "task \(id) is \(tasks[k].state) and cannot be run")
        }
        tasks[k].state = "QUEUED"
        tasks[k].error = nil
        tasks[k].polls = 0
        return .json(202, taskJSON(tasks[k]))
    }

    /// Reading a task advances it: QUEUED → RUNNING → (after `running_polls` more reads) its
    /// script's end.
    mutating func read(_ id: String) -> SimResponse {
        guard let k = tasks.firstIndex(where: { $0.id == id }), !tasks[k].gone else {
            return Self.error(404, "task not found")
        }
        tasks[k].polls += 1
        switch tasks[k].state {
        case "QUEUED":
            tasks[k].state = "RUNNING"
            tasks[k].polls = 1
        case "RUNNING" where tasks[k].polls > scenario.runningPolls + 1:
            finish(k)
        default:
            break
        }
        if tasks[k].gone { return Self.error(404, "task not found") }
        return .json(200, taskJSON(tasks[k]))
    }

    mutating func finish(_ k: Int) {
        let task = tasks[k]
        switch task.script {
        case .neverFinish: return
        case .vanish: tasks[k].gone = true
        case .fail:
            tasks[k].state = "FAILED"
            tasks[k].error = "claude exited with status 1"
        case .setupError:
            tasks[k].state = "FAILED"
            tasks[k].error = "workspace setup failed: git clone exited with status 128"
        case .timeout: tasks[k].state = "TIMED_OUT"
        case .budgetExceeded: tasks[k].state = "BUDGET_EXCEEDED"
        case .pushGreen, .pushRed, .pushRedThenGreen, .noPush:
            tasks[k].state = "COMPLETED"
            if let issue = runIssue(fromRunID: task.name),
                let push = task.script.push(
                    owner: issue.owner,
                    repo: issue.repo,
                    number: issue.number,
                    corrective: task.name.range(of: #"-turn[0-9]+$"#, options: .regularExpression) != nil,
                    seed: task.id,
                    instructions: task.instructions
                )
            {
                pendingPushes.append(push)
            }
        }
    }

    /// Sets a task's state by hand (a control method).
    mutating func force(_ id: String, state: String) -> Bool {
        guard let k = tasks.firstIndex(where: { $0.id == id }) else { return false }
        tasks[k].state = state.uppercased()
        tasks[k].gone = false
        return true
    }

    func taskJSON(_ task: SimTask) -> JSONValue {
        var claude: [String: JSONValue] = [
            "model": .string(task.model), "instructions": .string(task.instructions),
            "working_dir": .string(task.workingDir), "max_budget_usd": .double(task.maxBudgetUSD),
        ]
        if let mode = task.permissionMode { claude["permission_mode"] = .string(mode) }
        var members: [String: JSONValue] = [
            "id": .string(task.id), "name": .string(task.name), "state": .string(task.state),
            "claude": .object(claude), "timeout": .string(task.timeout), "priority": .string(task.priority),
            "tags": .array(task.tags.map(JSONValue.string)), "created_at": .string(task.createdAt),
        ]
        if let error = task.error { members["error"] = .string(error) }
        return .object(members)
    }
}
