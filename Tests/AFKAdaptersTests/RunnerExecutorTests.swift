@testable import AFKAdapters
import AFKCore
import Foundation
import Logging
import Testing

/// The job runner and Claudomator executors against recorded, real-shaped payloads.
struct RunnerExecutorTests {
    static let identity = RunIdentity(issue: IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7), run: 1)
    static let request = DispatchRequest(identity: identity, title: "Add a cache", prompt: "Implement acme/widgets#7", createdAt: "2026-11-23T10:00:00Z")
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    func jobs(_ transport: ScriptedTransport) -> JobRunnerExecutor {
        JobRunnerExecutor(baseURL: URL(string: "http://runner.test:8000")!, token: "runner-token",
                          settings: .init(agent: "afk-implementer", budgetUSD: 3, timeoutSeconds: 1800),
                          transport: transport, retry: RetryPolicy(budgetSeconds: 0), logger: Self.logger, sleep: { _ in })
    }

    func claudomator(_ transport: ScriptedTransport, token: String? = nil) -> ClaudomatorExecutor {
        ClaudomatorExecutor(baseURL: URL(string: "http://claudomator.test:8484")!, token: token,
                            settings: .init(model: "claude-sonnet-4-6", workspaceRoot: "/srv/afk/", budgetUSD: 3, timeoutSeconds: 1800),
                            transport: transport, retry: RetryPolicy(budgetSeconds: 0), logger: Self.logger, sleep: { _ in })
    }

    func body(_ request: HTTPRequest?) -> [String: Any] {
        request?.body.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
    }

    // MARK: Job runner

    @Test func aJobIsSubmittedWithPromptAgentBudgetTimeoutAndTheRunIdentity() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "/execute", json(202, #"{"job_id":"a1b2c3d4e5f6","status":"queued"}"#))
        let run = try await jobs(transport).dispatch(Self.request)
        #expect(run.threadID == "a1b2c3d4e5f6")
        let sent = await transport.requests.first
        #expect(sent?.method == "POST")
        #expect(sent?.headers["Authorization"] == "Bearer runner-token")
        let json = body(sent)
        #expect(json["prompt"] as? String == "Implement acme/widgets#7")
        #expect(json["agent"] as? String == "afk-implementer")
        #expect(json["max_budget_usd"] as? Double == 3)
        #expect(json["timeout_seconds"] as? Int == 1800)
        #expect(json["metadata"] as? [String: String] == ["afk_run": "afk-acme~widgets-i7-r1", "repo": "acme/widgets", "issue": "7"])
    }

    @Test func aValidationErrorNamesWhatTheRunnerSaid() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "/execute", json(422, #"{"detail":[{"type":"missing","loc":["body","agent"],"msg":"Field required"}]}"#))
        let error = await #expect(throws: ServiceError.self) { try await jobs(transport).dispatch(Self.request) }
        #expect(error?.kind == .unexpectedStatus(422))
        #expect(error?.outcomeUnknown == false)
    }

    @Test func aFullQueueIsRetriedThenARefusalNotAnUnknownOutcome() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "/execute", json(429, #"{"detail":"Queue full"}"#))
        let error = await #expect(throws: ServiceError.self) { try await jobs(transport).dispatch(Self.request) }
        #expect(error?.kind == .unavailable)
        #expect(error?.outcomeUnknown == false)
    }

    @Test(arguments: [
        (#"{"status":"queued","prompt":"p","agent":"a","created_at":"t","metadata":null}"#, AgentState.running),
        (#"{"status":"running","prompt":"p","agent":"a","created_at":"t","metadata":null,"started_at":"t"}"#, .running),
        (#"{"status":"timeout","finished_at":"t","finished_epoch":1.0}"#, .errored("TIMED_OUT: the job ran past its timeout_seconds")),
        (#"{"status":"error","error":"workspace setup failed: git clone exited 128","finished_at":"t"}"#,
         .errored("the job could not run: workspace setup failed: git clone exited 128")),
        (#"{"status":"paused"}"#, .unknown("the job runner reported status \"paused\", which afk does not know")),
    ])
    func jobStatusesMapOntoAgentStates(payload: String, expected: AgentState) async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/jobs/a1b2c3d4e5f6", json(200, payload))
        #expect(try await jobs(transport).observe(threadIDs: ["a1b2c3d4e5f6"]) == ["a1b2c3d4e5f6": expected])
    }

    @Test func recordedJobsMapToFinishedAndToAnErrorWithTheLastStderrLine() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/jobs/done", try Fixture.ok("jobs-job-completed"))
        await transport.on("GET", "/jobs/failed", try Fixture.ok("jobs-job-failed"))
        await transport.on("GET", "/jobs/gone", json(404, #"{"detail":"Job not found"}"#))
        await transport.on("GET", "/jobs/flaky", json(503, "Service Unavailable"))
        let states = try await jobs(transport).observe(threadIDs: ["done", "failed", "gone", "flaky"])
        #expect(states["done"] == .finished)
        #expect(states["failed"] == .errored("the job failed with exit code 1: Error: permission denied (publickey)"))
        #expect(states["gone"] == .missing)
        guard case .unknown(let why)? = states["flaky"] else {
            Issue.record("a runner that cannot be asked must be unknown, got \(String(describing: states["flaky"]))")
            return
        }
        #expect(why.contains("could not ask the job runner"))
    }

    @Test func aRejectedTokenStopsRatherThanLookingLikeAFailedRun() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/jobs/x", json(401, #"{"detail":"Invalid token"}"#))
        let error = await #expect(throws: ServiceError.self) { try await jobs(transport).observe(threadIDs: ["x"]) }
        #expect(error?.kind == .badCredentials)
    }

    @Test func aCorrectiveTurnIsANewJobNamingTheRun() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "/execute", json(202, #"{"job_id":"ffffffffffff","status":"queued"}"#))
        let id = try await jobs(transport).startTurn(threadID: "a1b2c3d4e5f6", identity: Self.identity, turn: 2, text: "CI is red", createdAt: "t")
        #expect(id == "ffffffffffff")
        let prompt = body(await transport.requests.first)["prompt"] as? String ?? ""
        #expect(prompt.hasPrefix("CI is red"))
        #expect(prompt.contains("afk-acme~widgets-i7-r1") && prompt.contains("a1b2c3d4e5f6"))
    }

    @Test func theProbeUsesHealthAndAJobThatCannotExist() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/health", json(200, #"{"status":"ok","busy":false,"active":0,"queued":0,"capacity":10}"#))
        await transport.on("GET", "/jobs/afk-token-check", json(404, #"{"detail":"Job not found"}"#))
        #expect(try await jobs(transport).probe().missing.isEmpty)
        #expect(await transport.requests.allSatisfy { $0.method == "GET" })
    }

    // MARK: Claudomator

    @Test func aTaskIsCreatedNamedAfterTheRunThenRun() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/tasks", json(200, "[]"))
        await transport.on("POST", "/api/tasks", json(201, #"{"id":"t-1","name":"afk-acme~widgets-i7-r1","state":"PENDING"}"#))
        await transport.on("POST", "/api/tasks/t-1/run", json(202, #"{"id":"t-1","state":"QUEUED"}"#))
        let run = try await claudomator(transport, token: "cl").dispatch(Self.request)
        #expect(run.threadID == "t-1")
        let requests = await transport.requests
        #expect(requests.map { "\($0.method) \($0.url.path)" } == ["GET /api/tasks", "POST /api/tasks", "POST /api/tasks/t-1/run"])
        #expect(requests.allSatisfy { $0.headers["Authorization"] == "Bearer cl" })
        let task = body(requests[1])
        #expect(task["name"] as? String == "afk-acme~widgets-i7-r1")
        #expect(task["timeout"] as? String == "1800s")
        let claude = task["claude"] as? [String: Any] ?? [:]
        #expect(claude["model"] as? String == "claude-sonnet-4-6")
        #expect(claude["instructions"] as? String == "Implement acme/widgets#7")
        #expect(claude["working_dir"] as? String == "/srv/afk/acme/widgets")
        #expect(claude["max_budget_usd"] as? Double == 3)
    }

    @Test func aRepeatedDispatchFindsTheTaskAndNeverCreatesASecond() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/tasks", json(200, #"{"tasks":[{"id":"t-1","name":"afk-acme~widgets-i7-r1","state":"RUNNING"}]}"#))
        let run = try await claudomator(transport).dispatch(Self.request)
        #expect(run.threadID == "t-1")
        #expect(await transport.requests.map(\.method) == ["GET"])
        #expect(await transport.requests.first?.headers["Authorization"] == nil)  // no token configured
        let existing = try await claudomator(transport).existingRuns(in: Self.identity.issue.repo)
        #expect(existing[Self.identity]?.threadID == "t-1")
        #expect(existing[Self.identity]?.turnStarted == true)
    }

    @Test(arguments: [
        ("PENDING", AgentState.running), ("QUEUED", .running), ("RUNNING", .running), ("COMPLETED", .finished),
        ("FAILED", .errored("FAILED: the task failed")), ("TIMED_OUT", .errored("TIMED_OUT: the task ran out of time")),
        ("CANCELLED", .interrupted), ("BUDGET_EXCEEDED", .errored("BUDGET_EXCEEDED: the task spent its max_budget_usd")),
        ("READY", .needsInput("the task awaits review in Claudomator (READY)")),
        ("BLOCKED", .needsInput("the task is blocked, awaiting input in Claudomator (BLOCKED)")),
        ("ARCHIVED", .unknown("Claudomator reported state \"ARCHIVED\", which afk does not know")),
    ])
    func taskStatesMapOntoAgentStates(state: String, expected: AgentState) {
        #expect(ClaudomatorExecutor.state(state) == expected)
    }

    @Test func aRecordedTaskIsReadAndAMissingOneIsGone() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/tasks/3f2c9a7e-5b1d-4c1e-9d2a-0b7e6f1a2c3d", try Fixture.ok("claudomator-task"))
        await transport.on("GET", "/api/tasks/gone", json(404, #"{"error":"task not found"}"#))
        let states = try await claudomator(transport).observe(threadIDs: ["3f2c9a7e-5b1d-4c1e-9d2a-0b7e6f1a2c3d", "gone"])
        #expect(states["3f2c9a7e-5b1d-4c1e-9d2a-0b7e6f1a2c3d"] == .errored("BUDGET_EXCEEDED: the task spent its max_budget_usd"))
        #expect(states["gone"] == .missing)
    }
}
