import AFKCore
import Foundation

/// Reads an agent's state from a T3 thread, as the contract notes prescribe (t3 facts §1.4):
/// trust `session.status`; `latestTurn.state` is running | interrupted | completed | error and
/// `error` appears only in git workspaces; provider failures also show up as
/// `provider.*.failed` activities; an unanswered `user-input.requested` means the agent is
/// waiting for an answer.
enum T3ThreadState {
    static func derive(_ thread: T3.Thread?) -> AgentState {
        guard let thread, thread.deletedAt == nil else { return .missing }
        let activities = thread.activities ?? []
        if let failed = activities.last(where: { $0.kind.hasPrefix("provider.") && $0.kind.hasSuffix(".failed") }) {
            return .errored(failed.payload?.detail ?? failed.summary ?? failed.kind)
        }
        let session = thread.session
        if session?.status == "error" || thread.latestTurn?.state == "error" {
            return .errored(session?.lastError ?? "the turn ended in error")
        }
        if let question = unansweredQuestion(activities) { return .needsInput(question) }
        switch session?.status {
        case "running", "starting":
            return .running
        case "interrupted", "stopped":
            return .interrupted
        default:
            break
        }
        if session?.activeTurnId != nil { return .running }
        switch thread.latestTurn?.state {
        case nil:
            // Accepted, not started yet: the turn appears once the provider reports it.
            return .running
        case "running":
            return .running
        case "completed":
            return .finished
        case "interrupted":
            return .interrupted
        case let other?:
            return .unknown("T3 reported latestTurn.state \"\(other)\", which afk does not know")
        }
    }

    static func unansweredQuestion(_ activities: [T3.Activity]) -> String? {
        var open: [String: String] = [:]
        for activity in activities {
            guard let id = activity.payload?.requestId else { continue }
            switch activity.kind {
            case "user-input.requested":
                open[id] = activity.payload?.questions?.compactMap(\.question).first ?? activity.summary ?? "a question"
            case "user-input.resolved":
                open[id] = nil
            default:
                continue
            }
        }
        return open.values.sorted().first
    }
}
