import AFKCore
import Logging

/// Turns a decision into a report action and one structured log line with the `repo`,
/// `issue`, `run` and `action` fields (ready for Loki with `--log-format json`).
struct ActionReporter {
    let repo: RepoRef
    let logger: Logger
    let dryRun: Bool

    func callAsFunction(_ issue: Int, _ kind: TickReport.ActionKind, _ reason: String, run: Int? = nil)
        -> TickReport.Action
    {
        var log = logger
        log[metadataKey: "issue"] = "\(issue)"
        log[metadataKey: "action"] = "\(kind.rawValue)"
        if let run { log[metadataKey: "run"] = "\(run)" }
        log.info("\(dryRun ? "would \(kind.rawValue)" : kind.rawValue): \(reason)")
        return TickReport.Action(repo: repo.description, issue: issue, action: kind, reason: reason, dryRun: dryRun)
    }
}
