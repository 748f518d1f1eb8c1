import Foundation

/// A pull request of a ``SimRepo``: the pull-request half of an entry whose issue half (title, body, author,
/// state, timestamps) is the ``SimIssue`` of the same number with `is_pull_request: true`. Pull requests and
/// issues share one number sequence on both forges
/// (https://docs.github.com/en/rest/pulls/pulls, https://codeberg.org/api/swagger#/repository/repoGetPullRequest).
///
/// JSON (in a repository's `pulls`): `{"number": 5, "head": "afk/1-r1", "base": "main", "title": "…",
/// "body": "Closes #1", "author": "afk-bot", "draft": false, "conflicted": false,
/// "reviews": [{"user": "alice", "state": "APPROVED"}]}`; only `number` and `head` are required. When the
/// repository has no issue of that number, one is created from `title`, `body`, `author` and `state`.
///
/// Values returned by the Swift API (``Simulator/pullRequest(_:_:_:)``) carry the issue half's current
/// title, body, author and state.
public struct SimPullRequest: Sendable, Codable, Equatable {
    /// Number, shared with issues.
    public var number: Int
    /// Head branch (same repository).
    public var head: String
    /// Base branch; the repository's default branch when absent.
    public var base: String?
    /// Title (mirrors the issue half).
    public var title: String
    /// Body (mirrors the issue half).
    public var body: String?
    /// Author login (mirrors the issue half).
    public var author: String
    /// `open` or `closed` (mirrors the issue half).
    public var state: String
    /// Whether it is a draft.
    public var draft: Bool
    /// Whether it was merged.
    public var merged: Bool
    /// ISO-8601 merge time.
    public var mergedAt: String?
    /// Login that merged it.
    public var mergedBy: String?
    /// The commit the merge made on the base branch.
    public var mergeCommitSHA: String?
    /// The head SHA: the tip of the head branch while it exists, else the last one seen.
    public var headSHA: String?
    /// Whether base and head conflict. Set from Swift (``Simulator/setConflict(_:_:pr:_:)``); any commit
    /// pushed to the head branch clears it (the agent resolved it).
    public var conflicted: Bool
    /// Reviews, oldest first.
    public var reviews: [SimReview]
    /// ISO-8601 creation time (mirrors the issue half).
    public var createdAt: String?
    /// Whether mergeability has been computed since the head or base last moved: the first single-PR read
    /// after a change answers "still checking" (GitHub `mergeable: null`, Forgejo `mergeable: false`).
    var mergeabilityKnown = false

    /// Creates a pull request record.
    public init(
        number: Int,
        head: String,
        base: String? = nil,
        title: String = "",
        body: String? = nil,
        author: String = "octocat",
        state: String = "open",
        draft: Bool = false,
        merged: Bool = false,
        mergedAt: String? = nil,
        mergedBy: String? = nil,
        mergeCommitSHA: String? = nil,
        headSHA: String? = nil,
        conflicted: Bool = false,
        reviews: [SimReview] = [],
        createdAt: String? = nil
    ) {
        self.number = number
        self.head = head
        self.base = base
        self.title = title
        self.body = body
        self.author = author
        self.state = state
        self.draft = draft
        self.merged = merged
        self.mergedAt = mergedAt
        self.mergedBy = mergedBy
        self.mergeCommitSHA = mergeCommitSHA
        self.headSHA = headSHA
        self.conflicted = conflicted
        self.reviews = reviews
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case number, head, base, title, body, author, state, draft, merged, conflicted, reviews
        case mergedAt = "merged_at"
        case mergedBy = "merged_by"
        case mergeCommitSHA = "merge_commit_sha"
        case headSHA = "head_sha"
        case createdAt = "created_at"
    }

    /// Decodes with defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        number = try c.decode(Int.self, forKey: .number)
        head = try c.decode(String.self, forKey: .head)
        base = try c.decodeIfPresent(String.self, forKey: .base)
        title = try c.value(.title, or: "Pull request \(number)")
        body = try c.decodeIfPresent(String.self, forKey: .body)
        author = try c.value(.author, or: "octocat")
        state = try c.value(.state, or: "open")
        draft = try c.value(.draft, or: false)
        merged = try c.value(.merged, or: false)
        mergedAt = try c.decodeIfPresent(String.self, forKey: .mergedAt)
        mergedBy = try c.decodeIfPresent(String.self, forKey: .mergedBy)
        mergeCommitSHA = try c.decodeIfPresent(String.self, forKey: .mergeCommitSHA)
        headSHA = try c.decodeIfPresent(String.self, forKey: .headSHA)
        conflicted = try c.value(.conflicted, or: false)
        reviews = try c.value(.reviews, or: [])
        createdAt = try c.decodeIfPresent(String.self, forKey: .createdAt)
    }
}

