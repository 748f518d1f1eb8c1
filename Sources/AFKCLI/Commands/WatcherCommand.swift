import AFKAdapters
import AFKCore
import ArgumentParser
import Foundation
import Logging

/// `afk-watcher`: drive every in-flight run one step, then exit.
public struct WatcherCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "afk-watcher",
        abstract: "Run one watcher tick: move every in-flight run one step towards a verdict.",
        discussion: """
            For every open issue carrying in_progress_label in the allowlisted repositories, reads \
            the run record afk wrote, the agent's state, the commit it pushed to the default branch \
            and that commit's CI, then waits, closes the issue (green), starts a corrective turn \
            (red, budget left), freezes (red, budget spent) or escalates to a human (nothing pushed \
            and the agent stopped, or stalled), and rings the doorbell on terminal transitions. \
            All state lives in the tracker; a watcher in a fresh pod carries on where the last stopped.

            Exit status: 0 the tick completed, 1 part of it failed, 2 configuration or usage error.
            """)

    @OptionGroup public var options: TickOptions

    @Option(name: .long, help: ArgumentHelp("Only this issue of --repo (a manual one-shot on one run).", valueName: "N"))
    public var issue: Int?

    public init() {}

    public func validate() throws {
        if issue != nil, options.repo == nil { throw ValidationError("--issue needs --repo owner/name") }
        if let issue, issue < 1 { throw ValidationError("--issue must be a positive issue number") }
    }

    public func run() async throws {
        let code = await Self.tick(options, issue: issue, environment: ProcessInfo.processInfo.environment)
        if code != 0 { throw ExitCode(code) }
    }

    static func tick(_ options: TickOptions, issue: Int?, environment: [String: String]) async -> Int32 {
        let env: TickEnvironment
        let repos: [RepoRef]
        switch await TickLaunch.prepare(options, program: "afk-watcher", environment: environment) {
        case .exit(let code): return code
        case .run(let e, let r): (env, repos) = (e, r)
        }
        let tick: WatcherTick
        do {
            let config = env.config
            tick = WatcherTick(
                tracker: try env.tracker(), lanes: try env.lanes(for: repos), notifiers: options.dryRun ? [] : env.notifiers(),
                settings: .init(
                    labels: config.labels, botLogin: config.tracker.botLogin ?? "",
                    preamble: try env.preamble(), dryRun: options.dryRun),
                logger: env.logger, tickGuard: env.tickGuard)
        } catch {
            CommandOutput.configurationError(error)
            return 2
        }
        if let code = await TickLaunch.verifyIdentity(tick.tracker, botLogin: env.config.tracker.botLogin ?? "", env: env, program: "afk-watcher") {
            return code
        }
        if let code = await TickLaunch.preflight(tick.lanes) { return code }
        let report = await TickLaunch.guarded(env) { await tick.run(repos: repos, onlyIssue: issue) }
        return TickLaunch.finish(report, env: env, kinds: [.wait, .close, .fixForward, .freeze, .escalate, .redispatch])
    }
}
