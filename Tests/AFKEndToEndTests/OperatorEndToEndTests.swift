import AFKSimulator
import AFKTesting
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif
import Foundation
import Testing

/// `afk status`, `afk explain` and `afk check-config` against the simulator. All read-only.
@Suite(.timeLimit(.minutes(3)))
struct OperatorEndToEndTests {
    static let widgets = "acme/widgets"

    static func world(forge: Forge = .github) async throws -> World {
        let repo = repoJSON(
            "acme/widgets",
            collaborators: #""alice": "admin", "rita": "read", "afk-bot": "write""#,
            issues: [
                issueJSON(1, title: "Add a cache"), issueJSON(2, readyBy: "rita"), issueJSON(3, body: "Blocked by #9"),
                issueJSON(9, labels: [], readyBy: nil),
            ]
        )
        return try await World.start(repos: repo, forge: forge)
    }

    @Test(arguments: Forge.allCases) func statusListsInFlightAndEscalatedRuns(forge: Forge) async throws {
        let world = try await Self.world(forge: forge)
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: Self.widgets)
        #expect(try await world.poller(env: env).dispatched == ["acme/widgets#1"])
        await world.sim.clearRequests()
        let text = try await world.run("afk", ["status"], env: env)
        #expect(text.code == 0, "\(text.stderr)")
        #expect(text.stdout.contains("acme/widgets#1"))
        #expect(text.stdout.contains("afk-acme~widgets-i1-r1"))
        #expect(text.stdout.contains("0/5"))
        let json = try await world.run("afk", ["status", "--output", "json"], env: env)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let runs = try #require(report["runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        #expect(runs.first?["phase"] as? String == "dispatched")
        #expect(runs.first?["thread_id"] as? String == "afk-acme~widgets-i1-r1")
        #expect(runs.first?["age_seconds"] is Int)
        #expect(await world.sim.requests().allSatisfy { $0.method == "GET" })
    }

    @Test(arguments: Forge.allCases) func explainGivesEveryGateAndTheWatchersView(forge: Forge) async throws {
        let world = try await Self.world(forge: forge)
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: Self.widgets)
        let untrusted = try await world.run("afk", ["explain", "acme/widgets#2"], env: env)
        #expect(untrusted.code == 0, "\(untrusted.stderr)")
        #expect(untrusted.stdout.contains("✘ trust and blockers"))
        #expect(untrusted.stdout.contains("rita, whose permission is read"))
        #expect(untrusted.stdout.contains("poller:  would skip"))
        let blocked = try await world.run("afk", ["explain", "acme/widgets#3", "--output", "json"], env: env)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(blocked.stdout.utf8)) as? [String: Any])
        #expect((report["poller"] as? String)?.contains("blocked by open acme/widgets#9") == true)
        #expect((report["gates"] as? [[String: Any]])?.contains { $0["gate"] as? String == "order" } == true)

        _ = try await world.poller(env: env)
        let inFlight = try await world.run("afk", ["explain", "acme/widgets#1"], env: env)
        #expect(inFlight.stdout.contains("watcher: would wait"))
        #expect(inFlight.stdout.contains("already carries agent-in-progress"))
        let outside = try await world.run("afk", ["explain", "other/repo#1"], env: env)
        #expect(outside.stdout.contains("not on the allowlist"))
        let bad = try await world.run("afk", ["explain", "nonsense"], env: env)
        #expect(bad.code == 2)
        #expect(bad.stderr.contains("owner/name#N"))
        #expect(
            await world.sim.requests().filter { $0.method != "GET" }
                .allSatisfy {
                    $0.path.contains("dispatch") || $0.path.contains("/comments") || $0.path.contains("/labels")
                }
        )
    }

    @Test(arguments: Forge.allCases) func explainAndStatusWriteNothing(forge: Forge) async throws {
        let world = try await Self.world(forge: forge)
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: Self.widgets)
        _ = try await world.poller(env: env)
        await world.sim.clearRequests()
        _ = try await world.run("afk", ["explain", "acme/widgets#1"], env: env)
        _ = try await world.run("afk", ["explain", "acme/widgets#2"], env: env)
        _ = try await world.run("afk", ["status"], env: env)
        _ = try await world.run("afk", ["check-config"], env: env)
        let requests = await world.sim.requests()
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { $0.method == "GET" }, "\(requests.filter { $0.method != "GET" }.map(\.path))")
    }

    @Test(arguments: Forge.allCases) func checkConfigPassesWhenEverythingIsInPlace(forge: Forge) async throws {
        let world = try await Self.world(forge: forge)
        defer { Task { await world.stop() } }
        let base = await world.sim.baseURL
        let env = world.environment(
            allowlist: Self.widgets,
            [
                "AFK_NOTIFY_NTFY_URL": base.appendingPathComponent("ntfy").absoluteString,
                "AFK_NOTIFY_NTFY_TOPIC": "afk",
            ]
        )
        let run = try await world.run("afk", ["check-config"], env: env)
        #expect(run.code == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("✔ \(forge.serviceName) token: valid, acts as afk-bot"), "\(run.stdout)")
        #expect(run.stdout.contains("✔ T3: reachable"))
        #expect(run.stdout.contains("✔ ntfy"))
        #expect(!run.stdout.contains("SECRET") && !run.stderr.contains("SECRET"))
    }

    @Test(arguments: Forge.allCases) func checkConfigNamesWhatIsWrong(forge: Forge) async throws {
        let world = try await World.start(
            repos: repoJSON("acme/widgets", labels: ["ready-for-agent", "agent-in-progress"], issues: [issueJSON(1)]),
            forge: forge
        )
        defer { Task { await world.stop() } }
        // The scenario lacks ready-for-human and afk-paused; the bot login does not match the token.
        let env = world.environment(allowlist: "acme/widgets,acme/missing", ["AFK_TRACKER_BOT_LOGIN": "someone-else"])
        let run = try await world.run("afk", ["check-config"], env: env)
        #expect(run.code == 1)
        #expect(
            run.stdout.contains("✘ \(forge.serviceName) token: acts as afk-bot, but tracker.bot_login is someone-else"),
            "\(run.stdout)"
        )
        // GitHub creates a label the first time it is added: a warning; Forgejo creates none: a failure.
        #expect(
            run.stdout.contains(
                forge == .github
                    ? "⚠ acme/widgets label ready-for-human: does not exist yet"
                    : "✘ acme/widgets label ready-for-human: does not exist"
            ),
            "\(run.stdout)"
        )
        #expect(run.stdout.contains("✘ acme/missing: does not exist or the token cannot see it"))
        let badToken = try await world.run(
            "afk",
            ["check-config"],
            env: env.merging(["AFK_EXECUTOR_TOKEN": "t3_wrong_SECRET"]) { _, new in new }
        )
        #expect(badToken.code == 1)
        #expect(badToken.stdout.contains("✘ T3"))
        #expect(!badToken.stdout.contains("SECRET"))
        let invalid = try await world.run(
            "afk",
            ["check-config"],
            env: env.merging(["AFK_BUDGET_USD": "plenty"]) { _, new in new }
        )
        #expect(invalid.code == 2)
        #expect(invalid.stderr.contains("AFK_BUDGET_USD"))
        await world.sim.clearRequests()
        let offline = try await world.run("afk", ["check-config", "--offline"], env: env)
        #expect(offline.code == 0)
        #expect(await world.sim.requests().isEmpty)
    }
}

