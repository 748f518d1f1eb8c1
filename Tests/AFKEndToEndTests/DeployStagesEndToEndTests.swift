import AFKSimulator
import AFKTesting
import Foundation
import Testing

/// The watcher's verdict folded from build → deploy (Woodpecker) → rollout (Kubernetes), with the
/// real binaries against the simulated services over HTTP.
@Suite(.timeLimit(.minutes(3)))
struct DeployStagesEndToEndTests {
    static let widgets = "acme/widgets"
    static let thread = "afk-acme~widgets-i1-r1"

    /// A dispatched run whose agent has finished, with Woodpecker and Kubernetes following pushes to
    /// acme/widgets as `woodpecker` and `rollout` describe.
    static func world(
        woodpecker: String = #"{"status": "success"}"#,
        rollout: String = #"{"outcome": "complete", "after_reads": 0}"#,
        forge: Forge = .github
    ) async throws -> (World, [String: String]) {
        let extra = """
            "woodpecker": { "tokens": {"wp_SECRET": "afk-bot"},
              "repos": [{"owner": "acme", "name": "widgets-deploy", "forge_repo": "acme/widgets", "auto": \(woodpecker)}] },
            "kubernetes": { "tokens": {"k8s_SECRET": {"namespaces": ["shop"]}},
              "deployments": [{"namespace": "shop", "name": "web", "image": "registry.example.com/widgets:v1", "repo": "acme/widgets",
                               "on_push": \(rollout)}] }
            """
        let world = try await World.start(
            repos: repoJSON("acme/widgets", issues: [issueJSON(1)]),
            forge: forge,
            extraScenario: extra
        )
        let base = await world.sim.baseURL
        let env = world.environment(
            allowlist: widgets,
            [
                "AFK_STAGES_DEPLOY": "woodpecker",
                "AFK_WOODPECKER_URL": base.appendingPathComponent("woodpecker").absoluteString,
                "AFK_WOODPECKER_TOKEN": "wp_SECRET", "AFK_WOODPECKER_REPO": "acme/widgets-deploy",
                "AFK_STAGES_ROLLOUT": "kubernetes",
                "AFK_KUBERNETES_URL": base.appendingPathComponent("k8s").absoluteString,
                "AFK_KUBERNETES_TOKEN": "k8s_SECRET", "AFK_KUBERNETES_DEPLOYMENTS": "shop/web",
            ]
        )
        let poll = try await world.poller(env: env)
        #expect(poll.dispatched == ["acme/widgets#1"], "\(poll.stderr)")
        _ = await world.sim.completeTurn(threadId: thread)
        return (world, env)
    }

    /// The agent's commit, with green build CI.
    @discardableResult
    static func push(_ world: World, build: String = "success") async -> String {
        let sha = await world.sim.pushCommit("acme", "widgets", branch: "main", message: "Add a cache\n\nCloses #1")
        await world.sim.setCheckRun("acme", "widgets", sha: sha, name: "build", status: "completed", conclusion: build)
        return sha
    }

    static func watch(_ world: World, _ env: [String: String]) async throws -> ToolRun {
        try await world.run("afk-watcher", ["--output", "json"], env: env)
    }

    @Test(arguments: Forge.allCases) func closesOnlyOnceBuiltDeployedAndRolledOut(forge: Forge) async throws {
        let (world, env) = try await Self.world(
            woodpecker: #"{"status": "success", "after_reads": 1}"#,
            rollout: #"{"outcome": "complete", "after_reads": 1}"#,
            forge: forge
        )
        defer { Task { await world.stop() } }
        let sha = await Self.push(world)
        let first = try await Self.watch(world, env)
        #expect(first.verb(Self.widgets, 1) == "wait", "\(first.stdout)")
        #expect(first.reason(Self.widgets, 1).contains("deploy pending"), "\(first.reason(Self.widgets, 1))")
        #expect(first.reason(Self.widgets, 1).contains("rollout not queried"))
        // The rollout stage was not asked while the deploy was still running.
        #expect(await world.sim.requests().filter { $0.service == .k8s }.isEmpty)
        var last = first
        for _ in 0..<3 where last.verb(Self.widgets, 1) != "close" {
            last = try await Self.watch(world, env)
        }
        #expect(last.verb(Self.widgets, 1) == "close", "\(last.stdout)\n\(last.stderr)")
        #expect(last.reason(Self.widgets, 1).contains("build green · deploy green"), "\(last.reason(Self.widgets, 1))")
        #expect(last.reason(Self.widgets, 1).contains("rollout green"))
        #expect(await world.sim.issue("acme", "widgets", 1)?.state == "closed")
        let deployment = await world.sim.deployment(namespace: "shop", name: "web")
        #expect(deployment?.image.hasSuffix(sha) == true)
        #expect(!last.stdout.contains("SECRET") && !last.stderr.contains("SECRET"))
    }

