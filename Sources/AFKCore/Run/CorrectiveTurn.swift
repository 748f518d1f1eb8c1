/// The text of a corrective turn: what is wrong (a red build, a conflict with the default branch,
/// a reviewer's requested changes), and the same standing rules as the first turn.
public enum CorrectiveTurn {
    /// - Parameters:
    ///   - sha: the commit that needs correcting (the red commit, or the pull request's head).
    ///   - ci: the verdict in words (`red (build (failure))`).
    ///   - attempt: corrective turns sent before this one.
    ///   - branch: the run's branch in `landing: pull_request`; nil when the run pushes to the
    ///     default branch.
    ///   - correction: what the turn is for; `review` quotes `reviewQuote`.
    public static func text(
        issue: IssueRef,
        sha: String,
        ci: String,
        attempt: Int,
        maxAttempts: Int,
        branch: String? = nil,
        pullRequest: Int? = nil,
        correction: RunRecord.Correction = .build,
        reviewQuote: String? = nil
    ) -> String {
        let target = branch.map { "the branch `\($0)` (never to the default branch)" } ?? "the default branch"
        let rules = """
            Keep `Closes #\(issue.number)` and the trailer `AFK-Issue: \(issue)` in the message. Do not revert \
            published history, force-push, or skip or disable CI. This is fix-forward attempt \(attempt) of \
            \(maxAttempts).
            """
        let pr = pullRequest.map { "pull request #\($0)" } ?? "your pull request"
        var text: String
        switch correction {
        case .build:
            text = """
                CI is red on your commit \(sha) for \(issue): \(ci).

                Fix forward: find the cause, add or fix the test that shows it, and push a new commit to \(target) \
                that makes CI green. \(rules)
                """
        case .conflict:
            text = """
                The branch of \(pr) for \(issue) (head \(sha)) conflicts with the default branch and cannot be merged.

                Bring the branch up to date: merge the default branch into it, resolve the conflicts keeping both \
                intents, make sure the tests pass, and push a new commit to \(target). \(rules)
                """
        case .review:
            let quote = (reviewQuote ?? "").split(separator: "\n", omittingEmptySubsequences: false)
                .map { "> " + $0 }.joined(separator: "\n")
            text = """
                A reviewer with write access requested changes on \(pr) for \(issue) (head \(sha)):

                \(quote.isEmpty ? "> (no text)" : quote)

                Address the review: change what it asks for, with tests where it applies, and push a new commit \
                to \(target). \(rules)
                """
        }
        if let branch { text += "\n\n" + RunBranch.turnLinePrefix + branch }
        return text
    }
}
