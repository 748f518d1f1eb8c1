import Foundation

/// Everything observed this tick about a run that lands through a pull request, beyond the agent
/// and the CI of the commit under verification (``RunObservation/pushedSHA`` and
/// ``RunObservation/ci``, which in this mode are the pull request's head and its build, or, once
/// merged, the merge commit and every stage).
public struct PullRequestEvidence: Hashable, Sendable {
    /// The run's newest commit on its branch that references the issue, committed after dispatch.
    public var branchCommit: String?
    /// The run's pull request, when one is recorded or was found.
    public var pullRequest: PullRequest?
    /// The pull request's reviews, oldest first.
    public var reviews: [PullReview]
    /// Logins (lower-cased) among the reviewers whose permission is write or higher.
    public var writers: Set<String>
    /// The default branch's rules, as far as the token may read them.
    public var rules: BranchRules
    /// A commit by the run on the default branch itself (the policy violation), if one is there.
    public var defaultBranchCommit: String?

    public init(
        branchCommit: String? = nil,
        pullRequest: PullRequest? = nil,
        reviews: [PullReview] = [],
        writers: Set<String> = [],
        rules: BranchRules = .none,
        defaultBranchCommit: String? = nil
    ) {
        self.branchCommit = branchCommit
        self.pullRequest = pullRequest
        self.reviews = reviews
        self.writers = writers
        self.rules = rules
        self.defaultBranchCommit = defaultBranchCommit
    }
}

/// The review state of a pull request as afk counts it: only reviewers with write access count,
/// and each reviewer's latest submitted review stands (a later approval replaces requested changes).
public struct ReviewSummary: Hashable, Sendable {
    /// Writers whose latest review approves.
    public let approvals: Int
    /// The latest reviews that request changes, by writers, oldest first.
    public let changesRequested: [PullReview]

    public init(reviews: [PullReview], writers: Set<String>) {
        var latest: [String: PullReview] = [:]
        var order: [String] = []
        for review in reviews {
            let who = review.author.lowercased()
            guard writers.contains(who) else { continue }
            switch review.state {
            case .approved, .changesRequested, .dismissed:
                if latest[who] == nil { order.append(who) }
                latest[who] = review
            case .commented, .pending:
                continue  // a comment neither approves nor withdraws a verdict
            }
        }
        let standing = order.compactMap { latest[$0] }
        approvals = standing.filter { $0.state == .approved }.count
        changesRequested = standing.filter { $0.state == .changesRequested }
    }

    /// The logins whose permission matters: authors of approvals and change requests.
    public static func reviewersToCheck(_ reviews: [PullReview]) -> Set<String> {
        Set(reviews.filter { $0.state == .approved || $0.state == .changesRequested }.map { $0.author.lowercased() })
    }
}
