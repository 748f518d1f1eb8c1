import AFKSimulator
import AFKTesting
import Foundation
import Testing

/// The job runner and Claudomator as agent runtimes, with the real binaries against the
/// simulated services over HTTP.
@Suite(.timeLimit(.minutes(3)))
struct RunnersEndToEndTests {
    static let widgets = "acme/widgets"

    enum Runtime: String, CaseIterable, CustomStringConvertible {
        case jobs, claudomator
        var description: String { rawValue }
    }

    /// A world whose acme/widgets#1 is ready, with `script` for its runs.
    static func world(_ runtime: Runtime, script: String, forge: Forge = .github) async throws -> (
        World, [String: String]
    ) {
        let extra = """
            "jobs": { "tokens": ["runner_SECRET"], "scripts": {"acme/widgets#1": "\(script)"} },
            "claudomator": { "tokens": ["claudomator_SECRET"], "scripts": {"acme/widgets#1": "\(script)"} }
            """
        let world = try await World.start(
            repos: repoJSON("acme/widgets", issues: [issueJSON(1, title: "Add a cache")]),
            forge: forge,
            extraScenario: extra
        )
        let base = await world.sim.baseURL
        let env = world.environment(
            allowlist: widgets,
            [
                "AFK_EXECUTOR_KIND": runtime.rawValue,
                "AFK_EXECUTOR_URL": base.appendingPathComponent(runtime == .jobs ? "jobs" : "claudomator")
                    .absoluteString,
                "AFK_EXECUTOR_TOKEN": runtime == .jobs ? "runner_SECRET" : "claudomator_SECRET",
                "AFK_BUDGET_USD": "3",
            ]
        )
        return (world, env)
    }

    static func watch(_ world: World, _ env: [String: String]) async throws -> ToolRun {
        try await world.run("afk-watcher", ["--output", "json"], env: env)
    }

    /// Watcher ticks until the issue's action is not `wait` (at most `limit`).
    static func watchUntilDecided(_ world: World, _ env: [String: String], limit: Int = 6) async throws -> ToolRun {
        var run = try await watch(world, env)
        var ticks = 1
        while run.verb(widgets, 1) == "wait", ticks < limit {
            run = try await watch(world, env)
            ticks += 1
        }
        return run
    }

    static func record(_ world: World) async -> String {
        await world.comments(widgets, 1).first { $0.body.contains("<!-- afk:run ") }?.body ?? ""
    }

    @Test(arguments: Runtime.allCases, Forge.allCases)
    func fromReadyToClosed(runtime: Runtime, forge: Forge) async throws {
        let (world, env) = try await Self.world(runtime, script: "push_green", forge: forge)
        defer { Task { await world.stop() } }
        let poll = try await world.poller(env: env)
        #expect(poll.code == 0, "\(poll.stderr)")
        #expect(poll.dispatched == ["acme/widgets#1"])
        let record = await Self.record(world)
        #expect(!record.contains(#""submitted":false"#), "\(record)")
        #expect(record.contains(#""executor":"\#(runtime.rawValue)""#))
        if runtime == .jobs {
            let jobs = await world.sim.jobs()
            #expect(jobs.count == 1)
            #expect(jobs.first?.agent == "afk-implementer")
            #expect(jobs.first?.maxBudgetUSD == 3)
            #expect(jobs.first?.metadata["afk_run"] == "afk-acme~widgets-i1-r1")
            #expect(jobs.first?.prompt.contains("AFK-Issue: acme/widgets#1") == true)
            #expect(record.contains(#""thread_id":"\#(jobs.first?.id ?? "?")""#))
        } else {
            let tasks = await world.sim.claudomatorTasks()
            #expect(tasks.map(\.name) == ["afk-acme~widgets-i1-r1"])
            #expect(tasks.first?.workingDir == "/srv/afk/acme/widgets")
            #expect(tasks.first?.maxBudgetUSD == 3)
            #expect(tasks.first?.state == "QUEUED")
        }
        // A second poller tick finds the repository locked and submits nothing.
        _ = try await world.poller(env: env)
        #expect(await world.sim.jobs().count + world.sim.claudomatorTasks().count == 1)
        let done = try await Self.watchUntilDecided(world, env)
        #expect(done.verb(Self.widgets, 1) == "close", "\(done.stdout)\n\(done.stderr)")
        #expect(await world.sim.issue("acme", "widgets", 1)?.state == "closed")
        #expect(!done.stdout.contains("SECRET") && !done.stderr.contains("SECRET"))
    }