/// `afk labels sync` and the demo world as `afk check-config` sees it.
@Suite(.timeLimit(.minutes(3)))
struct LabelsAndDemoEndToEndTests {
    /// Creates the labels a repository lacks, with colour and description; a dry run only reads;
    /// a second run changes nothing. Works while afk is disabled (the kill switch stops ticks).
    @Test(arguments: Forge.allCases) func labelsSyncCreatesWhatIsMissingOnce(forge: Forge) async throws {
        let world = try await World.start(
            repos: repoJSON("acme/widgets", labels: ["ready-for-agent", "agent-in-progress"], issues: [issueJSON(1)]),
            forge: forge
        )
        defer { Task { await world.stop() } }
        var env = world.environment(allowlist: "acme/widgets")
        env["AFK_KILL_SWITCH"] = "true"
        let dry = try await world.run("afk", ["labels", "sync", "--dry-run"], env: env)
        #expect(dry.code == 0, "\(dry.stdout)\n\(dry.stderr)")
        #expect(dry.stdout.contains("✔ acme/widgets label ready-for-agent: exists"), "\(dry.stdout)")
        #expect(
            dry.stdout.contains(
                "· acme/widgets label ready-for-human: would create (#d93f0b afk handed this run back to a human)"
            ),
            "\(dry.stdout)"
        )
        #expect(await world.writes().isEmpty)

