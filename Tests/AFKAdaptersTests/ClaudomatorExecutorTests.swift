@testable import AFKAdapters
import AFKTesting
import AFKCore
import Foundation
import Testing

/// ``ClaudomatorExecutor`` against real-shaped task payloads (as Claudomator's own CLAUDE.md
/// describes them; the read and list endpoints and the state field are inferred, so the
/// tolerant shapes are covered too).
struct ClaudomatorExecutorTests {
    static let identity = RunIdentity(issue: IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7), run: 1)
    static let request = DispatchRequest(
        identity: identity,
        title: "Add a cache",
        prompt: "Implement acme/widgets#7",
        createdAt: "2026-11-23T10:00:00Z"
    )
    static let taskID = "3f2c9a7e-5b1d-4c1e-9d2a-0b7e6f1a2c3d"

    static func executor(_ transport: ScriptedTransport, token: String? = nil, permissionMode: String? = nil) throws
        -> ClaudomatorExecutor
    {
        ClaudomatorExecutor(
            baseURL: try #require(URL(string: "http://claudomator.test:8484")),
            token: token,
            settings: .init(
                model: "claude-sonnet-4-6",
                workspaceRoot: "/srv/afk/",
                budgetUSD: 3,
                timeoutSeconds: 1800,
                permissionMode: permissionMode
            ),
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 0),
            logger: quietLogger,
            sleep: { _ in }
        )
    }

    @Test func itIsANonIdempotentRuntimeNamedForRecordsAndMessages() throws {
        let executor = try Self.executor(ScriptedTransport())
        #expect(executor.kind == "claudomator")
        #expect(executor.serviceName == "Claudomator")
        #expect(executor.submissionIsIdempotent == false)
        #expect(executor.link(to: Self.identity) == nil)
    }

    // MARK: Dispatching

    @Test func aTaskNamedAfterTheRunIsCreatedThenRun() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/tasks", json(200, "[]"))
        await transport.on("POST", "/api/tasks", try Fixture.ok("claudomator-task-created", status: 201))
        await transport.on(
            "POST",
            "/api/tasks/\(Self.taskID)/run",
            json(202, #"{"id":"\#(Self.taskID)","state":"QUEUED"}"#)
        )
        let run = try await Self.executor(transport, token: "cl-SECRET", permissionMode: "acceptEdits")
            .dispatch(Self.request)
        #expect(
            run
                == ExecutorRun(
                    identity: Self.identity,
                    threadID: Self.taskID,
                    createdAt: "2026-11-23T10:00:00Z",
                    turnStarted: true
                )
        )
        let requests = await transport.requests
        #expect(
            requests.map { "\($0.method) \($0.url.path)" } == [
                "GET /api/tasks", "POST /api/tasks", "POST /api/tasks/\(Self.taskID)/run",
            ]
        )
        #expect(requests.allSatisfy { $0.headers["Authorization"] == "Bearer cl-SECRET" })
        #expect(requests[1].headers["Content-Type"] == "application/json")
        #expect(requests[2].body == nil)
        let task = try #require(requests[1].jsonBody)
        #expect(Set(task.keys) == ["name", "claude", "timeout", "priority", "tags"])
        #expect(task["name"] as? String == "afk-acme~widgets-i7-r1")
        #expect(task["timeout"] as? String == "1800s")
        #expect(task["priority"] as? String == "normal")
        #expect(task["tags"] as? [String] == ["afk", "acme/widgets"])
        let claude = try #require(task["claude"] as? [String: Any])
        #expect(Set(claude.keys) == ["model", "instructions", "working_dir", "max_budget_usd", "permission_mode"])
        #expect(claude["model"] as? String == "claude-sonnet-4-6")
        #expect(claude["instructions"] as? String == "Implement acme/widgets#7")
        #expect(claude["working_dir"] as? String == "/srv/afk/acme/widgets")
        #expect(claude["max_budget_usd"] as? Double == 3)
        #expect(claude["permission_mode"] as? String == "acceptEdits")
    }

    @Test func withoutATokenOrAPermissionModeNeitherIsSent() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/tasks", json(200, #"{"tasks":[]}"#))
        await transport.on("POST", "/api/tasks", try Fixture.ok("claudomator-task-created", status: 201))
        await transport.on("POST", "/api/tasks/\(Self.taskID)/run", json(204, ""))
        _ = try await Self.executor(transport, token: "").dispatch(Self.request)
        let requests = await transport.requests
        #expect(requests.allSatisfy { $0.headers["Authorization"] == nil })
        let claude = try #require(requests[1].jsonBody?["claude"] as? [String: Any])
        #expect(claude["permission_mode"] == nil)
    }

    @Test(arguments: [("RUNNING", false), ("COMPLETED", false), ("PENDING", true)])
    func aRepeatedDispatchFindsTheTaskByNameAndRunsItOnlyIfItNeverRan(state: String, runs: Bool) async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "/api/tasks",
            json(200, #"{"tasks":[{"id":"t-1","name":"afk-acme~widgets-i7-r1","state":"\#(state)"}]}"#)
        )
        await transport.on("POST", "/api/tasks/t-1/run", json(202, #"{"id":"t-1","state":"QUEUED"}"#))
        let run = try await Self.executor(transport).dispatch(Self.request)
        #expect(run.threadID == "t-1")
        let calls = await transport.requests.map { "\($0.method) \($0.url.path)" }
        #expect(calls == (runs ? ["GET /api/tasks", "POST /api/tasks/t-1/run"] : ["GET /api/tasks"]))
    }

    @Test func aTaskAlreadyStartedWhenRunIsStillStarted() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "/api/tasks",
            json(200, #"[{"id":"t-1","name":"afk-acme~widgets-i7-r1","state":"PENDING"}]"#)
        )
        await transport.on(
            "POST",
            "/api/tasks/t-1/run",
            json(409, #"{"error":"task t-1 is QUEUED and cannot be run"}"#)
        )
        #expect(try await Self.executor(transport).dispatch(Self.request).threadID == "t-1")
    }

    @Test(arguments: [404, 405])
    func withoutAListingEveryDispatchCreates(status: Int) async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/tasks", json(status, "404 page not found"))
        await transport.on(
            "POST",
            "/api/tasks",
            json(201, #"{"id":17,"name":"afk-acme~widgets-i7-r1","state":"PENDING"}"#)
        )
        await transport.on("POST", "/api/tasks/17/run", json(200, #"{"id":17,"state":"QUEUED"}"#))
        #expect(try await Self.executor(transport).dispatch(Self.request).threadID == "17")
        #expect(try await Self.executor(transport).existingRuns(in: Self.identity.issue.repo).isEmpty)
    }

    @Test func aRejectedTaskNamesWhatClaudomatorSaid() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/tasks", json(200, "[]"))
        await transport.on(
            "POST",
            "/api/tasks",
            json(400, #"{"error":"invalid timeout \"2700\": missing unit in duration"}"#)
        )
        let error = await #expect(throws: ServiceError.self) {
            try await Self.executor(transport).dispatch(Self.request)
        }
        #expect(error?.kind == .unexpectedStatus(400))
        #expect(error?.message.contains("creating task afk-acme~widgets-i7-r1") == true)
        #expect(error?.message.contains("missing unit in duration") == true)
        #expect(await transport.requests.count == 2)  // never run
    }

    @Test func aCreatedTaskWithoutAnIDIsAnUnknownOutcome() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/tasks", json(200, "[]"))
        await transport.on("POST", "/api/tasks", json(201, #"{"name":"afk-acme~widgets-i7-r1"}"#))
        let error = await #expect(throws: ServiceError.self) {
            try await Self.executor(transport).dispatch(Self.request)
        }
        #expect(error?.kind == .malformedResponse)
        #expect(error?.outcomeUnknown == true)
    }

    @Test func aCorrectiveTurnIsANewTaskNamedForTheTurnAndRun() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/tasks", json(200, "[]"))
        await transport.on(
            "POST",
            "/api/tasks",
            json(201, #"{"id":"t-2","name":"afk-acme~widgets-i7-r1-turn2","state":"PENDING"}"#)
        )
        await transport.on("POST", "/api/tasks/t-2/run", json(202, #"{"id":"t-2","state":"QUEUED"}"#))
        let id = try await Self.executor(transport)
            .startTurn(
                threadID: "t-1",
                identity: Self.identity,
                turn: 2,
                text: "CI is red on 1a2b3c4.",
                createdAt: "t"
            )
        #expect(id == "t-2")
        let task = try #require(await transport.requests[1].jsonBody)
        #expect(task["name"] as? String == "afk-acme~widgets-i7-r1-turn2")
        #expect(task["tags"] as? [String] == ["afk", "acme/widgets", "fix-forward"])
        let instructions = (task["claude"] as? [String: Any])?["instructions"] as? String ?? ""
        #expect(instructions.hasPrefix("CI is red on 1a2b3c4.\n\n"))
        #expect(instructions.contains("afk-acme~widgets-i7-r1 (corrective turn 2)") && instructions.contains("t-1"))
    }

    // MARK: Existing runs

    @Test func existingRunsAreTheTasksNamedAfterThisRepositorysRuns() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/tasks", try Fixture.ok("claudomator-tasks"))
        let repo = RepoRef(owner: "Acme", name: "Widgets")
        let runs = try await Self.executor(transport).existingRuns(in: repo)
        let first = RunIdentity(issue: IssueRef(repo: repo, number: 7), run: 1)
        let regenerated = RunIdentity(issue: IssueRef(repo: repo, number: 8), run: 2, generation: 1)
        #expect(Set(runs.keys) == [first, regenerated])  // not the turn task, another repo's or a stranger's
        #expect(
            runs[first]
                == ExecutorRun(
                    identity: first,
                    threadID: "11111111-0000-4000-8000-000000000001",
                    createdAt: "2026-11-23T09:00:00Z",
                    turnStarted: true
                )
        )
        #expect(runs[regenerated]?.turnStarted == false)  // PENDING: never run
    }

    // MARK: Observing

    /// Every state of Claudomator's documented state machine, plus READY and BLOCKED, and one it does not name.
    @Test(arguments: [
        ("PENDING", AgentState.running), ("QUEUED", .running), ("RUNNING", .running), ("COMPLETED", .finished),
        ("FAILED", .errored("FAILED: the task failed")), ("TIMED_OUT", .errored("TIMED_OUT: the task ran out of time")),
        ("CANCELLED", .interrupted),
        ("BUDGET_EXCEEDED", .errored("BUDGET_EXCEEDED: the task spent its max_budget_usd")),
        ("READY", .needsInput("the task awaits review in Claudomator (READY)")),
        ("BLOCKED", .needsInput("the task is blocked, awaiting input in Claudomator (BLOCKED)")),
        ("ARCHIVED", .unknown("Claudomator reported state \"ARCHIVED\", which afk does not know")),
    ])
    func everyStateMapsOntoAnAgentState(state: String, expected: AgentState) async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "/api/tasks/t-1",
            json(200, #"{"id":"t-1","name":"afk-acme~widgets-i7-r1","state":"\#(state)"}"#)
        )
        #expect(try await Self.executor(transport).states(threadIDs: ["t-1"]) == ["t-1": expected])
        #expect(await transport.requests.first?.method == "GET")
    }

    @Test func escalationReasonsStartWithTheStateTheyName() {
        for state in ["FAILED", "TIMED_OUT", "BUDGET_EXCEEDED"] {
            guard case .errored(let why) = ClaudomatorExecutor.state(state) else {
                Issue.record("\(state) must be an error")
                continue
            }
            #expect(why.hasPrefix("\(state): "))
        }
    }

    @Test func recordedTasksAreReadToleratingStatusWrappingNumericIDsAndCase() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/tasks/\(Self.taskID)", try Fixture.ok("claudomator-task"))
        await transport.on("GET", "/api/tasks/42", try Fixture.ok("claudomator-task-failed"))
        await transport.on("GET", "/api/tasks/quiet", json(200, #"{"id":"quiet","name":"x"}"#))
        let states = try await Self.executor(transport).states(threadIDs: [Self.taskID, "42", "quiet"])
        #expect(states[Self.taskID] == .errored("BUDGET_EXCEEDED: the task spent its max_budget_usd"))
        #expect(states["42"] == .errored("FAILED: the task failed: claude exited with status 1"))
        #expect(states["quiet"] == .unknown("Claudomator answered for task quiet without a state"))
    }

    @Test func aDeletedTaskIsMissingAndOneThatCannotBeReadIsUnknown() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/tasks/gone", json(404, #"{"error":"task not found"}"#))
        await transport.on("GET", "/api/tasks/flaky", json(502, "Bad Gateway"))
        await transport.on("GET", "/api/tasks/odd", json(400, #"{"error":"invalid task id"}"#))
        let states = try await Self.executor(transport).states(threadIDs: ["gone", "flaky", "odd"])
        #expect(states["gone"] == .missing)
        for id in ["flaky", "odd"] {
            guard case .unknown(let why)? = states[id] else {
                Issue.record(
                    "\(id): a server that cannot be asked must be unknown, got \(String(describing: states[id]))"
                )
                continue
            }
            #expect(why.hasPrefix("could not ask Claudomator about task \(id)"))
        }
        #expect(states["odd"].map { "\($0)" }?.contains("invalid task id") == true)
    }

    @Test func aRejectedTokenThrows() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/tasks/t-1", json(401, #"{"error":"unauthorized"}"#))
        let error = await #expect(throws: ServiceError.self) {
            try await Self.executor(transport, token: "cl-SECRET").states(threadIDs: ["t-1"])
        }
        #expect(error?.kind == .badCredentials)
        #expect(error.map { "\($0)" }?.contains("SECRET") == false)
    }

    // MARK: Probe

    @Test func theProbeListsTasksOrReadsOneThatCannotExist() async throws {
        let listing = ScriptedTransport()
        await listing.on("GET", "/api/tasks", try Fixture.ok("claudomator-tasks"))
        #expect(try await Self.executor(listing).probe() == ExecutorProbe(version: nil, missing: []))
        #expect(await listing.requests.count == 1)

        let noListing = ScriptedTransport()
        await noListing.on("GET", "/api/tasks", json(404, "404 page not found"))
        await noListing.on("GET", "/api/tasks/afk-token-check", json(404, #"{"error":"task not found"}"#))
        #expect(try await Self.executor(noListing, token: "cl").probe().missing.isEmpty)
        #expect(await noListing.requests.map(\.method) == ["GET", "GET"])

        let rejected = ScriptedTransport()
        await rejected.on("GET", "/api/tasks", json(401, #"{"error":"unauthorized"}"#))
        let error = await #expect(throws: ServiceError.self) { try await Self.executor(rejected).probe() }
        #expect(error?.kind == .badCredentials)
    }
}