    @Test(arguments: Runtime.allCases)
    func redThenGreenFixesForwardWithANewJob(runtime: Runtime) async throws {
        let (world, env) = try await Self.world(runtime, script: "push_red_then_green")
        defer { Task { await world.stop() } }
        _ = try await world.poller(env: env)
        let red = try await Self.watchUntilDecided(world, env)
        #expect(red.verb(Self.widgets, 1) == "fix_forward", "\(red.stdout)\n\(red.stderr)")
        let submissions =
            runtime == .jobs ? await world.sim.jobs().map(\.id) : await world.sim.claudomatorTasks().map(\.id)
        #expect(submissions.count == 2)
        // The record now follows the corrective job.
        #expect(await Self.record(world).contains(#""thread_id":"\#(submissions.last ?? "?")""#))
        let green = try await Self.watchUntilDecided(world, env)
        #expect(green.verb(Self.widgets, 1) == "close", "\(green.stdout)\n\(green.stderr)")
    }

    @Test(arguments: [
        (Runtime.jobs, "fail", "the job failed with exit code 1"),
        (Runtime.jobs, "timeout", "TIMED_OUT"),
        (Runtime.claudomator, "budget_exceeded", "BUDGET_EXCEEDED"),
        (Runtime.claudomator, "timeout", "TIMED_OUT"),
        (Runtime.claudomator, "fail", "FAILED"),
    ])
    func aFailedRunEscalatesSayingWhy(runtime: Runtime, script: String, reason: String) async throws {
        let (world, env) = try await Self.world(runtime, script: script)
        defer { Task { await world.stop() } }
        _ = try await world.poller(env: env)
        let run = try await Self.watchUntilDecided(world, env)
        #expect(run.verb(Self.widgets, 1) == "escalate", "\(run.stdout)")
        #expect(run.reason(Self.widgets, 1).contains(reason), "\(run.reason(Self.widgets, 1))")
        #expect(await world.labels(Self.widgets, 1).contains("ready-for-human"))
    }

    @Test(arguments: Runtime.allCases)
    func aVanishedJobIsResubmittedOnceThenEscalated(runtime: Runtime) async throws {
        let (world, env) = try await Self.world(runtime, script: "vanish")
        defer { Task { await world.stop() } }
        _ = try await world.poller(env: env)
        let first = try await Self.watchUntilDecided(world, env)
        #expect(first.verb(Self.widgets, 1) == "redispatch", "\(first.stdout)")
        let count = runtime == .jobs ? await world.sim.jobs().count : await world.sim.claudomatorTasks().count
        #expect(count == 2)
        let second = try await Self.watchUntilDecided(world, env)
        #expect(second.verb(Self.widgets, 1) == "escalate", "\(second.stdout)")
    }

    @Test func anUnreachableRunnerIsNotAFailedRun() async throws {
        let (world, env) = try await Self.world(.jobs, script: "push_green")
        defer { Task { await world.stop() } }
        _ = try await world.poller(env: env)
        await world.sim.inject(Fault(service: .jobs, method: "GET", status: 503, times: 1000))
        let run = try await Self.watch(world, env.merging(["AFK_HTTP_RETRY_BUDGET_SECONDS": "0"]) { _, new in new })
        #expect(run.verb(Self.widgets, 1) == "wait", "\(run.stdout)")
        #expect(run.reason(Self.widgets, 1).contains("could not ask the job runner"), "\(run.reason(Self.widgets, 1))")
        #expect(await world.labels(Self.widgets, 1).contains("agent-in-progress"))
    }

