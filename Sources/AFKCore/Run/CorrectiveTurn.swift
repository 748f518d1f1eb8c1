/// The text of a corrective turn: what is red, and the same standing rules as the first turn.
public enum CorrectiveTurn {
    /// - Parameters:
    ///   - sha: the red commit.
    ///   - ci: the verdict in words (`red (build (failure))`).
    ///   - attempt: corrective turns sent before this one.
    public static func text(issue: IssueRef, sha: String, ci: String, attempt: Int, maxAttempts: Int) -> String {
        """
        CI is red on your commit \(sha) for \(issue): \(ci).

        Fix forward: find the cause, add or fix the test that shows it, and push a new commit to the \
        default branch that makes CI green. Keep `Closes #\(issue.number)` and the trailer \
        `AFK-Issue: \(issue)` in the message. Do not revert published history, force-push, or skip \
        or disable CI. This is fix-forward attempt \(attempt) of \(maxAttempts).
        """
    }
}
