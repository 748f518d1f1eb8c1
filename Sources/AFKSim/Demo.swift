import AFKSimulator
import ArgumentParser
import Foundation

/// `afk-sim demo`: the built-in simulator with a small backlog, driven by the real `afk-poller`
/// and `afk-watcher` binaries until every issue has reached a verdict, as a readable transcript.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run poller and watcher ticks against the demo backlog until every issue has reached a verdict.",
        discussion: """
            Needs no credentials and no network: the simulator serves a fake GitHub, T3, ntfy and Slack on \
            127.0.0.1. Each tick runs the built afk-poller, then afk-watcher (found next to afk-sim, or in \
            --bin-dir), prints one line per action, and at the end the final state of every issue and the \
            doorbells that rang.
            """
    )

    @Option(
        help: ArgumentHelp("Directory holding afk-poller and afk-watcher (default: next to afk-sim).", valueName: "dir")
    )
    var binDir: String?

    @Option(help: "Give up after this many ticks.")
    var maxTicks = 40

    @Flag(help: "Also print the ticks' log lines.")
    var verbose = false

    @Flag(help: "Run afk against the Forgejo API view of the same world (tracker.kind forgejo) instead of GitHub's.")
    var forgejo = false

    func run() async throws {
        let bin = try binaries()
        let simulator = Simulator(scenario: forgejo ? Scenario.demo.forForgejo(bot: "afk-bot") : .demo)
        let base = try await simulator.start()
        defer { Task { await simulator.stop() } }
        let scenario = await simulator.currentScenario()
        let repos = scenario.github.repos.map(\.fullName)
        let env = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": NSTemporaryDirectory(),
            "AFK_KILL_SWITCH": "false",
            "AFK_ALLOWLIST": repos.joined(separator: ","),
            "AFK_TRACKER_KIND": forgejo ? "forgejo" : "github",
            "AFK_TRACKER_URL": forgejo
                ? await simulator.forgejoURL.absoluteString : await simulator.githubURL.absoluteString,
            "AFK_TRACKER_TOKEN": "ghp_demo_bot",
            "AFK_TRACKER_BOT_LOGIN": "afk-bot",
            "AFK_EXECUTOR_URL": await simulator.t3URL.absoluteString,
            "AFK_EXECUTOR_TOKEN": "t3_demo_token",
            "AFK_EXECUTOR_WORKSPACE_ROOT": "/srv/afk",
            "AFK_NOTIFY_NTFY_URL": base.appendingPathComponent("ntfy").absoluteString,
            "AFK_NOTIFY_NTFY_TOPIC": "afk-demo",
            "AFK_NOTIFY_SLACK_WEBHOOK_URL": base.appendingPathComponent("slack/services/TDEMO/BDEMO/demo")
                .absoluteString,
            "AFK_FIX_FORWARD_MAX_ATTEMPTS": "1",
            "AFK_HTTP_RETRY_BUDGET_SECONDS": "5",
        ]
        print(
            "afk demo: simulator on \(base.absoluteString) (\(forgejo ? "Forgejo" : "GitHub") API), repos \(repos.joined(separator: ", "))"
        )
        var lastWait: [String: String] = [:]
        var lastSkip: [String: String] = [:]
        var settled = false
        for tick in 1...max(1, maxTicks) {
            print("── tick \(tick)")
            let poll = try await runTool(bin.appendingPathComponent("afk-poller"), env: env)
            let watch = try await runTool(bin.appendingPathComponent("afk-watcher"), env: env)
            var dispatched = 0
            for action in poll.actions where action.action == "skip" {
                lastSkip["\(action.repo)#\(action.issue)"] = action.reason
            }
            for action in poll.actions where action.action != "skip" {
                dispatched += 1
                print(action.line(program: "poller"))
            }
            for action in watch.actions {
                let key = "\(action.repo)#\(action.issue)"
                if action.action == "wait" {
                    if lastWait[key] == action.reason { continue }
                    lastWait[key] = action.reason
                } else {
                    lastWait[key] = nil
                }
                print(action.line(program: "watcher"))
            }
            for error in poll.errors + watch.errors { print("  ! \(error)") }
            if dispatched == 0 && watch.actions.isEmpty && poll.errors.isEmpty && watch.errors.isEmpty {
                settled = true
                break
            }
        }
        print(settled ? "── every issue has reached a verdict" : "── stopped after \(maxTicks) ticks")
        print("final state:")
        for repo in scenario.github.repos {
            for seeded in repo.issues.sorted(by: { $0.number < $1.number }) {
                guard let issue = await simulator.issue(repo.owner, repo.name, seeded.number) else { continue }
                let key = "\(repo.fullName)#\(issue.number)"
                let outcome =
                    Self.phase(of: issue).map { "run \($0)" } ?? lastSkip[key].map { "not dispatched: \($0)" }
                    ?? "not ready"
                print(
                    "  \(key) \(issue.state)" + (issue.stateReason.map { " (\($0))" } ?? "")
                        + ", labels [\(issue.labels.joined(separator: ", "))] — \(outcome)"
                )
            }
        }
        print("doorbells:")
        let rung = await simulator.notifications()
        if rung.isEmpty { print("  none") }
        for note in rung {
            let text = note.title ?? note.message
            print(
                "  \(note.sink.padding(toLength: 5, withPad: " ", startingAt: 0)) \(text.split(separator: "\n").first.map(String.init) ?? text)"
            )
        }
        if !settled { throw ExitCode(1) }
    }

    /// The phase in the last run record afk wrote on the issue.
    static func phase(of issue: SimIssue) -> String? {
        guard
            let body = issue.comments.last(where: { $0.user == "afk-bot" && $0.body.contains("<!-- afk:run ") })?.body,
            let range = body.range(of: #""phase":""#)
        else { return issue.comments.contains { $0.user == "afk-bot" } ? "dispatched" : nil }
        return String(body[range.upperBound...].prefix { $0 != "\"" })
    }

    func binaries() throws -> URL {
        try Self.locateBinaries(binDir)
    }

    /// `binDir`, or the directory of this executable when it holds afk-poller and afk-watcher.
    static func locateBinaries(_ binDir: String?) throws -> URL {
        if let binDir { return URL(fileURLWithPath: binDir) }
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let dir = me.deletingLastPathComponent()
        guard FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("afk-poller").path),
            FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("afk-watcher").path)
        else {
            throw AFKSimError(
                description:
                    "afk-poller and afk-watcher are not next to afk-sim in \(dir.path); run `swift build` or pass --bin-dir."
            )
        }
        return dir
    }

    struct Action {
        let repo: String
        let issue: Int
        let action: String
        let reason: String

        func line(program: String) -> String {
            let ref = "\(repo)#\(issue)".padding(toLength: 16, withPad: " ", startingAt: 0)
            let verb = action.padding(toLength: 11, withPad: " ", startingAt: 0)
            return "  \(program.padding(toLength: 8, withPad: " ", startingAt: 0)) \(ref) \(verb) \(reason)"
        }
    }

    struct Outcome {
        var actions: [Action] = []
        var errors: [String] = []
    }

    /// Runs one tick program. Its output goes to a file and the wait is a `Task.sleep` poll:
    /// blocking a cooperative thread here would starve the in-process simulator it talks to.
    func runTool(_ url: URL, env: [String: String]) async throws -> Outcome {
        let process = Process()
        process.executableURL = url
        process.arguments = ["--output", "json"]
        process.environment = env
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("afk-demo-\(UUID().uuidString).json")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        process.standardOutput = try FileHandle(forWritingTo: file)
        process.standardError = verbose ? FileHandle.standardError : FileHandle.nullDevice
        try process.run()
        while process.isRunning { try await Task.sleep(nanoseconds: 20_000_000) }
        let data = (try? Data(contentsOf: file)) ?? Data()
        guard let report = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return Outcome(errors: ["\(url.lastPathComponent) exited \(process.terminationStatus) without a report"])
        }
        var outcome = Outcome()
        for item in report["actions"] as? [[String: Any]] ?? [] {
            guard let repo = item["repo"] as? String, let issue = item["issue"] as? Int,
                let action = item["action"] as? String, let reason = item["reason"] as? String
            else { continue }
            outcome.actions.append(Action(repo: repo, issue: issue, action: action, reason: reason))
        }
        outcome.errors = (report["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        return outcome
    }
}