    /// The runner refused the job: nothing started, the lock comes off, the next tick tries again.
    @Test func aRefusedSubmissionIsTakenBack() async throws {
        let (world, env) = try await Self.world(.jobs, script: "push_green")
        defer { Task { await world.stop() } }
        await world.sim.inject(
            Fault(
                service: .jobs,
                method: "POST",
                pathContains: "/execute",
                status: 429,
                body: #"{"detail":"Queue full"}"#,
                times: 1000
            )
        )
        let refused = try await world.poller(env: env.merging(["AFK_HTTP_RETRY_BUDGET_SECONDS": "0"]) { _, new in new })
        #expect(refused.code == 1)
        #expect(await world.sim.jobs().isEmpty)
        #expect(!(await world.labels(Self.widgets, 1).contains("agent-in-progress")))
        #expect(await Self.record(world).contains(#""phase":"not_started""#))
        await world.sim.clearFaults()
        let again = try await world.poller(env: env)
        #expect(again.dispatched == ["acme/widgets#1"], "\(again.stderr)")
        #expect(await world.sim.jobs().map { $0.metadata["afk_run"] } == ["afk-acme~widgets-i1-r2"])
    }

    /// Sent, then the connection timed out: the job may be running. It is never sent again; the
    /// watcher hands the issue to a human, naming the run to look for.
    @Test func aSubmissionWithAnUnknownOutcomeIsNeverRepeated() async throws {
        let (world, env) = try await Self.world(.jobs, script: "push_green")
        defer { Task { await world.stop() } }
        await world.sim.inject(
            Fault(service: .jobs, method: "POST", pathContains: "/execute", delaySeconds: 9, times: 1)
        )
        // A timeout short enough to cut the submission, long enough for every other request of a
        // loaded CI machine.
        let timedOut = try await world.poller(env: env.merging(["AFK_HTTP_TIMEOUT_SECONDS": "3"]) { _, new in new })
        #expect(timedOut.code == 1)
        #expect(await Self.record(world).contains(#""submitted":false"#))
        #expect(await world.labels(Self.widgets, 1).contains("agent-in-progress"))
        let next = try await world.poller(env: env)
        #expect(next.dispatched.isEmpty)
        let jobsSent = await world.sim.requests().filter { $0.service == .jobs && $0.method == "POST" }.count
        #expect(jobsSent == 1)
        let watch = try await Self.watch(world, env)
        #expect(watch.verb(Self.widgets, 1) == "escalate", "\(watch.stdout)")
        #expect(watch.reason(Self.widgets, 1).contains("no idempotency key"))
        #expect(watch.reason(Self.widgets, 1).contains("afk-acme~widgets-i1-r1"))
    }

    /// A repository moved to another runtime mid-run: the old run is handed to a human, never
    /// started a second time on the new runtime.
    @Test func aRunStartedOnAnotherRuntimeIsEscalatedNotRestarted() async throws {
        let (world, jobsEnv) = try await Self.world(.jobs, script: "push_green")
        defer { Task { await world.stop() } }
        let t3Env = world.environment(allowlist: Self.widgets)
        #expect(try await world.poller(env: t3Env).dispatched == ["acme/widgets#1"])
        let run = try await Self.watch(world, jobsEnv)
        #expect(run.verb(Self.widgets, 1) == "escalate", "\(run.stdout)")
        #expect(run.reason(Self.widgets, 1).contains("started on t3"), "\(run.reason(Self.widgets, 1))")
        #expect(await world.sim.jobs().isEmpty)
    }

    /// A corrective job the runner refused (429 Queue full: its own word that nothing started)
    /// stays owed and is sent on the next tick, once.
    @Test func aRefusedCorrectiveJobIsSentAgainNextTickOnce() async throws {
        let (world, env) = try await Self.world(.jobs, script: "push_red_then_green")
        defer { Task { await world.stop() } }
        _ = try await world.poller(env: env)
        await world.sim.inject(
            Fault(
                service: .jobs,
                method: "POST",
                pathContains: "/execute",
                status: 429,
                body: #"{"detail":"Queue full"}"#,
                times: 1000
            )
        )
        let refused = try await Self.watchUntilDecided(
            world,
            env.merging(["AFK_HTTP_RETRY_BUDGET_SECONDS": "0"]) { _, new in new }
        )
        #expect(refused.code == 1, "\(refused.stdout)")
        #expect(refused.errors.contains { $0.contains("job runner") }, "\(refused.errors)")
        #expect(await world.sim.jobs().count == 1)
        let owed = await Self.record(world)
        #expect(owed.contains(#""pending":["corrective_turn","audit"]"#), "\(owed)")
        await world.sim.clearFaults()
        let retried = try await Self.watch(world, env)
        #expect(retried.code == 0, "\(retried.stderr)")
        #expect(await world.sim.jobs().count == 2)
        #expect(!(await Self.record(world).contains(#""pending""#)))
        let done = try await Self.watchUntilDecided(world, env)
        #expect(done.verb(Self.widgets, 1) == "close", "\(done.stdout)")
        #expect(await world.sim.jobs().count == 2)
    }

