import Foundation

/// How a run's work reaches the default branch (`landing`).
public enum LandingMode: String, Hashable, Sendable, Codable, CaseIterable {
    /// The agent pushes straight to the default branch (afk's original mode).
    case push
    /// The agent pushes a run branch; afk opens a pull request, verifies it and merges it.
    case pullRequest = "pull_request"
}

/// How afk merges a pull request (`pull_request.merge_method`).
public enum MergeMethod: String, Hashable, Sendable, Codable, CaseIterable {
    case merge, squash, rebase
}

/// What the forge says about whether a pull request can be merged now, reduced to what the run
/// state machine needs. GitHub's `mergeable` + `mergeable_state` map onto every case; Forgejo and
/// Gitea only have a `mergeable` bool that is also false while the check runs
/// (``notMergeable``).
public enum Mergeability: String, Hashable, Sendable, Codable {
    /// GitHub is still computing it (`mergeable: null` or `mergeable_state: unknown`): read again.
    case computing
    /// Mergeable (`clean`, `unstable`, `has_hooks`; Forgejo/Gitea `mergeable: true`).
    case mergeable
    /// The head is out of date with a strict "up to date" rule (`behind`).
    case behind
    /// Something the repository requires is missing: reviews, required checks, rules (`blocked`).
    case blocked
    /// The merge commit cannot be created cleanly (`dirty`, or `mergeable: false` on GitHub).
    case conflicting
    /// Forgejo/Gitea `mergeable: false`: a conflict, a check still running, or a WIP title.
    case notMergeable = "not_mergeable"
    /// A draft pull request.
    case draft
}

/// A pull request as the forge reports it.
public struct PullRequest: Hashable, Sendable {
    public enum State: String, Hashable, Sendable, Codable { case open, closed, merged }

    public let number: Int
    public let state: State
    public let title: String
    /// The branch the changes come from, without an `owner:` prefix.
    public let headBranch: String
    public let headSHA: String
    public let baseBranch: String
    /// Read only from the single-pull-request endpoint; list items leave it `computing`.
    public let mergeability: Mergeability
    /// The merge commit once merged (GitHub's `merge_commit_sha` before the merge is a test merge).
    public let mergeCommitSHA: String?
    public let htmlURL: String?

    public init(
        number: Int,
        state: State,
        title: String = "",
        headBranch: String,
        headSHA: String,
        baseBranch: String,
        mergeability: Mergeability = .computing,
        mergeCommitSHA: String? = nil,
        htmlURL: String? = nil
    ) {
        self.number = number
        self.state = state
        self.title = title
        self.headBranch = headBranch
        self.headSHA = headSHA
        self.baseBranch = baseBranch
        self.mergeability = mergeability
        self.mergeCommitSHA = mergeCommitSHA
        self.htmlURL = htmlURL
    }
}

/// One review of a pull request.
public struct PullReview: Hashable, Sendable {
    public enum State: String, Hashable, Sendable, Codable {
        /// GitHub `APPROVED`, Forgejo/Gitea `APPROVED`.
        case approved
        /// GitHub `CHANGES_REQUESTED`, Forgejo/Gitea `REQUEST_CHANGES`.
        case changesRequested = "changes_requested"
        /// GitHub `COMMENTED`, Forgejo/Gitea `COMMENT`.
        case commented
        /// GitHub `DISMISSED`, or Forgejo/Gitea `dismissed: true`.
        case dismissed
        /// Not submitted yet (GitHub `PENDING`, Forgejo/Gitea `PENDING` or `REQUEST_REVIEW`).
        case pending
    }

    public let id: Int64
    public let author: String
    public let state: State
    public let body: String
    /// The head commit the review was given on.
    public let commitID: String?

    public init(id: Int64, author: String, state: State, body: String = "", commitID: String? = nil) {
        self.id = id
        self.author = author
        self.state = state
        self.body = body
        self.commitID = commitID
    }
}

/// What the default branch's rules require, as far as the token may read them (never admin-only
/// endpoints). Unknown parts read as "not required"; the merge answer is the final word.
public struct BranchRules: Hashable, Sendable {
    /// Direct pushes are refused: changes must arrive through a pull request.
    public var requiresPullRequest: Bool
    /// Approving reviews required before merging.
    public var requiredApprovals: Int
    /// Required status check contexts.
    public var requiredChecks: [String]
    /// The head must be up to date with the base before merging.
    public var strict: Bool
    /// Merges must go through a merge queue (afk cannot satisfy this).
    public var mergeQueue: Bool

    public init(
        requiresPullRequest: Bool = false,
        requiredApprovals: Int = 0,
        requiredChecks: [String] = [],
        strict: Bool = false,
        mergeQueue: Bool = false
    ) {
        self.requiresPullRequest = requiresPullRequest
        self.requiredApprovals = requiredApprovals
        self.requiredChecks = requiredChecks
        self.strict = strict
        self.mergeQueue = mergeQueue
    }

    /// No rules at all.
    public static let none = BranchRules()
}

/// What a pull request afk opens says.
public struct PullRequestDraft: Hashable, Sendable {
    /// The run's branch (no `owner:` prefix).
    public let head: String
    /// The default branch.
    public let base: String
    public let title: String
    public let body: String

    public init(head: String, base: String, title: String, body: String) {
        self.head = head
        self.base = base
        self.title = title
        self.body = body
    }
}

/// The answer to a merge request.
public enum MergeOutcome: Hashable, Sendable {
    /// Merged; the merge commit when the forge says it (GitHub's `sha`; Forgejo answers an empty body).
    case merged(sha: String?)
    /// Not merged now ("not mergeable", a required check or review missing, "try again later"):
    /// decide again next tick. The forge's words.
    case declined(String)
    /// The head moved past the verified sha (GitHub 409, Forgejo/Gitea 409 "head out of date").
    case headChanged(String)
}

/// The answer to an update-branch request.
public enum BranchUpdateOutcome: Hashable, Sendable {
    /// Accepted: the base is being merged into the head (GitHub 202, Forgejo/Gitea 200).
    case updating
    /// The base cannot be merged into the head cleanly.
    case conflict(String)
    /// Refused for another reason (the expected head moved, no permission). The forge's words.
    case declined(String)
}
