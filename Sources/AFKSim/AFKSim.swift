import AFKSimulator
import AFKVersion
import ArgumentParser
import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct AFKSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "afk-sim",
        abstract: "Serve a stateful fake of the GitHub REST API and the T3 Code orchestration API on 127.0.0.1.",
        version: AFKVersion.line,
        subcommands: [Serve.self, Demo.self, DemoScenario.self, Bench.self],
        defaultSubcommand: Serve.self
    )
}

/// Errors of the `afk-sim` command line.
struct AFKSimError: Error, CustomStringConvertible {
    var description: String
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the simulator and print its URLs and tokens as shell assignments.",
        discussion: """
            Prints AFK_SIM_URL, AFK_TRACKER_KIND and AFK_TRACKER_URL (…/github, or …/forgejo with --forgejo, where the \
            bot becomes a site administrator and every repository gets afk's labels), AFK_EXECUTOR_URL (…/t3), AFK_TRACKER_TOKEN and \
            AFK_EXECUTOR_TOKEN, one per line (with --demo also AFK_NOTIFY_NTFY_URL, AFK_NOTIFY_NTFY_TOPIC and \
            AFK_NOTIFY_SLACK_WEBHOOK_URL), then serves until SIGINT or SIGTERM. Doorbell sinks: ntfy at \
            /ntfy/{topic}, Slack at /slack/services/{T}/{B}/{X}. Control endpoints: GET/DELETE /_sim/requests, \
            POST/GET/DELETE /_sim/faults, GET /_sim/state, POST /_sim/scenario, GET/DELETE /_sim/notifications.
            """
    )

    @Option(help: "Port to listen on (0 picks an ephemeral port).")
    var port: UInt16 = 0

    @Option(help: "Path to a scenario JSON file.")
    var scenario: String?

    @Flag(help: "Serve the built-in demo backlog (see `afk-sim demo-scenario`).")
    var demo = false

    @Flag(help: "Point AFK_TRACKER_URL at the Forgejo/Gitea API view (…/forgejo) instead of …/github; same world.")
    var forgejo = false

    func validate() throws {
        if demo, scenario != nil { throw ValidationError("Pass either --scenario or --demo, not both.") }
    }

    func run() async throws {
        var world: Scenario
        if let path = scenario {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw AFKSimError(description: "Cannot read scenario file \(path): \(error.localizedDescription).")
            }
            do {
                world = try Scenario.decode(fromJSON: data)
            } catch {
                throw AFKSimError(description: "Scenario file \(path) is not a valid scenario: \(error).")
            }
        } else if demo {
            world = .demo
        } else {
            world = Scenario()
        }

        if forgejo, let bot = world.github.tokens.values.sorted().first(where: { $0.contains("bot") }) {
            world = world.forForgejo(bot: bot)
        }
        let simulator = Simulator(scenario: world)
        let base = try await simulator.start(port: port)
        var lines = [
            "AFK_SIM_URL=\(base.absoluteString)",
            "AFK_TRACKER_KIND=\(forgejo ? "forgejo" : "github")",
            "AFK_TRACKER_URL=\(forgejo ? await simulator.forgejoURL.absoluteString : await simulator.githubURL.absoluteString)",
            "AFK_EXECUTOR_URL=\(await simulator.t3URL.absoluteString)",
        ]
        let githubTokens = world.github.tokens.sorted { a, b in
            // Prefer a bot's token: that is the one afk runs with.
            (a.value.contains("bot") ? 0 : 1, a.key) < (b.value.contains("bot") ? 0 : 1, b.key)
        }
        if let token = githubTokens.first?.key { lines.append("AFK_TRACKER_TOKEN=\(token)") }
        let t3Tokens = world.t3.tokens.sorted { a, b in
            (a.value.contains("orchestration:operate") ? 0 : 1, a.key) < (
                b.value.contains("orchestration:operate") ? 0 : 1, b.key
            )
        }
        if let token = t3Tokens.first?.key { lines.append("AFK_EXECUTOR_TOKEN=\(token)") }
        if demo {
            lines += [
                "AFK_NOTIFY_NTFY_URL=\(await simulator.ntfyURL.absoluteString)",
                "AFK_NOTIFY_NTFY_TOPIC=afk-demo",
                "AFK_NOTIFY_SLACK_WEBHOOK_URL=\(await simulator.slackWebhookURL("TDEMO/BDEMO/demo").absoluteString)",
            ]
        }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))

        await waitForTerminationSignal()
        await simulator.stop()
    }
}

struct DemoScenario: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-scenario",
        abstract: "Print the built-in demo scenario as JSON (a starting point for --scenario files)."
    )

    func run() async throws {
        let data = try Scenario.demo.encodedJSON()
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

/// Suspends until SIGINT or SIGTERM arrives.
func waitForTerminationSignal() async {
    let (stream, continuation) = AsyncStream<Int32>.makeStream()
    var sources: [any DispatchSourceSignal] = []
    for sig in [SIGINT, SIGTERM] {
        signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler { continuation.yield(sig) }
        source.resume()
        sources.append(source)
    }
    for await _ in stream { break }
    for source in sources { source.cancel() }
}
