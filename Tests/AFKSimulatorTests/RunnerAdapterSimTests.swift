import AFKAdapters
import AFKCore
import AFKSimulator
import Foundation
import Logging
import Testing

/// `JobRunnerExecutor` and `ClaudomatorExecutor` driven against the simulated runtimes over
/// real HTTP on 127.0.0.1: what the adapters send, the simulator accepts, and what it answers,
/// the adapters read as the agent states the watcher acts on.
struct RunnerAdapterSimTests {
    static let identity = RunIdentity(issue: IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 1), run: 1)
    static let request = DispatchRequest(
        identity: identity,
        title: "x",
        prompt: "Implement acme/widgets#1",
        createdAt: "2026-11-23T10:00:00Z"
    )
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func scenario(
        jobs: String = "push_green",
        tasks: String = "push_green",
        maxQueue: Int = 100,
        listSupported: Bool = true
    ) throws -> Scenario {
        try Scenario.decode(
            fromJSON: Data(
                """
                { "github": { "repos": [{ "owner": "acme", "name": "widgets", "issues": [{"number": 1, "title": "x"}] }] },
                  "jobs": { "tokens": ["rt"], "max_queue_depth": \(maxQueue), "scripts": {"acme/widgets#1": "\(jobs)"} },
                  "claudomator": { "tokens": ["ct"], "list_supported": \(listSupported), "scripts": {"acme/widgets#1": "\(tasks)"} } }
                """
                .utf8
            )
        )
    }

    static func jobs(_ sim: Simulator, token: String = "rt") async -> JobRunnerExecutor {
        JobRunnerExecutor(
            baseURL: await sim.jobsURL,
            token: token,
            settings: .init(budgetUSD: 3, timeoutSeconds: 60),
            transport: NIOTransport(timeoutSeconds: 10),
            retry: RetryPolicy(budgetSeconds: 0),
            logger: logger,
            sleep: { _ in }
        )
    }

    static func claudomator(_ sim: Simulator) async -> ClaudomatorExecutor {
        ClaudomatorExecutor(
            baseURL: await sim.claudomatorURL,
            token: "ct",
            settings: .init(model: "claude-sonnet-4-6", workspaceRoot: "/srv/afk", budgetUSD: 3, timeoutSeconds: 60),
            transport: NIOTransport(timeoutSeconds: 10),
            retry: RetryPolicy(budgetSeconds: 0),
            logger: logger,
            sleep: { _ in }
        )
    }

    /// Observes `id` `times` times.
    static func observe(_ executor: some Executor, _ id: String, times: Int) async throws -> [AgentState?] {
        var states: [AgentState?] = []
        for _ in 0..<times { states.append(try await executor.states(threadIDs: [id])[id]) }
        return states
    }

    // MARK: Job runner

    @Test func aJobThatPushesIsFollowedToFinishedAndItsCommitLands() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let executor = await Self.jobs(sim)
            #expect(try await executor.probe().missing.isEmpty)
            let run = try await executor.dispatch(Self.request)
            #expect(await sim.jobs().map(\.id) == [run.threadID])
            #expect(await sim.jobs().first?.metadata["afk_run"] == "afk-acme~widgets-i1-r1")
            #expect(try await Self.observe(executor, run.threadID, times: 3) == [.running, .running, .finished])
            #expect(await sim.commits("acme", "widgets").last?.message.contains("AFK-Issue: acme/widgets#1") == true)
        }
    }

    @Test func aCorrectiveJobPushesTheFix() async throws {
        try await withSimulator(try Self.scenario(jobs: "push_red_then_green")) { sim in
            let executor = await Self.jobs(sim)
            let run = try await executor.dispatch(Self.request)
            _ = try await Self.observe(executor, run.threadID, times: 3)
            let fix = try await executor.startTurn(
                threadID: run.threadID,
                identity: Self.identity,
                turn: 2,
                text: "CI is red.",
                createdAt: "t"
            )
            #expect(fix != run.threadID)
            #expect(try await Self.observe(executor, fix, times: 3).last == .finished)
            #expect(await sim.commits("acme", "widgets").last?.message.hasPrefix("Fix build for #1") == true)
        }
    }

    @Test func aVanishedJobIsMissing() async throws {
        try await withSimulator(try Self.scenario(jobs: "vanish")) { sim in
            let executor = await Self.jobs(sim)
            let run = try await executor.dispatch(Self.request)
            #expect(try await Self.observe(executor, run.threadID, times: 3) == [.running, .running, .missing])
        }
    }

    @Test(arguments: [
        ("fail", "the job failed with exit code 1: Error: the agent stopped"),
        ("timeout", "TIMED_OUT: the job ran past its timeout_seconds"),
        ("setup_error", "the job could not run: workspace setup failed"),
    ])
    func aJobThatEndsBadlyIsAnErrorSayingWhy(script: String, reason: String) async throws {
        try await withSimulator(try Self.scenario(jobs: script)) { sim in
            let executor = await Self.jobs(sim)
            let run = try await executor.dispatch(Self.request)
            guard case .errored(let why)?? = try await Self.observe(executor, run.threadID, times: 3).last else {
                Issue.record("\(script) must end in an error")
                return
            }
            #expect(why.hasPrefix(reason))
        }
    }

    @Test func anUnreachableRunnerIsUnknownNeverFailed() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let executor = await Self.jobs(sim)
            let run = try await executor.dispatch(Self.request)
            await sim.inject(Fault(service: .jobs, method: "GET", status: 503, times: 1))
            guard case .unknown(let why)?? = try await Self.observe(executor, run.threadID, times: 1).first else {
                Issue.record("a runner answering 503 must leave the job unknown")
                return
            }
            #expect(why.contains("could not ask the job runner"))
            #expect(try await Self.observe(executor, run.threadID, times: 1) == [.running])
        }
    }

    @Test func aFullQueueAndABadTokenAreRefusedAsTheyShouldBe() async throws {
        try await withSimulator(try Self.scenario(jobs: "never_finish", maxQueue: 1)) { sim in
            let executor = await Self.jobs(sim)
            _ = try await executor.dispatch(Self.request)
            let full = await #expect(throws: ServiceError.self) { try await executor.dispatch(Self.request) }
            #expect(full?.kind == .unavailable && full?.outcomeUnknown == false)
            let wrong = await #expect(throws: ServiceError.self) { try await Self.jobs(sim, token: "nope").probe() }
            #expect(wrong?.kind == .badCredentials)
        }
    }

    // MARK: Claudomator

    @Test(arguments: [
        ("budget_exceeded", AgentState.errored("BUDGET_EXCEEDED: the task spent its max_budget_usd")),
        ("timeout", .errored("TIMED_OUT: the task ran out of time")),
        ("fail", .errored("FAILED: the task failed: claude exited with status 1")),
        ("push_green", .finished),
    ])
    func aTaskEndsInTheStateItsScriptSays(script: String, expected: AgentState) async throws {
        try await withSimulator(try Self.scenario(tasks: script)) { sim in
            let executor = await Self.claudomator(sim)
            #expect(try await executor.probe().missing.isEmpty)
            let run = try await executor.dispatch(Self.request)
            #expect(try await Self.observe(executor, run.threadID, times: 3) == [.running, .running, expected])
            let task = try #require(await sim.claudomatorTasks().first)
            #expect(
                task.name == "afk-acme~widgets-i1-r1" && task.workingDir == "/srv/afk/acme/widgets"
                    && task.timeout == "60s"
            )
        }
    }

    @Test func aRepeatedDispatchFindsTheTaskAndExistingRunsListIt() async throws {
        try await withSimulator(try Self.scenario(tasks: "never_finish")) { sim in
            let executor = await Self.claudomator(sim)
            let first = try await executor.dispatch(Self.request)
            let again = try await executor.dispatch(Self.request)
            #expect(again.threadID == first.threadID)
            #expect(await sim.claudomatorTasks().count == 1)
            let runs = try await executor.existingRuns(in: Self.identity.issue.repo)
            #expect(runs[Self.identity]?.threadID == first.threadID && runs[Self.identity]?.turnStarted == true)
        }
    }

    @Test func withoutListingADispatchCreatesAndTheProbeStillWorks() async throws {
        try await withSimulator(try Self.scenario(listSupported: false)) { sim in
            let executor = await Self.claudomator(sim)
            #expect(try await executor.probe().missing.isEmpty)
            _ = try await executor.dispatch(Self.request)
            #expect(try await executor.existingRuns(in: Self.identity.issue.repo).isEmpty)
        }
    }

    @Test func aDeletedTaskIsMissingAndHumanStatesNeedInput() async throws {
        try await withSimulator(try Self.scenario(tasks: "never_finish")) { sim in
            let executor = await Self.claudomator(sim)
            let run = try await executor.dispatch(Self.request)
            await sim.setClaudomatorTaskState(run.threadID, "BLOCKED")
            #expect(
                try await Self.observe(executor, run.threadID, times: 1)
                    == [.needsInput("the task is blocked, awaiting input in Claudomator (BLOCKED)")]
            )
            await sim.setClaudomatorTaskState(run.threadID, "CANCELLED")
            #expect(try await Self.observe(executor, run.threadID, times: 1) == [.interrupted])
            await sim.deleteClaudomatorTask(run.threadID)
            #expect(try await Self.observe(executor, run.threadID, times: 1) == [.missing])
        }
    }

    @Test func aStoppedServerIsUnknown() async throws {
        let sim = Simulator(scenario: try Self.scenario())
        try await sim.start()
        let executor = await Self.claudomator(sim)
        let run = try await executor.dispatch(Self.request)
        await sim.stop()
        guard case .unknown?? = try await Self.observe(executor, run.threadID, times: 1).first else {
            Issue.record("a server that does not answer must leave the task unknown")
            return
        }
    }
}
