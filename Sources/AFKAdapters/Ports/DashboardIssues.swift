import AFKCore

/// What a repository's dashboard issue and the `/afk` commands need beyond the ticks' reads and
/// writes: the issues afk opened, creating and editing one, and acknowledging a comment.
public protocol DashboardIssues: Sendable {
    /// Open issues (not pull requests) that `login` opened in `repo`.
    func openIssues(createdBy login: String, in repo: RepoRef) async throws(ServiceError) -> [TrackerIssue]

    /// Opens an issue. Not idempotent: a lost answer is reconciled by the caller (by its marker).
    func createIssue(in repo: RepoRef, title: String, body: String) async throws(ServiceError) -> TrackerIssue

    /// Replaces an issue's body (last write wins on both forges).
    func updateIssueBody(_ ref: IssueRef, body: String) async throws(ServiceError)

    /// Adds a reaction (`+1`, `eyes`, `confused`, …) to a comment; one already there is not an error.
    func react(_ content: String, toComment id: Int64, in repo: RepoRef) async throws(ServiceError)
}
