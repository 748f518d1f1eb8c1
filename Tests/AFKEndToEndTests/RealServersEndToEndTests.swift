import AFKSimulator
import AFKTesting
import Foundation
import Testing

/// The built binaries against a simulator that behaves the way real servers do and the earlier
/// simulator never did: arbitrary activity payloads, a turn that starts late, paged check runs,
/// the push-access 403, writes applied behind a 502, dropped connections, SIGTERM mid-tick.
@Suite(.timeLimit(.minutes(4)))
struct RealServersEndToEndTests {
    static let widgets = "acme/widgets"

    func watch(_ world: World, _ env: [String: String], _ args: [String] = []) async throws -> ToolRun {
        try await world.run("afk-watcher", ["--output", "json"] + args, env: env)
    }

    func record(_ world: World, _ repo: String = widgets, _ number: Int = 1) async -> String {
        await world.comments(repo, number).filter { $0.user == "afk-bot" && $0.body.contains("<!-- afk:run ") }.last?
            .body ?? ""
    }

    /// A `runtime.warning` whose `payload.detail` is an object, and one that is an array, in
    /// another run's thread: both runs are still watched, each on its own evidence.
    @Test(arguments: Forge.allCases) func arbitraryActivityPayloadsAreNoOutage(forge: Forge) async throws {
        let world = try await World.start(
            repos: [
                repoJSON("acme/widgets", issues: [issueJSON(1)]), repoJSON("acme/api", issues: [issueJSON(2)]),
            ]
            .joined(separator: ","),
            forge: forge
        )
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: "acme/widgets,acme/api")
        #expect(try await world.poller(env: env).dispatched == ["acme/api#2", "acme/widgets#1"])
        let warning = try #require(
            JSONValue.parse(
                #"""
                {"id":"5b1f0c9e","tone":"info","kind":"runtime.warning","summary":"Reconnecting... 2/5",
                 "payload":{"message":"Reconnecting... 2/5","detail":{"error":{"message":"stream disconnected","codexErrorInfo":null},"willRetry":true}},
                 "turnId":null,"createdAt":"2026-08-12T09:14:03.512Z"}
                """#
            )
        )
        let arrayDetail = try #require(
            JSONValue.parse(
                #"""
                {"id":"c7e2a4d1","tone":"info","kind":"runtime.warning","summary":"Config warnings",
                 "payload":{"message":"Config warnings","detail":[{"path":"~/.codex/config.toml"},"ignored"]},"turnId":null,"createdAt":"2026-08-12T09:12:41.007Z"}
                """#
            )
        )
        #expect(await world.sim.addActivity(warning, toThread: "afk-acme~api-i2-r1"))
        #expect(await world.sim.addActivity(arrayDetail, toThread: "afk-acme~api-i2-r1"))
        #expect(await world.sim.completeTurn(threadId: "afk-acme~widgets-i1-r1"))
        let run = try await watch(world, env)
        #expect(run.code == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.verb("acme/widgets", 1) == "escalate", "\(run.stdout)")  // finished without a push: seen
        #expect(run.verb("acme/api", 2) == "wait")
        #expect(run.reason("acme/api", 2).contains("agent working"), "\(run.reason("acme/api", 2))")
    }

    /// After a corrective turn is sent, T3 keeps showing the previous (completed) turn until the
    /// provider picks the new one up: that is not "ended without pushing a fix".
    @Test(arguments: Forge.allCases) func aCorrectiveTurnThatHasNotStartedIsNotReadAsFinished(forge: Forge) async throws
    {
        let world = try await World.start(
            repos: repoJSON("acme/widgets", issues: [issueJSON(1, title: "Add a cache")]),
            t3: #""turn_pickup_polls": 3"#,
            forge: forge
        )
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: Self.widgets)
        #expect(try await world.poller(env: env).dispatched == ["acme/widgets#1"])
        // The first turn is not picked up yet either: no "finished without a push".
        let early = try await watch(world, env)
        #expect(early.verb(Self.widgets, 1) == "wait", "\(early.stdout)")
        let thread = "afk-acme~widgets-i1-r1"
        for _ in 0..<3 { _ = try await watch(world, env) }  // the provider picks the first turn up
        let red = await world.sim.pushCommit("acme", "widgets", branch: "main", message: "Add a cache\n\nCloses #1")
        await world.sim.setCheckRun(
            "acme",
            "widgets",
            sha: red,
            name: "build",
            status: "completed",
            conclusion: "failure"
        )
        #expect(await world.sim.completeTurn(threadId: thread))
        let fix = try await watch(world, env)
        #expect(fix.verb(Self.widgets, 1) == "fix_forward", "\(fix.stdout)")
        let sent = await record(world)
        #expect(sent.contains(#""awaiting_turn":{"after":"#), "\(sent)")
        // T3 still shows turn 1, completed: the corrective turn waits to be picked up.
        for tick in 0..<2 {
            let waiting = try await watch(world, env)
            #expect(waiting.verb(Self.widgets, 1) == "wait", "tick \(tick): \(waiting.stdout)")
            #expect(
                waiting.reason(Self.widgets, 1).contains("corrective turn sent"),
                "\(waiting.reason(Self.widgets, 1))"
            )
            #expect(await world.labels(Self.widgets, 1).contains("agent-in-progress"))
        }
        // Picked up; the agent fixes the build; green closes.
        _ = try await watch(world, env)
        let fixed = await world.sim.pushCommit("acme", "widgets", branch: "main", message: "Fix the build\n\nCloses #1")
        await world.sim.setCheckRun(
            "acme",
            "widgets",
            sha: fixed,
            name: "build",
            status: "completed",
            conclusion: "success"
        )
        var verdict = try await watch(world, env)
        for _ in 0..<3 where verdict.verb(Self.widgets, 1) == "wait" { verdict = try await watch(world, env) }
        #expect(verdict.verb(Self.widgets, 1) == "close", "\(verdict.stdout)")
    }

    /// A matrix build of 150 check runs whose one failure lies on page 2: fix forward, never close.
    @Test func aFailureOnPage2OfTheCheckRunsNeverClosesTheIssue() async throws {
        let world = try await World.start(repos: repoJSON("acme/widgets", issues: [issueJSON(1)]))
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: Self.widgets)
        _ = try await world.poller(env: env)
        let sha = await world.sim.pushCommit("acme", "widgets", branch: "main", message: "Add a cache\n\nCloses #1")
        // Created first, so listed last (newest first): page 2 of 100.
        await world.sim.setCheckRun(
            "acme",
            "widgets",
            sha: sha,
            name: "test (windows, 3.9)",
            status: "completed",
            conclusion: "failure"
        )
        for n in 1..<150 {
            await world.sim.setCheckRun(
                "acme",
                "widgets",
                sha: sha,
                name: "test (matrix \(n))",
                status: "completed",
                conclusion: "success"
            )
        }
        _ = await world.sim.completeTurn(threadId: "afk-acme~widgets-i1-r1")
        let run = try await watch(world, env)
        #expect(run.verb(Self.widgets, 1) == "fix_forward", "\(run.stdout)")
        #expect(run.reason(Self.widgets, 1).contains("test (windows, 3.9) (failure)"))
        #expect(await world.sim.issue("acme", "widgets", 1)?.state == "open")
        let pages = await world.sim.requests().filter { $0.path.hasSuffix("/check-runs") }
            .map { $0.query["page"] ?? "1" }
        #expect(pages == ["1", "2"], "\(pages)")
    }

    /// GitHub shows who applied a label only to a token that may push. A bot with triage gets
    /// 403 "Must have push access…": one configuration problem per repository, naming the role.
    @Test func aTokenWithoutPushAccessIsOneConfigurationProblemPerRepository() async throws {
        let world = try await World.start(
            repos: [
                repoJSON(
                    "acme/widgets",
                    collaborators: #""alice": "admin", "afk-bot": "triage""#,
                    issues: [issueJSON(1), issueJSON(2)]
                ),
                repoJSON("acme/api", issues: [issueJSON(3)]),
            ]
            .joined(separator: ",")
        )
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: "acme/widgets,acme/api")
        let run = try await world.poller(env: env)
        #expect(run.code == 1)
        #expect(run.dispatched == ["acme/api#3"])
        let problems = run.errors.filter { $0.contains("acme/widgets") }
        #expect(problems.count == 1, "\(run.errors)")
        #expect(
            problems.first?.contains("needs push access (the write, maintain or admin role) to acme/widgets") == true,
            "\(problems)"
        )
        let check = try await world.run("afk", ["check-config"], env: env)
        #expect(check.code == 1)
        #expect(check.stdout.contains("✘ acme/widgets: the token has less than push access"), "\(check.stdout)")
        #expect(check.stdout.contains("✔ acme/api: reachable, the token may push"))
    }

    /// The run comment's POST is applied, then a gateway answers 502: the poller finds the
    /// comment by its marker instead of writing a second one.
    @Test(arguments: Forge.allCases) func aRunCommentAppliedBehindA502IsWrittenOnce(forge: Forge) async throws {
        let world = try await World.start(repos: repoJSON("acme/widgets", issues: [issueJSON(1)]), forge: forge)
        defer { Task { await world.stop() } }
        await world.sim.inject(
            Fault(
                service: forge.service,
                method: "POST",
                pathContains: "/issues/1/comments",
                status: 502,
                body: "<html><body><h1>502 Bad Gateway</h1></body></html>",
                times: 1,
                applyAfterDelay: true
            )
        )
        let run = try await world.poller(env: world.environment(allowlist: Self.widgets))
        #expect(run.code == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.dispatched == ["acme/widgets#1"])
        let records = await world.comments(Self.widgets, 1).filter { $0.body.contains("<!-- afk:run ") }
        #expect(records.count == 1, "\(records.map(\.body))")
        #expect(
            await world.sim.requests().filter { $0.method == "POST" && $0.path.hasSuffix("/issues/1/comments") }.count
                == 1
        )
    }

    /// The job runner took the job, then its gateway answered 502: one job, never a second; the
    /// watcher hands the run to a human naming the run id to look for.
    @Test func aJobAppliedBehindA502IsNeverSubmittedTwice() async throws {
        let extra = #""jobs": { "tokens": ["runner_SECRET"], "scripts": {"acme/widgets#1": "never_finish"} }"#
        let world = try await World.start(repos: repoJSON("acme/widgets", issues: [issueJSON(1)]), extraScenario: extra)
        defer { Task { await world.stop() } }
        let env = world.environment(
            allowlist: Self.widgets,
            [
                "AFK_EXECUTOR_KIND": "jobs",
                "AFK_EXECUTOR_URL": (await world.sim.baseURL).appendingPathComponent("jobs").absoluteString,
                "AFK_EXECUTOR_TOKEN": "runner_SECRET",
            ]
        )
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
        let run = try await world.poller(env: env)
        #expect(run.code == 1)
        #expect(await world.sim.jobs().count == 1)
        #expect(try await world.poller(env: env).dispatched.isEmpty)
        #expect(await world.sim.jobs().count == 1)
        let watched = try await watch(world, env)
        #expect(watched.verb(Self.widgets, 1) == "escalate", "\(watched.stdout)")
        #expect(watched.reason(Self.widgets, 1).contains("afk-acme~widgets-i1-r1"))
    }

    /// T3 drops every connection for the whole tick: ten repositories with a run each all wait,
    /// nothing is written, and T3 is tried a few times in all, not once per repository.
    @Test func anExecutorThatDropsEveryConnectionCostsOneBreakerNotATickPerRepository() async throws {
        let repos = (1...10).map { "acme/repo\($0)" }
        let world = try await World.start(
            repos: repos.map { repoJSON($0, issues: [issueJSON(1)]) }.joined(separator: ",")
        )
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: repos.joined(separator: ","))
        #expect(try await world.poller(env: env).dispatched.count == 10)
        let dropping = try DroppingServer(.dropEveryConnection)
        defer { dropping.stop() }
        await world.sim.clearRequests()
        let down = env.merging(["AFK_EXECUTOR_URL": dropping.url.absoluteString, "AFK_HTTP_RETRY_BUDGET_SECONDS": "60"])
        { _, new in new }
        let started = Date()
        let run = try await watch(world, down)
        let seconds = Date().timeIntervalSince(started)
        #expect(run.code == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.actions.count == 10)
        #expect(run.actions.allSatisfy { $0["action"] as? String == "wait" }, "\(run.stdout)")
        #expect(await world.writes().isEmpty)
        #expect(dropping.accepted <= 5, "T3 was tried \(dropping.accepted) times")
        #expect(seconds < 60, "a tick with T3 down took \(Int(seconds)) s")
    }

    /// SIGTERM mid-tick (Kubernetes at activeDeadlineSeconds): nothing new starts, the report is
    /// printed, exit 1.
    /// SIGTERM while the discovery searches hang: the searches are abandoned with the tick, which
    /// ends within its grace period and still reports, instead of waiting out the slow answer.
    @Test func sigtermDuringTheSearchesEndsTheTickPromptly() async throws {
        let repos = ["acme/alpha", "acme/beta"]
        let world = try await World.start(
            repos: repos.map { repoJSON($0, issues: [issueJSON(1)]) }.joined(separator: ",")
        )
        defer { Task { await world.stop() } }
        await world.sim.inject(
            Fault(service: .github, method: "GET", pathContains: "/search/issues", delaySeconds: 40, times: 2)
        )
        let started = Date()
        let run = try await world.run(
            "afk-poller",
            ["--output", "json"],
            env: world.environment(allowlist: repos.joined(separator: ",")),
            killWhen: { requests in requests.contains { $0.path.hasPrefix("/search/issues") } },
            signal: SIGTERM
        )
        // A request in flight gets 3 s of grace; without the stop, the search would hang until it timed out.
        #expect(Date().timeIntervalSince(started) < 8, "the tick waited for the hanging search")
        #expect(run.code == 1, "\(run.stdout)\n\(run.stderr)")
        #expect(run.errors.contains { $0.contains("stopped by SIGTERM") }, "\(run.errors)")
        #expect(await world.sim.threads().isEmpty)
    }

    @Test func sigtermMidTickStopsNewWorkAndStillReports() async throws {
        let repos = ["acme/alpha", "acme/beta", "acme/gamma"]
        let world = try await World.start(
            repos: repos.map { repoJSON($0, issues: [issueJSON(1)]) }.joined(separator: ",")
        )
        defer { Task { await world.stop() } }
        // One repository at a time, so that the order is known: alpha, then beta, then gamma.
        let env = world.environment(allowlist: repos.joined(separator: ","), ["AFK_HTTP_MAX_IN_FLIGHT": "1"])
        #expect(try await world.poller(env: env).dispatched.count == 3)
        await world.sim.clearRequests()
        // beta's comments answer slowly; SIGTERM arrives while the watcher waits on them.
        await world.sim.inject(
            Fault(
                service: .github,
                method: "GET",
                pathContains: "/repos/acme/beta/issues/1/comments",
                delaySeconds: 8,
                times: 1
            )
        )
        let run = try await world.run(
            "afk-watcher",
            ["--output", "json"],
            env: env,
            killWhen: { requests in
                requests.contains { $0.path.hasPrefix("/repos/acme/beta/issues/1/comments") }
            },
            signal: SIGTERM
        )
        #expect(run.code == 1, "\(run.stdout)\n\(run.stderr)")
        #expect(run.errors.contains { $0.contains("stopped by SIGTERM") }, "\(run.errors)")
        let errors = run.report?["errors"] as? [[String: Any]] ?? []
        #expect(
            errors.contains {
                $0["repo"] as? String == "acme/gamma"
                    && ($0["message"] as? String ?? "").contains("not started this tick")
            },
            "\(run.stdout)"
        )
        // Runs are read first and decided once every repository's are read: stopped while reading,
        // the tick decides nothing and says which repositories it did not finish.
        #expect(!(await world.sim.requests().contains { $0.path.hasPrefix("/repos/acme/gamma") }))
        #expect(await world.writes().isEmpty)
    }

    /// `runtime_mode: auto` against a T3 older than 0.0.29: a configuration error before any
    /// dispatch (exit 2), not a bare 400; check-config says so too.
    @Test func runtimeModeAutoAgainstAnOldT3IsAConfigurationError() async throws {
        let world = try await World.start(
            repos: repoJSON("acme/widgets", issues: [issueJSON(1)]),
            t3: #""server_version": "0.0.27""#
        )
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: Self.widgets, ["AFK_EXECUTOR_RUNTIME_MODE": "auto"])
        let run = try await world.poller(env: env)
        #expect(run.code == 2)
        #expect(
            run.stderr.contains("executor.runtime_mode is auto, which T3 accepts from 0.0.29; the server is 0.0.27"),
            "\(run.stderr)"
        )
        #expect(!(await world.sim.requests().contains { $0.method == "POST" }))
        let check = try await world.run("afk", ["check-config"], env: env)
        #expect(check.code == 1)
        #expect(check.stdout.contains("✘ T3: executor.runtime_mode is auto"), "\(check.stdout)")
    }
}