        let sync = try await world.run("afk", ["labels", "sync", "--output", "json"], env: env)
        #expect(sync.code == 0, "\(sync.stdout)\n\(sync.stderr)")
        let outcomes =
            ((try? JSONSerialization.jsonObject(with: Data(sync.stdout.utf8)) as? [String: Any])?["labels"]
            as? [[String: Any]] ?? [])
            .map { "\($0["label"] ?? "") \($0["outcome"] ?? "")" }
        #expect(
            outcomes == [
                "ready-for-agent exists", "agent-in-progress exists", "ready-for-human created", "afk-paused created",
            ]
        )
        let created = await world.writes()
        #expect(
            created.count == 2
                && created.allSatisfy { $0.method == "POST" && $0.path.hasSuffix("/repos/acme/widgets/labels") },
            "\(created.map(\.path))"
        )
        #expect(created.contains { ($0.body ?? "").contains("d93f0b") })

        await world.sim.clearRequests()
        let again = try await world.run("afk", ["labels", "sync"], env: env)
        #expect(again.code == 0)
        #expect(!again.stdout.contains("created") && !again.stdout.contains("would create"), "\(again.stdout)")
        #expect(await world.writes().isEmpty)
        // And check-config is now without a warning about labels.
        env["AFK_KILL_SWITCH"] = "false"
        let check = try await world.run("afk", ["check-config"], env: env)
        #expect(check.stdout.contains("✔ acme/widgets label ready-for-human: exists"), "\(check.stdout)")
    }

    /// `afk check-config` against `afk-sim serve --demo` (GitHub and Forgejo) passes every check.
    @Test(arguments: [false, true]) func checkConfigIsGreenOnTheDemoWorld(forgejo: Bool) async throws {
        let served = try await Subprocess.run(
            .path(FilePath(try Binaries.url("afk-sim").path)),
            arguments: Arguments(["serve", "--demo"] + (forgejo ? ["--forgejo"] : [])),
            environment: .custom(["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]),
            input: .none,
            output: .sequence,
            error: .discarded
        ) { execution in
            // Read the environment afk-sim prints, check the world with it, then stop the simulator.
            var env: [String: String] = [:]
            for try await line in execution.standardOutput.strings() {
                let parts = line.trimmingCharacters(in: .newlines).split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { env[parts[0]] = parts[1] }
                if env["AFK_EXECUTOR_TOKEN"] != nil, env["AFK_NOTIFY_SLACK_WEBHOOK_URL"] != nil { break }
            }
            env["AFK_KILL_SWITCH"] = "false"
            env["AFK_ALLOWLIST"] = "acme/widgets,acme/gadgets,acme/gizmos"
            env["AFK_TRACKER_BOT_LOGIN"] = "afk-bot"
            let check = try await Binaries.run("afk", ["check-config"], environment: env)
            try? execution.send(signal: .terminate)
            return check
        }
        let check = served.closureResult
        #expect(check.code == 0, "\(check.stdout)\n\(check.stderr)")
        #expect(check.stdout.contains("✔ configuration: valid; armed"), "\(check.stdout)")
        #expect(!check.stdout.contains("✘") && !check.stdout.contains("⚠"), "\(check.stdout)")
    }

    /// `-o wide` adds the issue's address and why a run stopped; `explain` takes the address too and
    /// lists every recorded run.
    @Test func statusWideAndExplainByAddressWithTheRunHistory() async throws {
        let world = try await OperatorEndToEndTests.world()
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: OperatorEndToEndTests.widgets)
        #expect(try await world.poller(env: env).dispatched == ["acme/widgets#1"])
        #expect(await world.sim.failTurn(threadId: "afk-acme~widgets-i1-r1", error: "quota"))
        _ = try await world.run("afk-watcher", ["--output", "json"], env: env)
        let wide = try await world.run("afk", ["status", "-o", "wide"], env: env)
        #expect(wide.code == 0, "\(wide.stderr)")
        #expect(wide.stdout.contains("IN PHASE") && wide.stdout.contains("URL") && wide.stdout.contains("REASON"))
        #expect(wide.stdout.contains("quota"), "\(wide.stdout)")
        let json = try await world.run("afk", ["status", "-o", "json"], env: env)
        #expect(json.stdout.contains(#""stop_reason""#) && json.stdout.contains(#""phase_seconds""#))
        let url = "https://github.com/acme/widgets/issues/1"
        let explained = try await world.run("afk", ["explain", url], env: env)
        #expect(explained.code == 0, "\(explained.stderr)")
        #expect(explained.stdout.contains("runs:"))
        #expect(explained.stdout.contains("run 1: escalated"), "\(explained.stdout)")
    }
}
