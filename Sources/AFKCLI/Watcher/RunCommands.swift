import AFKAdapters
import AFKCore
import Foundation
import Logging

/// `/afk stop`, `/afk retry` and `/afk explain` in a run's issue comments (``AFKCommand``): obeyed
/// from people whose repository permission is write or higher, acknowledged with a reaction, acted
/// on once — the comment id goes into the run record (``RunRecord/handledCommands``) — and safe
/// across killed ticks: a stop is a recorded transition like any other, a retry a label removal,
/// a reply found again by its hidden marker. Anyone else gets one reply saying why, and nothing
/// happens.
extension RepoWatch {
    /// The first command on `run` not yet handled (dashboard commands are the poller's).
    func pendingCommand(_ run: TrackedRun, record: RunRecord) -> PendingCommand? {
        PendingCommand.find(
            in: run.comments,
            handled: Set(record.handledCommands ?? []),
            botLogin: tick.settings.botLogin
        )
        .first { !$0.command.onDashboard }
    }

    func obey(_ command: PendingCommand, run: TrackedRun, record: RunRecord, commentID: Int64, agent: AgentState)
        async throws(ServiceError) -> TickReport.Action
    {
        let who = "@\(command.author)"
        let verb = "/afk \(command.command.rawValue)"
        var handled = record
        handled.handledCommands = (record.handledCommands ?? []) + [command.commentID]
        let permission = try await tick.tracker.permission(of: command.author, in: repo)
        guard case .trusted = TrustGate.verdict(labeler: .login(command.author), permission: permission) else {
            let reason = "\(verb) from \(who) ignored: only people with write access may use it"
            if dryRun { return action(run.issue.number, .wait, reason, run: record.run) }
            try await reply(
                to: command,
                on: run,
                text: "\(who), only people with write access to \(repo) can use `\(verb)`; nothing was done."
            )
            try? await tick.tracker.react("-1", toComment: command.commentID, in: repo)
            try await tick.tracker.updateComment(commentID, in: repo, body: render(handled, run))
            return action(run.issue.number, .wait, reason, run: record.run)
        }
        switch command.command {
        case .stop:
            let why = "stopped by \(who) with /afk stop"
            if dryRun { return action(run.issue.number, .escalate, why, run: record.run) }
            let observation = RunObservation(record: handled, agent: agent, pushedSHA: nil, now: tick.now())
            let next = RunStateMachine.apply(
                .escalate(why),
                to: handled,
                observation: observation,
                channels: channels,
                issue: run.issue.ref
            )
            try await tick.tracker.updateComment(commentID, in: repo, body: render(next, run))
            try? await tick.tracker.react("+1", toComment: command.commentID, in: repo)
            _ = try await perform(next.pending ?? [], run: run, record: next, commentID: commentID)
            return action(run.issue.number, .escalate, why, run: record.run)
        case .retry:
            let ended = record.phase == .frozen || record.phase == .escalated
            let reason =
                ended
                ? "\(who) asked for a retry: #\(run.issue.number) is handed back to afk; run \(record.run + 1) starts when the repository is free"
                : "/afk retry from \(who): run \(record.run) is still in flight, nothing to retry"
            if dryRun { return action(run.issue.number, .wait, reason, run: record.run) }
            if ended { try await tick.tracker.removeLabel(labels.human, from: run.issue.ref) }
            try await reply(to: command, on: run, text: reason)
            try? await tick.tracker.react("+1", toComment: command.commentID, in: repo)
            try await tick.tracker.updateComment(commentID, in: repo, body: render(handled, run))
            return action(run.issue.number, .wait, reason, run: record.run)
        case .explain:
            let phase = (record.phase ?? .dispatched).rawValue
            let text =
                "run \(record.run) is \(phase)" + (record.note.map { ": \($0)" } ?? "")
                + (record.pullRequest.map { "; pull request #\($0)" } ?? "")
                + "; attempts \(record.attempts)/\(lane.limits.maxAttempts)"
            if dryRun { return action(run.issue.number, .wait, "\(verb) from \(who): \(text)", run: record.run) }
            try await reply(to: command, on: run, text: "\(who): \(text).")
            try? await tick.tracker.react("+1", toComment: command.commentID, in: repo)
            try await tick.tracker.updateComment(commentID, in: repo, body: render(handled, run))
            return action(run.issue.number, .wait, "answered \(verb) from \(who)", run: record.run)
        case .pause, .resume:
            return action(run.issue.number, .wait, "\(verb) belongs on the dashboard", run: record.run)
        }
    }

    /// afk's reply to a command, posted once: found again by its hidden marker.
    func reply(to command: PendingCommand, on run: TrackedRun, text: String) async throws(ServiceError) {
        let marker = "<!-- afk:reply \(command.commentID) -->"
        let bot = tick.settings.botLogin
        let mine = { (comment: TrackerComment) in
            comment.author.caseInsensitiveCompare(bot) == .orderedSame && comment.body.contains(marker)
        }
        guard !run.comments.contains(where: mine) else { return }
        _ = try await tick.tracker.createComment(
            on: run.issue.ref,
            body: "🤖 **afk**: \(text)\n\n\(marker)",
            by: bot,
            isSame: { $0.body.contains(marker) }
        )
    }
}
