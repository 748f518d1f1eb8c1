import AFKCLI
import AFKCore
import ArgumentParser
import Foundation

/// Runs `afk-poller` and `afk-watcher` in this process: the same command-line parsing and the
/// same ``TickProgram`` as the binaries, with the log captured instead of written to standard
/// error and the report returned typed. No process is started and no signal handler installed.
public enum InProcessTick {
    public enum Program: Sendable {
        case poller, watcher
    }

    public static func program(_ name: String) -> Program? {
        switch name {
        case "afk-poller": .poller
        case "afk-watcher": .watcher
        default: nil
        }
    }

    /// Parses `arguments` as the binary would and runs one tick with exactly `environment`.
    public static func run(_ program: Program, _ arguments: [String], environment: [String: String]) async -> ToolRun {
        let log = LogCapture()
        let kind: TickProgram.Kind
        var options: TickOptions
        do {
            switch program {
            case .poller:
                options = try PollerCommand.parse(arguments).options
                kind = .poller
            case .watcher:
                let command = try WatcherCommand.parse(arguments)
                options = command.options
                kind = .watcher(onlyIssue: command.issue)
            }
        } catch {
            // As `CommandMain` does: --help and --version print and exit 0; a usage error exits 2.
            let message =
                program == .poller ? PollerCommand.fullMessage(for: error) : WatcherCommand.fullMessage(for: error)
            let exit = program == .poller ? PollerCommand.exitCode(for: error) : WatcherCommand.exitCode(for: error)
            if exit == .success { return ToolRun(code: 0, stdout: message + "\n", stderr: "") }
            return ToolRun(code: 2, stdout: "", stderr: message + "\n")
        }
        var inputs = options.inputs
        inputs.handleSIGTERM = false
        inputs.log = log.write
        let outcome = await TickProgram.run(kind, inputs: inputs, environment: environment)
        let stdout = outcome.report.map { ReportRenderer.render($0, as: options.output) + "\n" } ?? ""
        let configuration = outcome.configurationErrors.map { "afk: configuration error: \($0)\n" }.joined()
        return ToolRun(code: outcome.code, stdout: stdout, stderr: log.text + configuration, typed: outcome.report)
    }
}
