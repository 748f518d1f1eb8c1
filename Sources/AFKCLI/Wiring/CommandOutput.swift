import AFKAdapters
import AFKCore
import Foundation

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
    case .openPullRequest: "opened_pr"
    case .updateBranch: "updated_branch"
    case .merge: "merged"
    }
}

enum CommandOutput {
    /// Prints a tick's outcome (configuration problems on standard error, the report on standard
    /// output) and returns its exit status.
    static func emit(_ outcome: TickOutcome, format: ReportRenderer.Format) -> Int32 {
        if !outcome.configurationErrors.isEmpty { configurationError(ConfigurationError(outcome.configurationErrors)) }
        if let report = outcome.report {
            print(ReportRenderer.render(report, as: format, pretty: LogDefaults.standardOutputIsTerminal))
        }
        return outcome.code
    }

    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func configurationError(_ error: ConfigurationError) {
        let lines = error.messages.map { "afk: configuration error: \($0)\n" }.joined()
        FileHandle.standardError.write(Data(lines.utf8))
    }
}
