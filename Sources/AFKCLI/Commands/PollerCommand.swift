import AFKAdapters
import AFKCore
import AFKVersion
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
            """,
        version: AFKVersion.line
    )

    @OptionGroup public var options: TickOptions

    public init() {}

    public func run() async throws {
        let code = await Self.tick(options, environment: ProcessInfo.processInfo.environment)
        if code != 0 { throw ExitCode(code) }
    }

    /// Runs the tick (``TickProgram``), prints what it came to; returns the exit status.
    static func tick(_ options: TickOptions, environment: [String: String]) async -> Int32 {
        CommandOutput.emit(
            await TickProgram.run(.poller, inputs: options.inputs, environment: environment),
            format: options.output
        )
    }
}
