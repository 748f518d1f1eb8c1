import AFKAdapters
import AFKCore
import AFKVersion
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
            """,
        version: AFKVersion.line
    )

    @OptionGroup public var options: TickOptions

    @Option(
        name: .long,
        help: ArgumentHelp("Only this issue of --repo (a manual one-shot on one run).", valueName: "N")
    )
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

    /// Runs the tick (``TickProgram``), prints what it came to; returns the exit status.
    static func tick(_ options: TickOptions, issue: Int?, environment: [String: String]) async -> Int32 {
        CommandOutput.emit(
            await TickProgram.run(.watcher(onlyIssue: issue), inputs: options.inputs, environment: environment),
            format: options.output
        )
    }
}
