import AFKSimulator
import AFKTesting
import Foundation
import Testing

/// What only Gitea/Forgejo make afk do: the whole poller and watcher suites also run against
/// the Forgejo view of the simulator (`Forge.forgejo`); these cover the differences.
@Suite(.timeLimit(.minutes(3)))
struct ForgejoEndToEndTests {
    static let widgets = "acme/widgets"

    /// A label that does not exist must never turn the issue filter into "every issue" (Gitea and Forgejo drop
    /// unknown names and then filter nothing): the
    /// repository stops with an error naming the label, and nothing is written or started.
    @Test(arguments: ["ready-for-agent", "agent-in-progress"])
    func aMissingLabelIsAConfigurationErrorNotTheWholeBacklog(missing: String) async throws {
        let labels = ["ready-for-agent", "agent-in-progress", "ready-for-human", "afk-paused"].filter { $0 != missing }
        let world = try await World.start(
            repos: [
                repoJSON(
                    "acme/widgets",
                    labels: labels,
                    issues: [
                        issueJSON(1, labels: missing == "ready-for-agent" ? [] : ["ready-for-agent"]),
                        issueJSON(2, labels: []),
                    ]
                ),
                repoJSON("acme/api", issues: [issueJSON(3)]),
            ]
            .joined(separator: ","),
            forge: .forgejo
        )
        defer { Task { await world.stop() } }
        // Search refused: every repository is listed (with search, one without work is not visited).
        await world.sim.inject(.searchRefused(.forgejo))
        let run = try await world.poller(env: world.environment(allowlist: "acme/widgets,acme/api"))
        #expect(run.code == 1)
        #expect(run.errors.contains { $0.contains("label \(missing) does not exist in acme/widgets") }, "\(run.errors)")
        #expect(run.dispatched == ["acme/api#3"])  // the other repository carries on
        #expect(await world.sim.threads().map(\.id) == ["afk-acme~api-i3-r1"])
        #expect(await world.writes().allSatisfy { $0.service == .t3 || $0.path.contains("/acme/api/") })
        // The issue list of the broken repository was never asked for.
        #expect(await world.sim.requests().filter { $0.path == "/api/v1/repos/acme/widgets/issues" }.isEmpty)
    }

    /// Without an administrator's token the permission endpoint answers 403; the owner, listed
    /// collaborators and members of write teams are trusted, everyone else is not.
    @Test func withoutAdminTheCollaboratorListDecidesAndStrangersFailClosed() async throws {
        let world = try await World.start(
            repos: repoJSON(
                "acme/widgets",
                collaborators: #""alice": "admin", "afk-bot": "write""#,
                issues: [issueJSON(1, readyBy: "stranger"), issueJSON(2, readyBy: "alice")]
            ),
            forge: .forgejo,
            botIsSiteAdmin: false
        )
        defer { Task { await world.stop() } }
        let run = try await world.poller(env: world.environment(allowlist: Self.widgets))
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.reason(Self.widgets, 1).contains("stranger, who is not a collaborator"), "\(run.stdout)")
        #expect(run.dispatched == ["acme/widgets#2"])
        #expect(run.reason(Self.widgets, 2).contains("alice (write, role collaborator)"), "\(run.stdout)")
        let requests = await world.sim.requests()
        #expect(requests.contains { $0.path.hasSuffix("/collaborators/alice/permission") && $0.status == 403 })
        #expect(requests.contains { $0.path == "/api/v1/repos/acme/widgets/collaborators" && $0.status == 200 })
    }

    /// A bot that may only read the repository would start an agent it cannot lock: nothing starts.
    @Test func aReadOnlyTokenStartsNothing() async throws {
        let world = try await World.start(
            repos: repoJSON(
                "acme/widgets",
                collaborators: #""alice": "admin", "afk-bot": "read""#,
                issues: [issueJSON(1)]
            ),
            forge: .forgejo,
            botIsSiteAdmin: false
        )
        defer { Task { await world.stop() } }
        let run = try await world.poller(env: world.environment(allowlist: Self.widgets))
        #expect(run.code == 1)
        #expect(
            run.errors.contains {
                $0.contains("needs push access (the write, maintain or admin role) to acme/widgets")
            },
            "\(run.errors)"
        )
        #expect(await world.sim.threads().isEmpty)
        #expect(await world.writes().isEmpty)
    }

    /// Gitea rather than Forgejo: the same tick, from ready to closed, with Gitea's combined status.
    @Test func giteaFromReadyToClosed() async throws {
        let world = try await World.start(
            repos: repoJSON("acme/widgets", issues: [issueJSON(1, title: "Add a cache")]),
            forge: .forgejo,
            forgejoScenario: #"{"flavor": "gitea", "version": "1.25.0", "site_admins": ["afk-bot"]}"#
        )
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: Self.widgets, ["AFK_TRACKER_KIND": "gitea"])
        let poll = try await world.poller(env: env)
        #expect(poll.dispatched == ["acme/widgets#1"], "\(poll.stderr)")
        let sha = await world.sim.pushCommit("acme", "widgets", branch: "main", message: "Add a cache\n\nCloses #1")
        _ = await world.sim.setStatus(
            "acme",
            "widgets",
            sha: sha,
            context: "ci/woodpecker/push/build",
            state: "pending"
        )
        _ = await world.sim.completeTurn(threadId: "afk-acme~widgets-i1-r1")
        let pending = try await world.run("afk-watcher", ["--output", "json"], env: env)
        #expect(pending.verb(Self.widgets, 1) == "wait", "\(pending.stdout)\n\(pending.stderr)")
        _ = await world.sim.setStatus(
            "acme",
            "widgets",
            sha: sha,
            context: "ci/woodpecker/push/build",
            state: "success"
        )
        let green = try await world.run("afk-watcher", ["--output", "json"], env: env)
        #expect(green.verb(Self.widgets, 1) == "close", "\(green.stdout)\n\(green.stderr)")
        #expect(await world.sim.issue("acme", "widgets", 1)?.state == "closed")
        // Closing went through Gitea's route, with no state_reason (there is none on this API).
        let close = await world.sim.requests()
            .first { $0.method == "PATCH" && $0.path == "/api/v1/repos/acme/widgets/issues/1" }
        #expect(close?.status == 201)
        #expect(close?.body?.contains("state_reason") == false)
    }

    /// A `warning` status is red on Forgejo: the agent is told to fix forward.
    @Test func aWarningStatusFixesForward() async throws {
        let world = try await World.start(repos: repoJSON("acme/widgets", issues: [issueJSON(1)]), forge: .forgejo)
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: Self.widgets)
        _ = try await world.poller(env: env)
        let sha = await world.sim.pushCommit("acme", "widgets", branch: "main", message: "Fix\n\nCloses #1")
        _ = await world.sim.setStatus("acme", "widgets", sha: sha, context: "lint", state: "warning")
        _ = await world.sim.completeTurn(threadId: "afk-acme~widgets-i1-r1")
        let run = try await world.run("afk-watcher", ["--output", "json"], env: env)
        #expect(run.verb(Self.widgets, 1) == "fix_forward", "\(run.stdout)\n\(run.stderr)")
        #expect(run.reason(Self.widgets, 1).contains("lint"))
    }
}
