import AFKSimulator
import AFKTesting
import Foundation
import Testing

/// Operator controls end to end: the dashboard issue, its checkboxes, `/afk` commands, the
/// circuit breaker.
@Suite(.timeLimit(.minutes(3)))
struct OperatorControlsEndToEndTests {
    static let widgets = "acme/widgets"

    static func world(_ forge: Forge, issues: [String] = [issueJSON(1, title: "Add a cache"), issueJSON(2)])
        async throws -> (World, [String: String])
    {
        let world = try await World.start(repos: repoJSON("acme/widgets", issues: issues), forge: forge)
        return (world, world.environment(allowlist: widgets, ["AFK_DASHBOARD": "true"]))
    }

    /// Every open issue afk's account opened that carries the dashboard marker.
    static func dashboards(_ world: World) async -> [SimIssue] {
        var found: [SimIssue] = []
        for number in 1...20 {
            guard let issue = await world.sim.issue("acme", "widgets", number) else { continue }
            if issue.author == "afk-bot", (issue.body ?? "").contains("<!-- afk:dashboard ") { found.append(issue) }
        }
        return found
    }

    static func tick(_ body: String, _ control: String) -> String {
        body.replacingOccurrences(of: "- [ ] \(control)", with: "- [x] \(control)")
    }

    @Test(arguments: Forge.allCases) func theDashboardIsOpenedOnceAndEditedOnlyWhenItChanges(forge: Forge)
        async throws
    {
        let (world, env) = try await Self.world(forge)
        defer { Task { await world.stop() } }
        let first = try await world.poller(env: env)
        #expect(first.dispatched == ["acme/widgets#1"], "\(first.stderr)")
        var boards = await Self.dashboards(world)
        #expect(boards.count == 1)
        let board = try #require(boards.first)
        #expect(board.body?.contains("#1 Add a cache") == true)  // in flight
        #expect(board.body?.contains("#2") == true)  // queued, and why it waits
        _ = try await world.poller(env: env)
        await world.sim.clearRequests()
        let third = try await world.poller(env: env)
        #expect(third.code == 0)
        boards = await Self.dashboards(world)
        #expect(boards.count == 1)
        let edits = await world.writes().filter { $0.method == "PATCH" && $0.path.hasSuffix("/issues/\(board.number)") }
        #expect(edits.isEmpty, "nothing changed, yet the dashboard was edited")
        // The page is drawn from what the tick read: the lock holder's run record is read once.
        let recordReads = await world.sim.requests()
            .filter { $0.service == forge.service && $0.method == "GET" && $0.path.hasSuffix("/issues/1/comments") }
        #expect(recordReads.count == 1, "\(recordReads.map(\.path))")
    }

    @Test func aDashboardCreateAnsweredWith502AfterApplyingIsNotDuplicated() async throws {
        let (world, env) = try await Self.world(.github)
        defer { Task { await world.stop() } }
        await world.sim.inject(
            Fault(
                service: .github,
                method: "POST",
                pathContains: "*/repos/acme/widgets/issues",
                status: 502,
                applyAfterDelay: true
            )
        )
        _ = try await world.poller(env: env)
        _ = try await world.poller(env: env)
        #expect(await Self.dashboards(world).count == 1)
    }

