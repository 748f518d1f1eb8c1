import AFKSimulator
import Foundation

/// The tracker a world's afk talks to: the same simulated world, seen through GitHub's REST API
/// or through Forgejo's API v1. The end-to-end suites run against both.
public enum Forge: String, CaseIterable, Sendable, CustomStringConvertible {
    case github, forgejo

    public var description: String { rawValue }
    /// `RecordedRequest.service` of this tracker's requests.
    public var service: SimService {
        switch self {
        case .github: .github
        case .forgejo: .forgejo
        }
    }
    /// How afk names the tracker in messages.
    public var serviceName: String { self == .github ? "GitHub" : "Forgejo" }
    /// The end of the path afk reads label events from.
    public var labelEventsSuffix: String { self == .github ? "/events" : "/timeline" }
}

/// A simulator seeded from a JSON scenario plus the environment that points afk at it.
public struct World: Sendable {
    public static let botToken = "ghp_e2e_bot_token_SECRET"
    public static let t3Token = "t3_e2e_token_SECRET"

    public let sim: Simulator
    public let githubURL: URL
    public let t3URL: URL
    public var forge: Forge = .github

    /// afk's `tracker.url` for this world's forge.
    public var trackerURL: URL {
        switch forge {
        case .github: githubURL
        case .forgejo: githubURL.deletingLastPathComponent().appendingPathComponent("forgejo")
        }
    }

