import Foundation

/// The standing rules sent ahead of every dispatched issue, in afk's own words.
/// A file named by the `preamble_file` setting replaces ``defaultText``.
public enum ImplementerPreamble {
    public static let defaultText = """
        You are working unattended on a triaged issue. Nobody will answer questions until you \
        are done, so do not ask any: make the best reasonable decision, and say in the commit \
        message what you assumed.

        Standing rules:
        1. Work test-first: add or change a test that fails without your change, then make it pass.
        2. Keep the change to what the issue asks for.
        3. Commit with a message whose body says `Closes #{number}` and that ends with the trailer \
        line `AFK-Issue: {issue}`.
        4. Push to the repository's default branch. Never force-push and never rewrite published history.
        5. Never skip or disable CI, hooks or tests to get a change through.
        6. After pushing, watch CI for your commit. If it goes red, fix forward with a new commit \
        carrying the same trailer.
        7. If you cannot finish, stop and leave the branch as it is; a human will pick it up.
        """

    /// The text of the first turn: the preamble (with `{issue}` and `{number}` filled in),
    /// then the concrete issue to implement.
    ///
    /// With `branch` (`landing: pull_request`) the rules' "push to the default branch" gives way
    /// to the run's branch: a closing section says so and names it on an `AFK-Branch:` line
    /// (``RunBranch/turnLinePrefix``), which outranks any rule above it.
    public static func turnText(
        preamble: String,
        issue: IssueRef,
        title: String,
        url: String?,
        branch: String? = nil
    ) -> String {
        let rules =
            preamble
            .replacingOccurrences(of: "{issue}", with: issue.description)
            .replacingOccurrences(of: "{number}", with: String(issue.number))
        var task = "Implement \(issue): \(title)"
        if let url { task += "\n\(url)" }
        task += "\n\nRead the whole issue, its comments and anything it links before you start."
        if let branch {
            task += """


                This run lands through a pull request, and this overrides any rule above about where to push: \
                create the branch `\(branch)` from the default branch, commit there, and push that branch. Never \
                push to the default branch. afk opens the pull request, verifies it and merges it.
                \(RunBranch.turnLinePrefix)\(branch)
                """
        }
        return rules.trimmingCharacters(in: .whitespacesAndNewlines) + "\n\n---\n\n" + task
    }
}
