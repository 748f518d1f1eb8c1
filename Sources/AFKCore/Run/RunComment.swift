import Foundation

/// Renders the run's bot-authored comment: what a reader needs in words, a progress checklist
/// the watcher edits in place, and the hidden ``RunRecord``.
public enum RunComment {
    public struct Context: Hashable, Sendable {
        public let issue: IssueRef
        public let executorName: String
        public let threadURL: String?
        public let resumed: Bool

        public init(issue: IssueRef, executorName: String, threadURL: String? = nil, resumed: Bool = false) {
            self.issue = issue
            self.executorName = executorName
            self.threadURL = threadURL
            self.resumed = resumed
        }
    }

    public static func dispatched(record: RunRecord, context: Context) -> String {
        let thread = context.threadURL.map { "[`\(record.threadID)`](\($0))" } ?? "`\(record.threadID)`"
        var lines = [
            "🤖 **afk** handed this issue to an agent (run \(record.run)).",
            "",
            "- Executor: \(context.executorName), thread \(thread)",
            "- Dispatched at: \(record.dispatchedAt)",
            "- The agent implements \(context.issue) test-first, commits with `Closes #\(context.issue.number)` "
                + "and the trailer `AFK-Issue: \(context.issue)`, pushes to the default branch and watches CI.",
            "- This comment is afk's record of the run and is updated in place as the run progresses; "
                + "please do not edit it. To stop the agent, add the paused label or set the kill switch.",
        ]
        if context.resumed {
            lines.append("- Note: the dispatching tick was interrupted before it could record the run; "
                + "a later tick found the existing thread and recorded it.")
        }
        lines += [
            "",
            "### Progress",
            "- [x] Dispatched",
            "- [ ] Agent working",
            "- [ ] Pushed",
            "- [ ] CI green",
            "- [ ] Done",
            "",
            record.encodedMarker(),
        ]
        return lines.joined(separator: "\n")
    }
}