    /// Starts the world. On Forgejo the bot is a site administrator unless `botIsSiteAdmin` is
    /// false: only an administrator's token may read other users' repository permissions (`GetRepoPermissions`
    /// in Gitea's and Forgejo's `routers/api/v1/repo/collaborators.go`),
    /// which is how the README tells operators to set the bot up.
    /// `forgejoScenario` replaces the whole `forgejo` section (flavor, version, site admins).
    /// `extraScenario` adds top-level scenario sections (`"woodpecker": {…}, "kubernetes": {…}`).
    public static func start(
        repos: String,
        t3: String = "",
        forge: Forge = .github,
        botIsSiteAdmin: Bool = true,
        forgejoScenario: String? = nil,
        extraScenario: String = "",
        githubApp: String? = nil
    ) async throws -> World {
        let app = githubApp.map { #", "app": \#($0)"# } ?? ""
        let json = """
            { "github": { "tokens": { "\(botToken)": "afk-bot", "ghp_other": "someone" }, "repos": [\(repos)]\(app) },
              "t3": { "tokens": { "\(t3Token)": ["orchestration:read", "orchestration:operate"] },
                      "existing_dirs": ["/srv"] \(t3.isEmpty ? "" : ", " + t3) },
              "forgejo": \(forgejoScenario ?? #"{ "site_admins": [\#(botIsSiteAdmin ? #""afk-bot""# : "")] }"#)
              \(extraScenario.isEmpty ? "" : ", " + extraScenario) }
            """
        let scenario = try Scenario.decode(fromJSON: Data(json.utf8))
        let sim = Simulator(scenario: scenario)
        try await sim.start()
        var world = World(sim: sim, githubURL: await sim.githubURL, t3URL: await sim.t3URL)
        world.forge = forge
        return world
    }

    /// A request path as this world's tracker spells it: `/repos/acme/widgets/…` on GitHub,
    /// `/api/v1/repos/acme/widgets/…` on Forgejo (`RecordedRequest.path` is relative to the service).
    public func trackerPath(_ path: String) -> String {
        forge == .github ? path : "/api/v1" + path
    }

    /// An armed configuration for `allowlist`, with short timeouts so failure paths are quick.
    public func environment(allowlist: String, _ extra: [String: String] = [:]) -> [String: String] {
        var env = [
            "AFK_KILL_SWITCH": "false",
            "AFK_ALLOWLIST": allowlist,
            "AFK_TRACKER_KIND": forge.rawValue,
            "AFK_TRACKER_URL": trackerURL.absoluteString,
            "AFK_TRACKER_TOKEN": Self.botToken,
            "AFK_TRACKER_BOT_LOGIN": "afk-bot",
            "AFK_EXECUTOR_URL": t3URL.absoluteString,
            "AFK_EXECUTOR_TOKEN": Self.t3Token,
            "AFK_EXECUTOR_WORKSPACE_ROOT": "/srv/afk",
            "AFK_HTTP_TIMEOUT_SECONDS": "10",
            "AFK_HTTP_RETRY_BUDGET_SECONDS": "6",
        ]
        for (k, v) in extra { env[k] = v }
        return env
    }

    public func poller(_ arguments: [String] = ["--output", "json"], env: [String: String]) async throws -> ToolRun {
        try await run("afk-poller", arguments, env: env)
    }

    /// Runs a program with exactly `env`, never the test's own AFK_ variables. The tick programs
    /// (`afk-poller`, `afk-watcher`) run in this process (``TickProgram``) unless `killWhen` asks
    /// for a real process to kill (or `launch` is set); everything else is the built binary.
    /// `killWhen` sends `signal` (SIGKILL by default) once the simulator's request log satisfies it.
    public func run(
        _ name: String,
        _ arguments: [String],
        env: [String: String],
        killWhen: (@Sendable ([RecordedRequest]) -> Bool)? = nil,
        signal: Int32 = SIGKILL,
        launch: Bool = false
    ) async throws -> ToolRun {
        if killWhen == nil, !launch, let program = InProcessTick.program(name) {
            return await InProcessTick.run(program, arguments, environment: env)
        }
        let sim = self.sim
        var check: (@Sendable () async -> Bool)?
        if let killWhen {
            check = { @Sendable in killWhen(await sim.requests()) }
        }
        return try await Binaries.run(name, arguments, environment: env, killWhen: check, signal: signal)
    }

    public func writes() async -> [RecordedRequest] {
        await sim.requests().filter { $0.method != "GET" && $0.method != "HEAD" && $0.service != .sim }
    }

    public func labels(_ repo: String, _ number: Int) async -> [String] {
        let parts = repo.split(separator: "/").map(String.init)
        return await sim.issue(parts[0], parts[1], number)?.labels ?? []
    }

    public func comments(_ repo: String, _ number: Int) async -> [(user: String, body: String)] {
        let parts = repo.split(separator: "/").map(String.init)
        return (await sim.issue(parts[0], parts[1], number)?.comments ?? []).map { ($0.user, $0.body) }
    }

    public func stop() async { await sim.stop() }
}

/// JSON for one repository of a scenario.
/// The repository has afk's four labels unless `labels` says otherwise (Forgejo creates none on
/// its own; GitHub creates a label when it is first added).
public func repoJSON(
    _ fullName: String,
    collaborators: String =
        #""alice": "admin", "mia": "maintain", "rita": "read", "tim": "triage", "afk-bot": "write""#,
    labels: [String] = ["ready-for-agent", "agent-in-progress", "ready-for-human", "afk-paused"],
    issues: [String]
) -> String {
    let parts = fullName.split(separator: "/")
    let labelList = labels.map { "\"\($0)\"" }.joined(separator: ", ")
    return """
        { "owner": "\(parts[0])", "name": "\(parts[1])", "default_branch": "main", "labels": [\(labelList)],
          "collaborators": { \(collaborators) },
          "issues": [\(issues.joined(separator: ","))] }
        """
}

/// JSON for one issue. `readyBy` is who applied the ready label (nil: no event at all).
public func issueJSON(
    _ number: Int,
    title: String? = nil,
    body: String = "",
    labels: [String] = ["ready-for-agent"],
    readyBy: String? = "alice",
    pr: Bool = false,
    state: String = "open",
    blockedBy: [String] = [],
    extraEvents: String = ""
) -> String {
    let labelList = labels.map { "\"\($0)\"" }.joined(separator: ",")
    var events: [String] = []
    if let readyBy { events.append(#"{"event": "labeled", "label": "ready-for-agent", "actor": "\#(readyBy)"}"#) }
    if !extraEvents.isEmpty { events.append(extraEvents) }
    let bodyJSON = String(decoding: (try? JSONEncoder().encode(body)) ?? Data("\"\"".utf8), as: UTF8.self)
    return """
        { "number": \(number), "title": "\(title ?? "Issue \(number)")", "body": \(bodyJSON), "labels": [\(labelList)],
          "state": "\(state)", "is_pull_request": \(pr), "author": "alice",
          "label_events": [\(events.joined(separator: ","))], "blocked_by": [\(blockedBy.joined(separator: ","))] }
        """
}

/// Starts a world, runs `body`, and always stops the world's simulator, whatever `body` does.
public func withWorld<T>(
    repos: String,
    t3: String = "",
    forge: Forge = .github,
    extraScenario: String = "",
    _ body: (World) async throws -> T
) async throws -> T {
    let world = try await World.start(repos: repos, t3: t3, forge: forge, extraScenario: extraScenario)
    do {
        let result = try await body(world)
        await world.stop()
        return result
    } catch {
        await world.stop()
        throw error
    }
}

extension Fault {
    /// The tracker's cross-repository search refuses every query (GitHub: 422 as for a query it
    /// cannot run; Forgejo: 404 as on a server without the route): ticks fall back to listing
    /// each repository.
    public static func searchRefused(_ forge: Forge) -> Fault {
        forge == .github
            ? Fault(
                service: .github,
                method: "GET",
                pathContains: "/search/issues",
                status: 422,
                body:
                    #"{"message":"Validation Failed","errors":[{"resource":"Search","field":"q","code":"invalid"}],"status":"422"}"#,
                times: 1000
            )
            : Fault(
                service: .forgejo,
                method: "GET",
                pathContains: "/repos/issues/search",
                status: 404,
                body: #"{"message":"not found"}"#,
                times: 1000
            )
    }
}
