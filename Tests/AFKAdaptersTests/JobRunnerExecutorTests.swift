@testable import AFKAdapters
import AFKTesting
import AFKCore
import Foundation
import Testing

/// ``JobRunnerExecutor`` against recorded, real-shaped claude-agent-service payloads (`app/main.py` in
/// https://github.com/ViktorBarzin/claude-agent-service).
struct JobRunnerExecutorTests {
    static let identity = RunIdentity(issue: IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7), run: 1)
    static let request = DispatchRequest(
        identity: identity,
        title: "Add a cache",
        prompt: "Implement acme/widgets#7",
        createdAt: "2026-11-23T10:00:00Z"
    )
    static let base = "http://runner.test:8000/runner"

    static func executor(_ transport: ScriptedTransport, retryBudget: Double = 0, sleeps: SleepLog? = nil) throws
        -> JobRunnerExecutor
    {
        JobRunnerExecutor(
            baseURL: try #require(URL(string: base)),
            token: "runner-SECRET",
            settings: .init(agent: "afk-implementer", budgetUSD: 3, timeoutSeconds: 1800),
            transport: transport,
            retry: RetryPolicy(budgetSeconds: retryBudget),
            logger: quietLogger,
            sleep: { seconds in await sleeps?.add(seconds) }
        )
    }

    // MARK: Identity and settings

    @Test func itIsANonIdempotentRuntimeNamedForRecordsAndMessages() throws {
        let executor = try Self.executor(ScriptedTransport())
        #expect(executor.kind == "jobs")
        #expect(executor.serviceName == "job runner")
        #expect(executor.submissionIsIdempotent == false)
        #expect(executor.link(to: Self.identity) == nil)
    }

    @Test func settingsDefaultToTheImplementerAgentAndTheRunnersTimeout() {
        let settings = JobRunnerExecutor.Settings(budgetUSD: 5)
        #expect(settings.agent == "afk-implementer")
        #expect(settings.timeoutSeconds == 2700)
    }

    @Test func theRunnerCannotListSoNoRunIsEverFound() async throws {
        let transport = ScriptedTransport()
        #expect(try await Self.executor(transport).existingRuns(in: Self.identity.issue.repo).isEmpty)
        #expect(await transport.requests.isEmpty)
    }

    // MARK: Submitting

    @Test func aJobIsPostedWithPromptAgentBudgetTimeoutAndTheRunIdentity() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "/runner/execute", try Fixture.ok("jobs-execute-accepted", status: 202))
        let run = try await Self.executor(transport).dispatch(Self.request)
        #expect(
            run
                == ExecutorRun(
                    identity: Self.identity,
                    threadID: "a1b2c3d4e5f6",
                    createdAt: "2026-11-23T10:00:00Z",
                    turnStarted: true
                )
        )
        let sent = try #require(await transport.requests.first)
        #expect(await transport.requests.count == 1)
        #expect(sent.method == "POST")
        #expect(sent.url.absoluteString == "\(Self.base)/execute")
        #expect(sent.headers["Authorization"] == "Bearer runner-SECRET")
        #expect(sent.headers["Content-Type"] == "application/json")
        #expect(sent.headers["Accept"] == "application/json")
        let json = try #require(sent.jsonBody)
        #expect(Set(json.keys) == ["prompt", "agent", "max_budget_usd", "timeout_seconds", "metadata"])
        #expect(json["prompt"] as? String == "Implement acme/widgets#7")
        #expect(json["agent"] as? String == "afk-implementer")
        #expect(json["max_budget_usd"] as? Double == 3)
        #expect(json["timeout_seconds"] as? Int == 1800)
        #expect(
            json["metadata"] as? [String: String] == [
                "afk_run": "afk-acme~widgets-i7-r1", "repo": "acme/widgets", "issue": "7",
            ]
        )
    }

    @Test func aFullQueueIsRefusedAtOnceAsUnavailableNeverAFailedOrUnknownSubmission() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "/runner/execute", json(429, #"{"detail":"Queue full"}"#))
        let sleeps = SleepLog()
        let error = await #expect(throws: ServiceError.self) {
            try await Self.executor(transport, retryBudget: 600, sleeps: sleeps).dispatch(Self.request)
        }
        #expect(error?.kind == .unavailable)
        #expect(error?.outcomeUnknown == false)
        #expect(error?.message.contains("Queue full") == true)
        #expect(error?.message.contains("nothing was started") == true)
        #expect(await transport.requests.count == 1)  // not retried within the tick
        #expect(await sleeps.seconds.isEmpty)
    }

    @Test func aValidationErrorIsAMalformedRequestNamingEachField() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "/runner/execute", try Fixture.ok("jobs-validation-error", status: 422))
        let error = await #expect(throws: ServiceError.self) {
            try await Self.executor(transport).dispatch(Self.request)
        }
        #expect(error?.kind == .unexpectedStatus(422))
        #expect(error?.outcomeUnknown == false)
        #expect(error?.message.contains("malformed") == true)
        #expect(error?.message.contains("body.agent: Field required") == true)
        #expect(error?.message.contains("body.max_budget_usd: Input should be a valid number") == true)
    }

    /// A 5xx does not prove the job was not taken: a gateway in front of the runner answers 502
    /// or 503 whether or not the runner started it. Never sent twice.
    @Test(arguments: [500, 502, 503, 504]) func aServerErrorIsAnUnknownOutcomeAndNotResent(status: Int) async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "POST",
            "/runner/execute",
            json(status, "upstream unavailable"),
            try Fixture.ok("jobs-execute-accepted", status: 202)
        )
        let error = await #expect(throws: ServiceError.self) {
            try await Self.executor(transport, retryBudget: 60).dispatch(Self.request)
        }
        #expect(error?.outcomeUnknown == true)
        #expect(error?.message.contains("may or may not have been carried out: HTTP \(status)") == true)
        #expect(await transport.requests.count == 1)
    }

    @Test func aConnectionLostAfterSendingIsAnUnknownOutcomeAndNotResent() async throws {
        struct Dropped: HTTPTransport {
            func send(_ request: ServiceRequest) async throws(TransportError) -> ServiceResponse {
                throw TransportError("the request timed out", mayHaveArrived: true)
            }
        }
        let executor = JobRunnerExecutor(
            baseURL: try #require(URL(string: Self.base)),
            token: "runner-SECRET",
            settings: .init(budgetUSD: 3),
            transport: Dropped(),
            retry: RetryPolicy(budgetSeconds: 600),
            logger: quietLogger,
            sleep: { _ in }
        )
        let error = await #expect(throws: ServiceError.self) { try await executor.dispatch(Self.request) }
        #expect(error?.outcomeUnknown == true)
        #expect(error?.message.contains("SECRET") == false)
    }

    @Test func anAcceptedAnswerWithoutAJobIDIsMalformed() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "/runner/execute", json(202, #"{"status":"queued"}"#))
        let error = await #expect(throws: ServiceError.self) {
            try await Self.executor(transport).dispatch(Self.request)
        }
        #expect(error?.kind == .malformedResponse)
        #expect(error?.message.contains("job_id") == true)
    }

    @Test func aRejectedTokenOnSubmissionStopsTheTickAndNeverShowsTheToken() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "/runner/execute", json(401, #"{"detail":"Invalid token"}"#))
        let error = await #expect(throws: ServiceError.self) {
            try await Self.executor(transport).dispatch(Self.request)
        }
        #expect(error?.kind == .badCredentials)
        #expect(error?.stopsTick == true)
        #expect(error.map { "\($0)" }?.contains("SECRET") == false)
    }

    @Test func aCorrectiveTurnIsANewJobWhosePromptNamesTheRunAndThePreviousJob() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "/runner/execute", json(202, #"{"job_id":"ffffffffffff","status":"queued"}"#))
        let identity = RunIdentity(issue: Self.identity.issue, run: 1, generation: 1)
        let id = try await Self.executor(transport)
            .startTurn(
                threadID: "a1b2c3d4e5f6",
                identity: identity,
                turn: 2,
                text: "CI is red on 1a2b3c4: build failed.",
                createdAt: "t"
            )
        #expect(id == "ffffffffffff")
        let json = try #require(await transport.requests.first?.jsonBody)
        let prompt = json["prompt"] as? String ?? ""
        #expect(prompt.hasPrefix("CI is red on 1a2b3c4: build failed.\n\n"))
        #expect(
            prompt.contains("afk-acme~widgets-i7-r1-g1") && prompt.contains("corrective turn 2")
                && prompt.contains("a1b2c3d4e5f6")
        )
        #expect(json["agent"] as? String == "afk-implementer")
        #expect((json["metadata"] as? [String: String])?["afk_run"] == "afk-acme~widgets-i7-r1-g1")
    }

    // MARK: Observing

    /// Every status `app/main.py` reports, as recorded.
    @Test(arguments: [
        ("jobs-job-queued", AgentState.running),
        ("jobs-job-running", .running),
        ("jobs-job-completed", .finished),
        ("jobs-job-failed", .errored("the job failed with exit code 1: Error: permission denied (publickey)")),
        (
            "jobs-job-failed-result",
            .errored("the job failed with exit code 1 (error_max_turns): Stopped after the maximum number of turns.")
        ),
        ("jobs-job-timeout", .errored("TIMED_OUT: the job ran past its timeout_seconds")),
        (
            "jobs-job-error",
            .errored(
                "the job could not run: Command '['git', 'clone', '--local', '/workspace/infra', '/jobs/a1b2c3d4e5f6']' returned non-zero exit status 128."
            )
        ),
    ])
    func everyRecordedStatusMapsOntoAnAgentState(fixture: String, expected: AgentState) async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/runner/jobs/a1b2c3d4e5f6", try Fixture.ok(fixture))
        #expect(try await Self.executor(transport).states(threadIDs: ["a1b2c3d4e5f6"]) == ["a1b2c3d4e5f6": expected])
        let sent = try #require(await transport.requests.first)
        #expect(sent.method == "GET")
        #expect(sent.headers["Authorization"] == "Bearer runner-SECRET")
        #expect(sent.body == nil)
    }

    /// The status alone, for what the recordings do not cover: case, missing details, unknown words.
    @Test(arguments: [
        (#"{"status":"QUEUED"}"#, AgentState.running),
        (#"{"status":"failed"}"#, .errored("the job failed")),
        (
            #"{"status":"failed","exit_code":2,"stderr":"  boom  \n\n","output":["not json"]}"#,
            .errored("the job failed with exit code 2: boom")
        ),
        (#"{"status":"error"}"#, .errored("the job could not run: no error text")),
        (#"{"status":"cancelled"}"#, .unknown("the job runner reported status \"cancelled\", which afk does not know")),
        (#"{"status":"completed","exit_code":"0","output":{}}"#, .finished),
    ])
    func statusesMapOntoAgentStates(payload: String, expected: AgentState) async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/runner/jobs/j1", json(200, payload))
        #expect(try await Self.executor(transport).states(threadIDs: ["j1"]) == ["j1": expected])
    }

    @Test func aVanishedJobIsMissingButAnotherServicesNotFoundIsUnknown() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/runner/jobs/evicted", json(404, #"{"detail":"Job not found"}"#))
        await transport.on("GET", "/runner/jobs/elsewhere", json(404, #"{"detail":"Not Found"}"#))
        let states = try await Self.executor(transport).states(threadIDs: ["evicted", "elsewhere"])
        #expect(states["evicted"] == .missing)
        guard case .unknown(let why)? = states["elsewhere"] else {
            Issue.record(
                "a 404 that is not the runner's must not read as a vanished job: \(String(describing: states["elsewhere"]))"
            )
            return
        }
        #expect(why.contains("executor.url"))
    }

    @Test func aJobThatCannotBeReadIsUnknownNeverFailedAndTheOthersAreStillRead() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/runner/jobs/flaky", json(503, "Service Unavailable"))
        await transport.on("GET", "/runner/jobs/garbled", json(200, "<html>proxy</html>"))
        await transport.on("GET", "/runner/jobs/done", try Fixture.ok("jobs-job-completed"))
        let states = try await Self.executor(transport).states(threadIDs: ["flaky", "garbled", "done"])
        #expect(states["done"] == .finished)
        for id in ["flaky", "garbled"] {
            guard case .unknown(let why)? = states[id] else {
                Issue.record(
                    "\(id): a runner that cannot be asked must be unknown, got \(String(describing: states[id]))"
                )
                continue
            }
            #expect(why.hasPrefix("could not ask the job runner about job \(id)"))
        }
    }

    @Test func anUnreachableRunnerIsUnknownForEachJob() async throws {
        struct Refused: HTTPTransport {
            func send(_ request: ServiceRequest) async throws(TransportError) -> ServiceResponse {
                throw TransportError("connection refused")
            }
        }
        let executor = JobRunnerExecutor(
            baseURL: try #require(URL(string: Self.base)),
            token: "t",
            settings: .init(budgetUSD: 3),
            transport: Refused(),
            retry: RetryPolicy(budgetSeconds: 0),
            logger: quietLogger,
            sleep: { _ in }
        )
        let states = try await executor.states(threadIDs: ["a", "b"])
        #expect(states.count == 2)
        #expect(states.values.allSatisfy { if case .unknown = $0 { true } else { false } })
    }

    @Test func aRejectedTokenWhileObservingThrowsRatherThanLookingLikeAFailedRun() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/runner/jobs/x", json(401, #"{"detail":"Service unauthenticated"}"#))
        let error = await #expect(throws: ServiceError.self) {
            try await Self.executor(transport).states(threadIDs: ["x"])
        }
        #expect(error?.kind == .badCredentials)
    }

    @Test func jobIDsAreEscapedAsOnePathSegment() async throws {
        let transport = ScriptedTransport()
        _ = try await Self.executor(transport).states(threadIDs: ["a/b?c"])
        #expect(await transport.requests.first?.url.absoluteString == "\(Self.base)/jobs/a%2Fb%3Fc")
    }

    // MARK: Probe

    @Test func theProbeReadsHealthWithoutTheTokenThenProvesTheTokenOnAJobThatCannotExist() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/runner/health", try Fixture.ok("jobs-health"))
        await transport.on("GET", "/runner/jobs/afk-token-check", json(404, #"{"detail":"Job not found"}"#))
        let probe = try await Self.executor(transport).probe()
        #expect(probe == ExecutorProbe(version: nil, missing: []))
        let requests = await transport.requests
        #expect(
            requests.map { "\($0.method) \($0.url.path)" } == [
                "GET /runner/health", "GET /runner/jobs/afk-token-check",
            ]
        )
        #expect(requests[0].headers["Authorization"] == nil)
        #expect(requests[1].headers["Authorization"] == "Bearer runner-SECRET")
    }

    @Test func theProbeReportsARejectedTokenAndAWrongURL() async throws {
        let rejected = ScriptedTransport()
        await rejected.on("GET", "/runner/health", try Fixture.ok("jobs-health"))
        await rejected.on("GET", "/runner/jobs/afk-token-check", json(401, #"{"detail":"Invalid token"}"#))
        let error = await #expect(throws: ServiceError.self) { try await Self.executor(rejected).probe() }
        #expect(error?.kind == .badCredentials)

        let elsewhere = ScriptedTransport()
        await elsewhere.on("GET", "/runner/health", json(200, #"{"status":"ok"}"#))
        await elsewhere.on("GET", "/runner/jobs/afk-token-check", json(404, #"{"detail":"Not Found"}"#))
        let wrong = await #expect(throws: ServiceError.self) { try await Self.executor(elsewhere).probe() }
        #expect(wrong?.kind == .misconfigured)
        #expect(wrong?.message.contains("executor.url") == true)

        let down = ScriptedTransport()
        await down.on("GET", "/runner/health", json(502, "Bad Gateway"))
        let unavailable = await #expect(throws: ServiceError.self) { try await Self.executor(down).probe() }
        #expect(unavailable?.kind == .unavailable)
    }
}
