import AFKAdapters
import AFKCore
import ArgumentParser
import Foundation
import Logging

/// `afk-poller`: one dispatch tick, then exit.
public struct PollerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "afk-poller",
        abstract: "Run one dispatch tick: hand the next ready issue of each allowlisted repo to an agent.",
        discussion: """
            Reads the open issues labelled ready_label in every allowlisted repository, applies the \
            dispatch gates (trust, repo lock, blockers, paused) and the priority order, dispatches at \
            most one issue per repository to the executor, stamps in_progress_label and records the \
            run in a comment. All state lives in the tracker; run it as often as you like.

            afk ships disabled: with kill_switch on or an empty allowlist the tick makes no request \
            at all and exits 0.

            Exit status: 0 the tick completed, 1 part of it failed, 2 configuration or usage error.
            """)

    @OptionGroup public var options: TickOptions

    public init() {}

    public func run() async throws {
        let code = await Self.tick(options, environment: ProcessInfo.processInfo.environment)
        if code != 0 { throw ExitCode(code) }
    }

    /// Runs the tick and prints the report; returns the exit status.
    static func tick(_ options: TickOptions, environment: [String: String]) async -> Int32 {
        let env: TickEnvironment
        let repos: [RepoRef]
        switch await TickLaunch.prepare(options, program: "afk-poller", environment: environment) {
        case .exit(let code): return code
        case .run(let e, let r): (env, repos) = (e, r)
        }
        let tick: PollerTick
        do {
            tick = PollerTick(
                tracker: try env.tracker(), lanes: try env.lanes(for: repos),
                settings: .init(labels: env.config.labels, botLogin: env.config.tracker.botLogin ?? "",
                                preamble: try env.preamble(), dryRun: options.dryRun),
                logger: env.logger, tickGuard: env.tickGuard)
        } catch {
            CommandOutput.configurationError(error)
            return 2
        }
        if let code = await TickLaunch.verifyIdentity(tick.tracker, botLogin: env.config.tracker.botLogin ?? "", env: env, program: "afk-poller") {
            return code
        }
        if let code = await TickLaunch.preflight(tick.lanes) { return code }
        let report = await TickLaunch.guarded(env) { await tick.run(repos: repos) }
        return TickLaunch.finish(report, env: env, kinds: [.dispatch, .skip])
    }
}
