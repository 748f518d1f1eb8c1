import AFKCore
import Foundation

/// Reads an agent's state from a T3 thread, as T3's own projection derives it
/// (`apps/server/src/orchestration/Layers/ProjectionPipeline.ts` and `ProviderRuntimeIngestion.ts`
/// in https://github.com/pingdotgg/t3code): trust `session.status`; `latestTurn.state` is
/// running | interrupted | completed | error; an unanswered `user-input.requested` means the
/// agent waits for an answer.
///
/// **Failures belong to a turn.** Only what concerns the latest turn counts:
/// - a `provider.*.failed` activity whose `turnId` is the latest turn's;
/// - `provider.turn.start.failed` (its `turnId` is always null) when it is newer than the latest
///   turn's `requestedAt`: the turn asked for after it could not start
///   (``AgentReport/turnStartFailure``);
/// - never a failed reply to an approval or a question (`provider.approval.respond.failed`,
///   `provider.user-input.respond.failed`): they fail no turn, and one about a *stale* request
///   ("Stale pending approval request: …") closes that request;
/// - questions only of the latest turn.
enum T3ThreadState {
    static func derive(_ thread: T3.Thread?) -> AgentReport {
        guard let thread, thread.deletedAt == nil else { return AgentReport(.missing, turn: .latest(nil)) }
        let latestTurnID = thread.latestTurn?.turnId ?? thread.session?.activeTurnId
        let turn = AgentTurn.latest(latestTurnID)
        let activities = thread.activities ?? []
        let startFailure = turnStartFailure(activities, after: thread.latestTurn?.requestedAt)
        let report = { (state: AgentState) in AgentReport(state, turn: turn, turnStartFailure: startFailure) }

        if let latestTurnID, let failed = activities.last(where: { isTurnFailure($0) && $0.turnId == latestTurnID }) {
            return report(.errored(failed.detail ?? failed.summary ?? failed.kind))
        }
        let session = thread.session
        if session?.status == "error" || thread.latestTurn?.state == "error" {
            return report(.errored(session?.lastError ?? "the turn ended in error"))
        }
        if let question = unansweredQuestion(activities, turn: latestTurnID) { return report(.needsInput(question)) }
        switch session?.status {
        case "running", "starting":
            return report(.running)
        case "interrupted", "stopped":
            return report(.interrupted)
        default:
            break
        }
        if session?.activeTurnId != nil { return report(.running) }
        switch thread.latestTurn?.state {
        case nil:
            // Accepted, not started yet: the turn appears once the provider reports it.
            return report(.running)
        case "running":
            return report(.running)
        case "completed":
            return report(.finished)
        case "interrupted":
            return report(.interrupted)
        case let other?:
            return report(.unknown("T3 reported latestTurn.state \"\(other)\", which afk does not know"))
        }
    }

    /// `provider.<command>.failed` activities other than replies to requests.
    static func isTurnFailure(_ activity: T3.Activity) -> Bool {
        activity.kind.hasPrefix("provider.") && activity.kind.hasSuffix(".failed") && !isReplyFailure(activity)
            && activity.kind != "provider.turn.start.failed"
    }

    static func isReplyFailure(_ activity: T3.Activity) -> Bool {
        activity.kind == "provider.approval.respond.failed" || activity.kind == "provider.user-input.respond.failed"
    }

    /// The newest `provider.turn.start.failed` after the latest started turn was requested, if any.
    static func turnStartFailure(_ activities: [T3.Activity], after requestedAt: String?) -> String? {
        let since = requestedAt.flatMap(Timestamp.parse)
        let failure = activities.last { activity in
            guard activity.kind == "provider.turn.start.failed" else { return false }
            // no turn ever started: any start failure is the pending one
            guard let since else { return requestedAt == nil }
            guard let at = activity.createdAt.flatMap(Timestamp.parse) else { return false }
            return at > since
        }
        return failure.map { $0.detail ?? $0.summary ?? $0.kind }
    }

    /// The first question of `turn` (or of no turn) still waiting for an answer.
    static func unansweredQuestion(_ activities: [T3.Activity], turn: String?) -> String? {
        var open: [String: String] = [:]
        for activity in activities {
            guard let id = activity.requestId else { continue }
            switch activity.kind {
            case "user-input.requested":
                guard activity.turnId == nil || activity.turnId == turn else { continue }
                open[id] = activity.firstQuestion ?? activity.summary ?? "a question"
            case "user-input.resolved":
                open[id] = nil
            case "provider.user-input.respond.failed"
            where activity.detail?.lowercased().contains("stale pending") == true:
                open[id] = nil  // T3 closes a request its provider no longer knows
            default:
                continue
            }
        }
        return open.values.sorted().first
    }
}
