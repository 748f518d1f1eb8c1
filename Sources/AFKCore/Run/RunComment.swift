import Foundation

/// Renders the run's bot-authored comment: what a reader needs in words, the progress
/// checklist (edited in place as the run moves), and the hidden ``RunRecord``.
public enum RunComment {
    public struct Context: Hashable, Sendable {
        public let issue: IssueRef
        public let executorName: String
        public let threadURL: String?
        public let resumed: Bool
        public let maxAttempts: Int?

        public init(
            issue: IssueRef,
            executorName: String,
            threadURL: String? = nil,
            resumed: Bool = false,
            maxAttempts: Int? = nil
        ) {
            self.issue = issue
            self.executorName = executorName
            self.threadURL = threadURL
            self.resumed = resumed
            self.maxAttempts = maxAttempts
        }
    }

    /// The comment as first written by the poller.
    public static func dispatched(record: RunRecord, context: Context) -> String {
        render(record: record, context: context)
    }

    public static func render(record: RunRecord, context: Context) -> String {
        let thread = context.threadURL.map { "[`\(record.threadID)`](\($0))" } ?? "`\(record.threadID)`"
        let phase = record.phase ?? .dispatched
        var lines = ["🤖 **afk** run \(record.run) of \(context.issue): \(headline(phase))", ""]
        lines += [
            "- Executor: \(context.executorName), thread \(thread)",
            "- Dispatched at: \(record.dispatchedAt)",
        ]
        if let branch = record.branch, phase == .dispatched || phase == .working {
            lines.append(
                "- The agent implements \(context.issue) test-first, commits with `Closes #\(context.issue.number)` "
                    + "and the trailer `AFK-Issue: \(context.issue)` and pushes the branch `\(branch)`; "
                    + "afk opens a pull request, verifies it and merges it."
            )
        } else if phase == .dispatched || phase == .working {
            lines.append(
                "- The agent implements \(context.issue) test-first, commits with `Closes #\(context.issue.number)` "
                    + "and the trailer `AFK-Issue: \(context.issue)`, pushes to the default branch and watches CI."
            )
        }
        if let note = record.note { lines.append("- Last observed: \(note)") }
        if let stop = record.agentStop { lines.append("- Agent at \(context.executorName): \(stop)") }
        if context.resumed {
            lines.append(
                "- Note: the dispatching tick was interrupted before it could record the run; "
                    + "a later tick found the existing thread and recorded it."
            )
        }
        lines.append("- This comment is afk's record of the run and is edited in place; please do not edit it.")
        let pushed = record.pushedSHA.map { "`\(RunStateMachine.short($0))`" }
        let ciGreen = phase == .done
        let attempts =
            context.maxAttempts.map { " (fix-forward attempts: \(record.attempts)/\($0))" }
            ?? (record.attempts > 0 ? " (fix-forward attempts: \(record.attempts))" : "")
        lines += [
            "", "### Progress", check(true, "Dispatched"),
            check(phase != .dispatched || pushed != nil, "Agent working"),
        ]
        if let branch = record.branch {
            let merged = record.mergedSHA != nil || phase == .merged || phase == .done
            let pr = record.pullRequest.map { number in
                record.pullRequestURL.map { "[#\(number)](\($0))" } ?? "#\(number)"
            }
            lines += [
                check(pushed != nil || merged, "Pushed to `\(branch)`" + (merged ? "" : pushed.map { " \($0)" } ?? "")),
                check(pr != nil, "Pull request" + (pr.map { " \($0)" } ?? "")),
                check(
                    merged,
                    merged ? "CI green on the pull request" : "CI " + (record.ci ?? "not run yet") + attempts
                ),
                check(merged, phase == .review ? "Review: waiting for an approving review" : "Reviewed and mergeable"),
                check(merged, "Merged" + (record.mergedSHA.map { " as `\(RunStateMachine.short($0))`" } ?? "")),
                check(
                    phase == .done,
                    "Stages green on the merge commit"
                        + (merged && phase != .done ? ": " + (record.ci ?? "not run yet") : "")
                ),
            ]
        } else {
            lines += [
                check(pushed != nil, "Pushed" + (pushed.map { " \($0)" } ?? "")),
                check(ciGreen, "CI " + (record.ci ?? "not run yet") + attempts),
            ]
        }
        switch phase {
        case .frozen:
            lines.append(
                "- [ ] ❄️ Frozen: CI stays red and the fix-forward budget is spent; the commit is left in place for a human"
            )
        case .escalated:
            lines.append(
                record.branch == nil
                    ? "- [ ] 🙋 Escalated to a human before a green push"
                    : "- [ ] 🙋 Escalated to a human"
                        + (record.pullRequest.map { "; pull request #\($0) is left open" } ?? "")
            )
        default: lines.append(check(phase == .done, "Done"))
        }
        lines += ["", record.encodedMarker()]
        return lines.joined(separator: "\n")
    }

    static func headline(_ phase: RunPhase) -> String {
        switch phase {
        case .dispatched: "handed to an agent"
        case .working: "agent working"
        case .pushed: "pushed, waiting for CI"
        case .fixing: "CI was red, agent fixing forward"
        case .review: "pull request waiting for a review"
        case .merged: "merged, verifying the merge commit"
        case .done: "done ✅"
        case .frozen: "frozen ❄️ (needs a human)"
        case .escalated: "escalated 🙋 (needs a human)"
        case .notStarted: "not started (the runtime refused the job; the issue stays ready)"
        }
    }

    static func check(_ done: Bool, _ text: String) -> String { "- [\(done ? "x" : " ")] \(text)" }

    /// A short audit comment for a significant transition, with a hidden marker so that a
    /// repeated tick never posts it twice.
    public static func audit(record: RunRecord, issue: IssueRef, text: String) -> String {
        "🤖 **afk** run \(record.run): \(text)\n\n" + auditMarker(record: record)
    }

    /// Identifies one transition: run, phase, attempts and re-dispatches.
    public static func auditMarker(record: RunRecord) -> String {
        "<!-- afk:audit run=\(record.run) phase=\((record.phase ?? .dispatched).rawValue) attempts=\(record.attempts) redispatches=\(record.redispatches ?? 0) -->"
    }
}