/// A pull-request review (https://docs.github.com/en/rest/pulls/reviews).
///
/// JSON: `{"user": "alice", "state": "APPROVED", "body": "LGTM"}`; `state` is GitHub's spelling
/// (`APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED`); the Forgejo view translates it.
public struct SimReview: Sendable, Codable, Equatable {
    /// Review id; assigned on load when absent.
    public var id: Int64?
    /// Reviewer login.
    public var user: String
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED` or `DISMISSED`.
    public var state: String
    /// Review body.
    public var body: String
    /// The head SHA it was submitted against.
    public var commitID: String?
    /// ISO-8601 submission time.
    public var submittedAt: String?

    /// Creates a review.
    public init(
        id: Int64? = nil,
        user: String,
        state: String,
        body: String = "",
        commitID: String? = nil,
        submittedAt: String? = nil
    ) {
        self.id = id
        self.user = user
        self.state = state
        self.body = body
        self.commitID = commitID
        self.submittedAt = submittedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, user, state, body
        case commitID = "commit_id"
        case submittedAt = "submitted_at"
    }

    /// Decodes with defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(Int64.self, forKey: .id)
        user = try c.value(.user, or: "octocat")
        state = try c.value(.state, or: "COMMENTED").uppercased()
        body = try c.value(.body, or: "")
        commitID = try c.decodeIfPresent(String.self, forKey: .commitID)
        submittedAt = try c.decodeIfPresent(String.self, forKey: .submittedAt)
    }
}

/// The rules protecting one branch, served by GitHub as branch protection and ruleset rules
/// (https://docs.github.com/en/rest/branches/branches#get-a-branch,
/// https://docs.github.com/en/rest/repos/rules#get-rules-for-a-branch) and by Forgejo as the branch's
/// protection fields (https://codeberg.org/api/swagger#/repository/repoGetBranch).
///
/// JSON (in a repository's `protection`, keyed by branch): `{"require_pull_request": true,
/// "required_checks": ["build"], "required_approvals": 1, "strict": true, "merge_queue": false}`; every key
/// is optional.
public struct SimBranchProtection: Sendable, Codable, Equatable {
    /// Changes must come through a pull request: direct pushes by scripted agents are refused.
    public var requirePullRequest: Bool
    /// Check names (check runs or status contexts) that must be green on the head before a merge.
    public var requiredChecks: [String]
    /// Approving reviews by users with write access required before a merge.
    public var requiredApprovals: Int
    /// The head must contain the base's tip (GitHub "strict" status checks, Forgejo
    /// `block_on_outdated_branch`).
    public var strict: Bool
    /// Merges must go through a merge queue (GitHub only): the classic merge endpoint refuses them.
    public var mergeQueue: Bool

    /// Creates a protection.
    public init(
        requirePullRequest: Bool = true,
        requiredChecks: [String] = [],
        requiredApprovals: Int = 0,
        strict: Bool = false,
        mergeQueue: Bool = false
    ) {
        self.requirePullRequest = requirePullRequest
        self.requiredChecks = requiredChecks
        self.requiredApprovals = requiredApprovals
        self.strict = strict
        self.mergeQueue = mergeQueue
    }

    enum CodingKeys: String, CodingKey {
        case strict
        case requirePullRequest = "require_pull_request"
        case requiredChecks = "required_checks"
        case requiredApprovals = "required_approvals"
        case mergeQueue = "merge_queue"
    }

    /// Decodes with defaults (`require_pull_request` defaults to true).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        requirePullRequest = try c.value(.requirePullRequest, or: true)
        requiredChecks = try c.value(.requiredChecks, or: [])
        requiredApprovals = try c.value(.requiredApprovals, or: 0)
        strict = try c.value(.strict, or: false)
        mergeQueue = try c.value(.mergeQueue, or: false)
    }
}
