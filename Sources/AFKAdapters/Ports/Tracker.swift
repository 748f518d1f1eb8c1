import AFKCore
import Foundation

/// The issue tracker, split by what each caller needs. One implementation per tracker kind
/// (GitHub, Forgejo/Gitea) conforms to all of them; every method is one logical read or write
/// (paging is the implementation's business).
///
/// - ``IssueReader`` and ``IssueWriter``: the issues, labels and comments the ticks read and write.
/// - ``GateReader``: what the dispatch gates read (label events, permissions, blockers).
/// - ``CommitHistory``: the pushed-commit evidence.
/// - ``CommitChecks``: a commit's CI, read by the build stage (``TrackerBuildProbe``).
/// - ``RepositoryAccess``: what the operator commands check and `afk labels sync` creates.
/// - ``PullRequests``: pull requests and branch rules, for `landing: pull_request`.
/// - ``IssueSearch``: which repositories have work, in a few requests for the whole allowlist.
/// - ``DashboardIssues``: the dashboard issue and the `/afk` commands' acknowledgements.
public typealias Tracker = IssueReader & IssueWriter & GateReader & CommitHistory & CommitChecks & RepositoryAccess
    & PullRequests & IssueSearch & DashboardIssues

/// Issues and comments as the ticks read them.
public protocol IssueReader: Sendable {
    /// The service's name in messages ("GitHub").
    var serviceName: String { get }

    /// Open issues carrying `label`, pull requests included and flagged as such.
    func openIssues(in repo: RepoRef, labeled label: String) async throws(ServiceError) -> [TrackerIssue]

    /// One issue, or nil when the tracker says it does not exist (or is gone).
    func issue(_ ref: IssueRef) async throws(ServiceError) -> TrackerIssue?

    /// Issues in `state` carrying `label` and updated at or after `since` (runs that ended
    /// recently and may still owe an effect, such as a doorbell that failed).
    func recentIssues(in repo: RepoRef, labeled label: String, state: TrackerIssue.State, updatedSince since: Date)
        async throws(ServiceError) -> [TrackerIssue]

    /// Every comment on the issue, oldest first.
    func comments(on ref: IssueRef) async throws(ServiceError) -> [TrackerComment]
}

/// What the ticks write: labels, comments, closing.
public protocol IssueWriter: Sendable {
    func addLabels(_ labels: [String], to ref: IssueRef) async throws(ServiceError)

    /// Removes a label; a label that is not on the issue is not an error.
    func removeLabel(_ label: String, from ref: IssueRef) async throws(ServiceError)

    func createComment(on ref: IssueRef, body: String) async throws(ServiceError) -> TrackerComment

    func updateComment(_ id: Int64, in repo: RepoRef, body: String) async throws(ServiceError)

    /// Closes the issue as completed.
    func close(_ ref: IssueRef) async throws(ServiceError)

    /// Fails with ``ServiceError/Kind/misconfigured`` when the tick could not write one of these
    /// labels. Called before a repository's first write, so that a missing label stops the
    /// repository with nothing half-done (an agent started but no lock stamped). GitHub creates
    /// a missing label when it is added, so there it checks nothing; Gitea/Forgejo do not.
    func requireLabels(_ names: [String], in repo: RepoRef) async throws(ServiceError)
}

/// What the dispatch gates read about a candidate issue.
public protocol GateReader: Sendable {
    /// Label events of the issue in chronological order. Implementations may return only the
    /// trailing part of a long history, as long as it includes the most recent `labeled` event
    /// for `label` if there is one.
    func labelEvents(of ref: IssueRef, latestFor label: String) async throws(ServiceError) -> [LabelEvent]

    /// What the tracker says about `login`'s permission on `repo`.
    func permission(of login: String, in repo: RepoRef) async throws(ServiceError) -> CollaboratorPermission

    /// Whether a ``permission(of:in:)`` that answered proves afk's token may write the
    /// repository's issues, so that a dispatch past the trust gate needs no separate access check.
    var permissionReadProvesWriteAccess: Bool { get }

    /// Blockers recorded by the tracker's own dependency feature; nil when the tracker or this
    /// instance has no such feature.
    func nativeBlockers(of ref: IssueRef) async throws(ServiceError) -> [(IssueRef, BlockerState)]?

    /// One issue (a blocker), or nil when the tracker says it does not exist.
    func issue(_ ref: IssueRef) async throws(ServiceError) -> TrackerIssue?
}

/// The commits the pushed-commit evidence is read from.
public protocol CommitHistory: Sendable {
    func defaultBranch(of repo: RepoRef) async throws(ServiceError) -> String

    /// Commits on `branch`, newest first, committed at or after `since`. A nil `branch` is the
    /// repository's default branch, which both forges list when no `sha` is given, so that its
    /// name need not be read first.
    func commits(in repo: RepoRef, branch: String?, since: Date) async throws(ServiceError) -> [ForgeCommit]
}

/// A commit's CI as the tracker reports it.
public protocol CommitChecks: Sendable {
    var serviceName: String { get }

    /// Check runs and combined status of a commit, every page of each (or, past a bound, with
    /// the totals that show the lists are incomplete).
    func ciStatus(of sha: String, in repo: RepoRef) async throws(ServiceError) -> CIVerdict.Evidence
}

/// What the operator commands check, and the labels `afk labels sync` creates.
public protocol RepositoryAccess: Sendable {
    var serviceName: String { get }

    /// The login the token acts as; nil when the tracker cannot say for this kind of token
    /// (a GitHub App installation token has no user).
    func tokenLogin() async throws(ServiceError) -> String?

    /// What the token may do on the repository.
    func access(to repo: RepoRef) async throws(ServiceError) -> RepoAccess

    func labelExists(_ name: String, in repo: RepoRef) async throws(ServiceError) -> Bool

    /// Whether adding a label the repository lacks creates it (GitHub) or fails (Gitea/Forgejo).
    var createsMissingLabels: Bool { get }

    /// Creates the label in the repository; one that already exists is left as it is.
    func createLabel(_ label: LabelDefinition, in repo: RepoRef) async throws(ServiceError)
}

extension IssueWriter {
    public func requireLabels(_ names: [String], in repo: RepoRef) async throws(ServiceError) {}
}

/// A token's access to one repository, as the tracker reports it.
public enum RepoAccess: Hashable, Sendable {
    case write
    case readOnly
    /// The repository does not exist or the token cannot see it.
    case notFound
    /// The tracker did not say.
    case unknown
}

extension IssueWriter where Self: IssueReader {
    /// Posts a comment at most once: when the tracker's answer leaves the outcome unknown (a 5xx
    /// or a timeout after sending), the issue's comments are read and a comment by `author` that
    /// `isSame` recognises (by its hidden marker) is taken as the one posted
    /// (``UnknownOutcome/reconcile(create:find:)``).
    public func createComment(
        on ref: IssueRef,
        body: String,
        by author: String,
        isSame: @escaping @Sendable (TrackerComment) -> Bool
    ) async throws(ServiceError) -> TrackerComment {
        try await UnknownOutcome.reconcile(
            create: { () async throws(ServiceError) -> TrackerComment in try await createComment(on: ref, body: body) },
            find: { () async throws(ServiceError) -> TrackerComment? in
                try await comments(on: ref)
                    .last { $0.author.caseInsensitiveCompare(author) == .orderedSame && isSame($0) }
            }
        )
    }
}
