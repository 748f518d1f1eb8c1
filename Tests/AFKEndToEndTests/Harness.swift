import AFKSimulator
import Foundation
import Testing

/// The built executables, found next to the test bundle (`swift test` builds them first:
/// SwiftPM builds every product with the tests) or in `$AFK_TEST_BIN_DIR`.
enum Binaries {
    static func url(_ name: String) throws -> URL {
        var candidates: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["AFK_TEST_BIN_DIR"] {
            candidates.append(URL(fileURLWithPath: dir).appendingPathComponent(name))
        }
        if let exe = Bundle.main.executableURL {
            candidates.append(exe.deletingLastPathComponent().appendingPathComponent(name))
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent(name))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/\(name)"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        throw BinaryMissing(name: name, looked: candidates.map(\.path))
    }

    struct BinaryMissing: Error, CustomStringConvertible {
        let name: String
        let looked: [String]
        var description: String { "\(name) is not built; looked in \(looked.joined(separator: ", ")). Run `swift build` first." }
    }
}

/// What one run of a tick executable produced.
struct ToolRun {
    let code: Int32
    let stdout: String
    let stderr: String

    var report: [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
    }

    var actions: [[String: Any]] { report?["actions"] as? [[String: Any]] ?? [] }

    func action(_ repo: String, _ issue: Int) -> [String: Any]? {
        actions.first { $0["repo"] as? String == repo && $0["issue"] as? Int == issue }
    }