    @Test(arguments: Forge.allCases) func pauseAndResumeOnTheDashboard(forge: Forge) async throws {
        let (world, env) = try await Self.world(forge, issues: [issueJSON(1)])
        defer { Task { await world.stop() } }
        // A first tick with nothing ready opens the dashboard.
        _ = await world.sim.removeLabel("acme", "widgets", 1, "ready-for-agent", actor: "alice")
        _ = try await world.poller(env: env)
        let board = try #require(await Self.dashboards(world).first)
        // Someone with only read access cannot tick anything.
        let refused = await world.sim.editIssueBody(
            "acme",
            "widgets",
            board.number,
            body: Self.tick(board.body ?? "", "Pause"),
            by: "rita"
        )
        #expect(!refused)
        // A writer pauses.
        #expect(
            await world.sim.editIssueBody(
                "acme",
                "widgets",
                board.number,
                body: Self.tick(board.body ?? "", "Pause"),
                by: "alice"
            )
        )
        _ = await world.sim.addLabel("acme", "widgets", 1, "ready-for-agent", actor: "alice")
        let paused = try await world.poller(env: env)
        #expect(paused.dispatched.isEmpty, "\(paused.stdout)")
        #expect(paused.reason(Self.widgets, 1).contains("paused on the dashboard"))
        let afterPause = try #require(await world.sim.issue("acme", "widgets", board.number)?.body)
        #expect(!afterPause.contains("- [x]"), "the control was not unticked")
        #expect(afterPause.contains("dispatching paused by the dashboard"))
        // Still paused next tick: the box acted once, the state stays.
        #expect(try await world.poller(env: env).dispatched.isEmpty)
        // Resumed through a command from a writer, acknowledged with a reaction.
        let comment = try #require(
            await world.sim.addComment("acme", "widgets", board.number, "/afk resume", user: "mia")
        )
        let resumed = try await world.poller(env: env)
        #expect(resumed.dispatched == ["acme/widgets#1"], "\(resumed.stdout)")
        #expect(await world.sim.reactions("acme", "widgets", commentID: comment).map(\.content) == ["+1"])
    }

    @Test(arguments: Forge.allCases) func stopFromAWriterStopsTheAgentAndAnUntrustedOneDoesNothing(forge: Forge)
        async throws
    {
        let world = try await World.start(repos: repoJSON("acme/widgets", issues: [issueJSON(1)]), forge: forge)
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: Self.widgets)
        #expect(try await world.poller(env: env).dispatched == ["acme/widgets#1"])
        // From someone who may only read: ignored, one reply, no second one next tick.
        let untrusted = try #require(await world.sim.addComment("acme", "widgets", 1, "/afk stop", user: "rita"))
        let ignored = try await world.run("afk-watcher", ["--output", "json"], env: env)
        #expect(ignored.verb(Self.widgets, 1) == "wait", "\(ignored.stdout)")
        _ = try await world.run("afk-watcher", ["--output", "json"], env: env)
        let replies = await world.comments(Self.widgets, 1)
            .filter { $0.body.contains("<!-- afk:reply \(untrusted) -->") }
        #expect(replies.count == 1)
        #expect(await world.labels(Self.widgets, 1).contains("agent-in-progress"))
        // From a writer: stopped, escalated, acknowledged.
        let trusted = try #require(await world.sim.addComment("acme", "widgets", 1, "/afk stop", user: "alice"))
        let stopped = try await world.run("afk-watcher", ["--output", "json"], env: env)
        #expect(stopped.verb(Self.widgets, 1) == "escalate", "\(stopped.stdout)")
        #expect(stopped.reason(Self.widgets, 1).contains("stopped by @alice"))
        #expect(await world.labels(Self.widgets, 1).contains("ready-for-human"))
        let commands = await world.sim.requests().filter { $0.service == .t3 && $0.method == "POST" }
            .map { $0.body ?? "" }
        #expect(commands.contains { $0.contains(#""type":"thread.session.stop""#) })
        #expect(await world.sim.reactions("acme", "widgets", commentID: trusted).map(\.content) == ["+1"])
        // Acted on once: the next tick does nothing more.
        await world.sim.clearRequests()
        let again = try await world.run("afk-watcher", ["--output", "json"], env: env)
        #expect(again.actions.isEmpty, "\(again.stdout)")
    }

    @Test func retryHandsAnEscalatedRunBackAndTheNextRunStarts() async throws {
        let world = try await World.start(repos: repoJSON("acme/widgets", issues: [issueJSON(1)]))
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: Self.widgets)
        #expect(try await world.poller(env: env).dispatched == ["acme/widgets#1"])
        #expect(await world.sim.failTurn(threadId: "afk-acme~widgets-i1-r1", error: "quota"))
        #expect(try await world.run("afk-watcher", ["--output", "json"], env: env).verb(Self.widgets, 1) == "escalate")
        _ = await world.sim.addComment("acme", "widgets", 1, "/afk retry", user: "alice")
        let retried = try await world.run("afk-watcher", ["--output", "json"], env: env)
        #expect(retried.reason(Self.widgets, 1).contains("handed back"), "\(retried.stdout)")
        #expect(!(await world.labels(Self.widgets, 1)).contains("ready-for-human"))
        let next = try await world.poller(env: env)
        #expect(next.dispatched == ["acme/widgets#1"], "\(next.stdout)")
        #expect(await world.sim.threads().contains { $0.id == "afk-acme~widgets-i1-r2" })
    }

    @Test func theCircuitBreakerPausesARepositoryAndRingsOnce() async throws {
        let world = try await World.start(
            repos: repoJSON("acme/widgets", issues: [issueJSON(1), issueJSON(2), issueJSON(3)])
        )
        defer { Task { await world.stop() } }
        let base = await world.sim.baseURL
        let env = world.environment(
            allowlist: Self.widgets,
            [
                "AFK_DASHBOARD": "true", "AFK_BREAKER_RUNS": "2",
                "AFK_NOTIFY_NTFY_URL": base.appendingPathComponent("ntfy").absoluteString,
                "AFK_NOTIFY_NTFY_TOPIC": "afk-e2e",
            ]
        )
        for number in 1...2 {
            #expect(try await world.poller(env: env).dispatched == ["acme/widgets#\(number)"])
            #expect(await world.sim.failTurn(threadId: "afk-acme~widgets-i\(number)-r1", error: "boom"))
            _ = try await world.run("afk-watcher", ["--output", "json"], env: env)
        }
        await world.sim.clearNotifications()
        let paused = try await world.poller(env: env)
        #expect(paused.dispatched.isEmpty, "\(paused.stdout)")
        #expect(paused.reason(Self.widgets, 3).contains("circuit breaker"))
        #expect(await world.sim.notifications().count == 1)
        _ = try await world.poller(env: env)
        #expect(await world.sim.notifications().count == 1, "the breaker rang twice")
        let board = try #require(await Self.dashboards(world).first)
        #expect(board.body?.contains("circuit breaker") == true)
        #expect(
            await world.sim.editIssueBody(
                "acme",
                "widgets",
                board.number,
                body: Self.tick(board.body ?? "", "Resume"),
                by: "alice"
            )
        )
        #expect(try await world.poller(env: env).dispatched == ["acme/widgets#3"])
    }
}
