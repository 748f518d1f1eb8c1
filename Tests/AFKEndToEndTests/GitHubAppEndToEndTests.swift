import AFKSimulator
import AFKTesting
import Foundation
import Testing

/// Ticks authenticated as a GitHub App against the simulator: afk mints installation tokens with
/// a JWT, writes as `<slug>[bot]` and renews a token that stops working in the middle of a tick.
/// (Every other end-to-end suite runs with a personal token, which keeps working unchanged.)
@Suite(.timeLimit(.minutes(3)))
struct GitHubAppEndToEndTests {
    static let widgets = "acme/widgets"

    static func start(installationID: Int = 31, tokenMaxRequests: Int? = nil) async throws -> World {
        try await World.start(
            repos: repoJSON(
                widgets,
                collaborators: #""alice": "admin", "afk-test-app[bot]": "write""#,
                issues: [issueJSON(1, title: "Add a cache")]
            ),
            githubApp: TestGitHubApp.scenarioJSON(
                installations: ["acme/widgets": installationID],
                tokenMaxRequests: tokenMaxRequests
            )
        )
    }

    func minted(_ world: World) async -> Int {
        await world.sim.requests().filter { $0.method == "POST" && $0.path.hasSuffix("/access_tokens") }.count
    }

    @Test func aPollerAndAWatcherTickRunAsTheAppsBot() async throws {
        let world = try await Self.start()
        defer { Task { await world.stop() } }
        let env = try TestGitHubApp.environment(world.environment(allowlist: Self.widgets))
        let poll = try await world.poller(env: env)
        #expect(poll.code == 0, "\(poll.stderr)")
        #expect(poll.dispatched == ["acme/widgets#1"], "\(poll.stderr)")
        let comments = await world.comments(Self.widgets, 1)
        #expect(comments.contains { $0.user == TestGitHubApp.botLogin && $0.body.contains("<!-- afk:run ") })
        let requests = await world.sim.requests()
        #expect(requests.filter { $0.path == "/repos/acme/widgets/installation" }.count == 1)
        #expect(await minted(world) == 1)
        #expect(requests.allSatisfy { $0.path != "/user" })
        #expect(!poll.stderr.contains("ghs_") && !poll.stdout.contains("ghs_"))

        await world.sim.clearRequests()
        let watch = try await world.run("afk-watcher", ["--output", "json"], env: env)
        #expect(watch.code == 0, "\(watch.stderr)")
        #expect(watch.verb(Self.widgets, 1) == "wait")
        #expect(await minted(world) == 1)
    }

    @Test func aTokenThatStopsWorkingMidTickIsRenewed() async throws {
        let world = try await Self.start(tokenMaxRequests: 4)
        defer { Task { await world.stop() } }
        let env = try TestGitHubApp.environment(world.environment(allowlist: Self.widgets), installationID: 31)
        let poll = try await world.poller(env: env)
        #expect(poll.code == 0, "\(poll.stderr)")
        #expect(poll.dispatched == ["acme/widgets#1"], "\(poll.stderr)")
        let requests = await world.sim.requests()
        #expect(await minted(world) >= 2)
        #expect(requests.contains { $0.status == 401 })
        // The installation id was configured: nothing was looked up.
        #expect(requests.allSatisfy { $0.path != "/repos/acme/widgets/installation" })
    }

    @Test func aBotLoginThatIsNotTheAppsStopsTheTick() async throws {
        let world = try await Self.start()
        defer { Task { await world.stop() } }
        var env = try TestGitHubApp.environment(world.environment(allowlist: Self.widgets))
        env["AFK_TRACKER_BOT_LOGIN"] = "afk-bot"
        let poll = try await world.poller(env: env)
        #expect(poll.code == 2)
        #expect(
            poll.stderr.contains("acts as afk-test-app[bot], but tracker.bot_login (AFK_TRACKER_BOT_LOGIN) is afk-bot")
        )
        #expect(await world.writes().filter { $0.service == .github && !$0.path.hasSuffix("/access_tokens") }.isEmpty)
    }

    @Test func checkConfigReportsTheAppAndItsInstallation() async throws {
        let world = try await Self.start()
        defer { Task { await world.stop() } }
        let env = try TestGitHubApp.environment(world.environment(allowlist: Self.widgets))
        let run = try await world.run("afk", ["check-config"], env: env)
        #expect(run.stdout.contains("✔ GitHub App key: parses and signs an RS256 JWT"), "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("✔ GitHub App: App 424242 (afk-test-app), writes as afk-test-app[bot]"))
        #expect(
            run.stdout.contains("✔ GitHub App installation on acme/widgets: installation 31 (found) grants a token")
        )
        #expect(run.stdout.contains("✔ GitHub token: valid, acts as afk-test-app[bot]"))
        #expect(!run.stdout.contains("tracker.bot_login: not set"))
    }
}