    func verb(_ repo: String, _ issue: Int) -> String? { action(repo, issue)?["action"] as? String }
    func reason(_ repo: String, _ issue: Int) -> String { action(repo, issue)?["reason"] as? String ?? "" }
    var dispatched: [String] {
        actions.filter { $0["action"] as? String == "dispatch" }.map { "\($0["repo"] ?? "")#\($0["issue"] ?? "")" }.sorted()
    }
    var errors: [String] { (report?["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String } }
}

/// The tracker a world's afk talks to: the same simulated world, seen through GitHub's REST API
/// or through Forgejo's API v1. The end-to-end suites run against both.
enum Forge: String, CaseIterable, Sendable, CustomStringConvertible {
    case github, forgejo

    var description: String { rawValue }
    /// `RecordedRequest.service` of this tracker's requests.
    var service: SimService {
        switch self {
        case .github: .github
        case .forgejo: .forgejo
        }
    }
    /// How afk names the tracker in messages.
    var serviceName: String { self == .github ? "GitHub" : "Forgejo" }
    /// The end of the path afk reads label events from.
    var labelEventsSuffix: String { self == .github ? "/events" : "/timeline" }
}

/// A simulator seeded from a JSON scenario plus the environment that points afk at it.
struct World {
    static let botToken = "ghp_e2e_bot_token_SECRET"
    static let t3Token = "t3_e2e_token_SECRET"

    let sim: Simulator
    let githubURL: URL
    let t3URL: URL
    var forge: Forge = .github

    /// afk's `tracker.url` for this world's forge.
    var trackerURL: URL {
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
    static func start(repos: String, t3: String = "", forge: Forge = .github, botIsSiteAdmin: Bool = true,
                      forgejoScenario: String? = nil, extraScenario: String = "") async throws -> World {
        let json = """
            { "github": { "tokens": { "\(botToken)": "afk-bot", "ghp_other": "someone" }, "repos": [\(repos)] },
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
    func trackerPath(_ path: String) -> String {
        forge == .github ? path : "/api/v1" + path
    }

    /// An armed configuration for `allowlist`, with short timeouts so failure paths are quick.
    func environment(allowlist: String, _ extra: [String: String] = [:]) -> [String: String] {
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

    func poller(_ arguments: [String] = ["--output", "json"], env: [String: String]) async throws -> ToolRun {
        try await run("afk-poller", arguments, env: env)
    }

    /// Runs an executable with exactly `env` (plus PATH/HOME), never the test's own AFK_ variables.
    /// `killWhen` sends `signal` (SIGKILL by default) once the simulator's request log satisfies it.
    func run(_ name: String, _ arguments: [String], env: [String: String],
             killWhen: (@Sendable ([RecordedRequest]) -> Bool)? = nil, signal: Int32 = SIGKILL) async throws -> ToolRun {
        let sim = self.sim
        var check: (@Sendable () async -> Bool)?
        if let killWhen {
            check = { @Sendable in killWhen(await sim.requests()) }
        }
        return try await runExecutable(try Binaries.url(name), arguments, env: env, killWhen: check, signal: signal)
    }

    func writes() async -> [RecordedRequest] {
        await sim.requests().filter { $0.method != "GET" && $0.method != "HEAD" && $0.service != .sim }
    }

    func labels(_ repo: String, _ number: Int) async -> [String] {
        let parts = repo.split(separator: "/").map(String.init)
        return await sim.issue(parts[0], parts[1], number)?.labels ?? []
    }

    func comments(_ repo: String, _ number: Int) async -> [(user: String, body: String)] {
        let parts = repo.split(separator: "/").map(String.init)
        return (await sim.issue(parts[0], parts[1], number)?.comments ?? []).map { ($0.user, $0.body) }
    }

    func stop() async { await sim.stop() }
}

/// JSON for one repository of a scenario.
/// The repository has afk's four labels unless `labels` says otherwise (Forgejo creates none on
/// its own; GitHub creates a label when it is first added).
func repoJSON(_ fullName: String, collaborators: String = #""alice": "admin", "mia": "maintain", "rita": "read", "tim": "triage", "afk-bot": "write""#,
              labels: [String] = ["ready-for-agent", "agent-in-progress", "ready-for-human", "afk-paused"],
              issues: [String]) -> String {
    let parts = fullName.split(separator: "/")
    let labelList = labels.map { "\"\($0)\"" }.joined(separator: ", ")
    return """
        { "owner": "\(parts[0])", "name": "\(parts[1])", "default_branch": "main", "labels": [\(labelList)],
          "collaborators": { \(collaborators) },
          "issues": [\(issues.joined(separator: ","))] }
        """
}

/// JSON for one issue. `readyBy` is who applied the ready label (nil: no event at all).
func issueJSON(_ number: Int, title: String? = nil, body: String = "", labels: [String] = ["ready-for-agent"],
               readyBy: String? = "alice", pr: Bool = false, state: String = "open", blockedBy: [String] = [],
               extraEvents: String = "") -> String {
    let labelList = labels.map { "\"\($0)\"" }.joined(separator: ",")
    var events: [String] = []
    if let readyBy { events.append(#"{"event": "labeled", "label": "ready-for-agent", "actor": "\#(readyBy)"}"#) }
    if !extraEvents.isEmpty { events.append(extraEvents) }
    let bodyJSON = String(decoding: try! JSONEncoder().encode(body), as: UTF8.self)
    return """
        { "number": \(number), "title": "\(title ?? "Issue \(number)")", "body": \(bodyJSON), "labels": [\(labelList)],
          "state": "\(state)", "is_pull_request": \(pr), "author": "alice",
          "label_events": [\(events.joined(separator: ","))], "blocked_by": [\(blockedBy.joined(separator: ","))] }
        """
}

/// Runs an executable with exactly `env` (plus PATH/HOME), never the test's own AFK_ variables,
/// output to files, polling with `Task.sleep`: a test must never block one of the cooperative
/// pool's threads (only 2 on a 2-core machine), which the in-process simulators also need.
func runExecutable(_ url: URL, _ arguments: [String], env: [String: String],
                   killWhen: (@Sendable () async -> Bool)? = nil, signal: Int32 = SIGKILL) async throws -> ToolRun {
    // Every suite runs in parallel in this one process, and so do the in-process simulators
    // that answer the children. Unbounded, dozens of children starting at once on 2 cores
    // starve the simulators past the children's HTTP timeouts; a few at a time is as fast.
    await ProcessSlots.shared.acquire()
    defer { Task { await ProcessSlots.shared.release() } }
    let process = Process()
    process.executableURL = url
    process.arguments = arguments
    var environment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
    for (k, v) in env { environment[k] = v }
    process.environment = environment
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("afk-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("stdout")
    let err = dir.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try await Spawner.run(process)
    var killWhen = killWhen
    let started = Date()
    while process.isRunning {
        if let check = killWhen, await check() {
            kill(process.processIdentifier, signal)
            if signal == SIGKILL { break }
            killWhen = nil  // signalled once; now let it finish
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed <= 150, "\(url.lastPathComponent) ran for more than 150 s")
        if elapsed > 150 {
            process.terminate()
            break
        }
        try await Task.sleep(nanoseconds: 20_000_000)
    }
    while process.isRunning { try await Task.sleep(nanoseconds: 10_000_000) }
    return ToolRun(
        code: process.terminationStatus,
        stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

/// `items` without repeats, in first-seen order.
func uniqued(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}

/// A counting semaphore for child processes, waited on without blocking a thread.
actor ProcessSlots {
    static let shared = ProcessSlots(max(2, ProcessInfo.processInfo.activeProcessorCount))

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ slots: Int) { free = slots }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

/// Starts child processes one at a time, on a thread of its own. `Process.run()` blocks (it
/// walks every file descriptor to close it in the child, then waits for the spawn): on Swift's
/// cooperative pool, two of those at once held both of a 2-core machine's threads and the whole
/// test process stalled.
enum Spawner {
    static let queue = DispatchQueue(label: "afk.e2e.spawn")

    final class Box: @unchecked Sendable {
        let process: Process
        init(_ process: Process) { self.process = process }
    }

    static func run(_ process: Process) async throws {
        let box = Box(process)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async {
                do {
                    try box.process.run()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