    @Test func aFailedDeployFixesForwardNamingTheStage() async throws {
        let (world, env) = try await Self.world(woodpecker: #"{"status": "failure"}"#)
        defer { Task { await world.stop() } }
        await Self.push(world)
        let run = try await Self.watch(world, env)
        #expect(run.verb(Self.widgets, 1) == "fix_forward", "\(run.stdout)")
        #expect(run.reason(Self.widgets, 1).contains("deploy"), "\(run.reason(Self.widgets, 1))")
        let turn = await world.sim.threads().first?.messages.filter { $0.role == "user" }.last?.text ?? ""
        #expect(turn.contains("deploy:"), "\(turn)")
    }

    @Test func aRolloutThatNeverCompletesWaitsAndThenStalls() async throws {
        let (world, env) = try await Self.world(rollout: #"{"outcome": "never"}"#)
        defer { Task { await world.stop() } }
        await Self.push(world)
        let waiting = try await Self.watch(world, env)
        #expect(waiting.verb(Self.widgets, 1) == "wait", "\(waiting.stdout)")
        #expect(waiting.reason(Self.widgets, 1).contains("rollout pending"), "\(waiting.reason(Self.widgets, 1))")
        let again = try await Self.watch(world, env)
        #expect(again.verb(Self.widgets, 1) == "wait", "\(again.stdout)")
        #expect(await world.sim.issue("acme", "widgets", 1)?.state == "open")
        // The stall limit counts from the phase the first tick recorded (pushed).
        try await Task.sleep(nanoseconds: 2_100_000_000)
        let stalled = try await Self.watch(world, env.merging(["AFK_STALL_SECONDS": "2"]) { _, new in new })
        #expect(stalled.verb(Self.widgets, 1) == "escalate", "\(stalled.stdout)")
        #expect(stalled.reason(Self.widgets, 1).contains("rollout pending"), "\(stalled.reason(Self.widgets, 1))")
        #expect(await world.labels(Self.widgets, 1).contains("ready-for-human"))
    }

    @Test func aRolloutPastItsDeadlineIsRed() async throws {
        let (world, env) = try await Self.world(rollout: #"{"outcome": "deadline_exceeded", "after_reads": 0}"#)
        defer { Task { await world.stop() } }
        await Self.push(world)
        let run = try await Self.watch(world, env)
        #expect(run.verb(Self.widgets, 1) == "fix_forward", "\(run.stdout)")
        #expect(run.reason(Self.widgets, 1).contains("ProgressDeadlineExceeded"), "\(run.reason(Self.widgets, 1))")
    }

    @Test func anUnreachableDeployStageIsPendingNotRed() async throws {
        let (world, env) = try await Self.world()
        defer { Task { await world.stop() } }
        await Self.push(world)
        await world.sim.inject(Fault(service: .woodpecker, status: 503, times: 1000))
        let run = try await Self.watch(world, env.merging(["AFK_HTTP_RETRY_BUDGET_SECONDS": "0"]) { _, new in new })
        #expect(run.verb(Self.widgets, 1) == "wait", "\(run.stdout)")
        #expect(run.reason(Self.widgets, 1).contains("could not ask Woodpecker"), "\(run.reason(Self.widgets, 1))")
        #expect(await world.labels(Self.widgets, 1).contains("agent-in-progress"))
    }

    @Test func unobservedStagesAreReportedAsSuch() async throws {
        let (world, env0) = try await Self.world()
        defer { Task { await world.stop() } }
        await Self.push(world)
        var env = env0
        env["AFK_STAGES_DEPLOY"] = "unobserved"
        env["AFK_STAGES_ROLLOUT"] = nil
        let run = try await Self.watch(world, env)
        #expect(run.verb(Self.widgets, 1) == "close", "\(run.stdout)")
        #expect(
            run.reason(Self.widgets, 1).contains("build green · deploy unobserved · rollout unobserved"),
            "\(run.reason(Self.widgets, 1))"
        )
        #expect(await world.sim.requests().filter { $0.service == .woodpecker || $0.service == .k8s }.isEmpty)
    }

    @Test func aRepositoryOverrideTurnsTheStagesOnForThatRepositoryOnly() async throws {
        let (world, env0) = try await Self.world(woodpecker: #"{"status": "running"}"#)
        defer { Task { await world.stop() } }
        await Self.push(world)
        var env = env0
        // Global: build only. acme/widgets: deploy too (from the environment, as a Kubernetes Secret would give it).
        env["AFK_STAGES_DEPLOY"] = nil
        env["AFK_STAGES_ROLLOUT"] = nil
        env["AFK_REPOS_ACME_WIDGETS_STAGES_DEPLOY"] = "woodpecker"
        let run = try await Self.watch(world, env)
        #expect(run.verb(Self.widgets, 1) == "wait", "\(run.stdout)\n\(run.stderr)")
        #expect(run.reason(Self.widgets, 1).contains("deploy pending"), "\(run.reason(Self.widgets, 1))")
    }

    @Test func checkConfigReachesEveryStage() async throws {
        let (world, env) = try await Self.world()
        defer { Task { await world.stop() } }
        let good = try await world.run("afk", ["check-config"], env: env)
        #expect(good.stdout.contains("✔ acme/widgets deploy stage (Woodpecker)"), "\(good.stdout)")
        #expect(good.stdout.contains("✔ acme/widgets rollout stage (Kubernetes)"), "\(good.stdout)")
        let bad = try await world.run(
            "afk",
            ["check-config"],
            env: env.merging(["AFK_KUBERNETES_TOKEN": "wrong_SECRET"]) { _, new in new }
        )
        #expect(bad.code == 1)
        #expect(bad.stdout.contains("✘ acme/widgets rollout stage (Kubernetes)"), "\(bad.stdout)")
        #expect(!bad.stdout.contains("SECRET") && !bad.stderr.contains("SECRET"))
        #expect(
            await world.sim.requests().filter { $0.service == .woodpecker || $0.service == .k8s }
                .allSatisfy { $0.method == "GET" }
        )
    }
}
