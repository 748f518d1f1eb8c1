import AFKAdapters
import AFKCore
import Foundation
import Logging

/// The start and end every tick program shares: configuration (exit 2 on error), the disabled
/// check (no request at all, exit 0), the final summary log line and the report.
enum TickLaunch {
    enum Start {
        case run(TickEnvironment, [RepoRef])
        case exit(Int32)
    }

    static func prepare(_ options: TickOptions, program: String, environment: [String: String]) async -> Start {
        let env: TickEnvironment
        let repos: [RepoRef]
        do {
            env = try await TickEnvironment.load(options.inputs, program: program, environment: environment)
            repos = try env.repos()
        } catch {
            CommandOutput.configurationError(error)
            return .exit(2)
        }
        if let reason = env.config.disabledReason {
            env.logger.notice("disabled, making no requests: \(reason)")
            CommandOutput.print(ReportRenderer.render(
                TickReport(program: program, dryRun: options.dryRun, disabled: reason), as: options.output))
            return .exit(0)
        }
        return .run(env, repos)
    }

    /// Logs one summary line with a count per action kind, prints the report, returns the exit status.
    static func finish(_ report: TickReport, env: TickEnvironment, kinds: [TickReport.ActionKind]) -> Int32 {
        var counts: Logger.Metadata = ["errors": "\(report.errors.count)", "dry_run": "\(report.dryRun)"]
        for kind in kinds {
            counts[summaryKey(kind)] = "\(report.actions.filter { $0.action == kind }.count)"
        }
        env.logger.info("tick finished", metadata: counts)
        CommandOutput.print(ReportRenderer.render(report, as: env.options.output))
        return report.exitCode
    }
}

/// The summary line's field for an action kind: `dispatched`, `skipped`, `waiting`, `closed`, …
func summaryKey(_ kind: TickReport.ActionKind) -> String {
    switch kind {
    case .dispatch: "dispatched"
    case .skip: "skipped"
    case .wait: "waiting"
    case .close: "closed"
    case .fixForward: "fixed_forward"
    case .freeze: "frozen"
    case .escalate: "escalated"
    case .redispatch: "redispatched"
    }
}

enum CommandOutput {
    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func configurationError(_ error: ConfigurationError) {
        FileHandle.standardError.write(Data("afk: configuration error: \(error.message)\n".utf8))
    }
}