    /// A gateway's 502 to the corrective job may hide a job the runner started: it is never sent
    /// again, and the run goes to a human saying so.
    @Test func aCorrectiveJobWhoseAnswerWasLostIsNeverSentTwice() async throws {
        let (world, env) = try await Self.world(.jobs, script: "push_red_then_green")
        defer { Task { await world.stop() } }
        _ = try await world.poller(env: env)
        await world.sim.inject(
            Fault(
                service: .jobs,
                method: "POST",
                pathContains: "/execute",
                status: 502,
                times: 1,
                applyAfterDelay: true
            )
        )
        let lost = try await Self.watchUntilDecided(world, env)
        #expect(lost.code == 1, "\(lost.stdout)")
        #expect(await world.sim.jobs().count == 2)  // the runner did take it
        #expect(!(await Self.record(world).contains("corrective_turn")))
        let next = try await Self.watchUntilDecided(world, env)
        #expect(await world.sim.jobs().count == 2, "never sent a second time")
        #expect(["freeze", "close"].contains(next.verb(Self.widgets, 1) ?? ""), "\(next.stdout)")
    }

    /// `landing: pull_request` on each runtime: the scripted agent reads the `AFK-Branch:` line of
    /// its prompt and pushes there; afk opens, merges and finishes the run.
    @Test(arguments: Runtime.allCases)
    func landingThroughAPullRequest(runtime: Runtime) async throws {
        let (world, armed) = try await Self.world(runtime, script: "push_green")
        defer { Task { await world.stop() } }
        let env = armed.merging(["AFK_LANDING": "pull_request"]) { $1 }
        _ = await world.sim.setProtection(
            "acme",
            "widgets",
            branch: "main",
            SimBranchProtection(requirePullRequest: true)
        )
        let poll = try await world.poller(env: env)
        #expect(poll.dispatched == ["acme/widgets#1"], "\(poll.stderr)")
        var verbs: [String] = []
        for _ in 0..<10 where !(await Self.record(world)).contains(#""phase":"done""#) {
            let run = try await Self.watch(world, env)
            #expect(run.code == 0, "\(run.stderr)")
            verbs.append(run.verb(Self.widgets, 1) ?? "-")
            for pr in await world.sim.pullRequests("acme", "widgets") where pr.merged {
                if let sha = pr.mergeCommitSHA {
                    await world.sim.setCheckRun("acme", "widgets", sha: sha, name: "build", conclusion: "success")
                }
            }
        }
        #expect(verbs.contains("open_pr") && verbs.contains("merge"), "\(verbs)")
        #expect(await Self.record(world).contains(#""phase":"done""#), "\(verbs)")
        let pulls = await world.sim.pullRequests("acme", "widgets")
        #expect(pulls.count == 1 && pulls.first?.merged == true)
        #expect(pulls.first?.head == "afk/1-r1")
        // Nothing reached main except through the pull request.
        let main = await world.sim.commits("acme", "widgets", branch: "main")
        #expect(main.contains { $0.sha == pulls.first?.mergeCommitSHA })
    }

    /// A run afk gives up on while the job may still run: the job runner and Claudomator have no
    /// documented way to stop one, so nothing is sent and the record and doorbell say so.
    @Test(arguments: Runtime.allCases)
    func aRuntimeThatCannotStopAJobSaysSo(runtime: Runtime) async throws {
        let (world, armed) = try await Self.world(runtime, script: "never_finish")
        defer { Task { await world.stop() } }
        let env = armed.merging(["AFK_STALL_SECONDS": "1"]) { $1 }
        #expect(try await world.poller(env: env).dispatched == ["acme/widgets#1"])
        try await Task.sleep(nanoseconds: 1_500_000_000)
        let run = try await Self.watch(world, env)
        #expect(run.verb(Self.widgets, 1) == "escalate", "\(run.stdout)")
        let record = await Self.record(world)
        #expect(record.contains(#""agent_stop":"not stopped: "#), "\(record)")
        #expect(record.contains("no documented way to stop a job"))
    }
}
