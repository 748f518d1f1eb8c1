import AFKCore

/// Pull requests and the default branch's rules, for `landing: pull_request`. Every method is one
/// logical read or write; paging and the forge's spelling are the implementation's business.
public protocol PullRequests: Sendable {
    var serviceName: String { get }

    /// The newest pull request (any state) whose head is `branch` of `repo` itself, or nil.
    /// GitHub: `GET /pulls?head=OWNER:BRANCH&state=all`; Forgejo/Gitea:
    /// `GET /pulls/{base}/{head}` (which may return an old closed one).
    func pullRequest(from branch: String, into base: String, in repo: RepoRef) async throws(ServiceError)
        -> PullRequest?

    /// One pull request with its mergeability, or nil when it does not exist.
    func pullRequest(_ number: Int, in repo: RepoRef) async throws(ServiceError) -> PullRequest?

    /// Opens a pull request. An "already exists" answer (GitHub 422, Forgejo/Gitea 409) returns the
    /// existing one; an answer lost to a 5xx or a timeout is reconciled by looking it up by head
    /// before anything is sent again.
    func openPullRequest(_ draft: PullRequestDraft, in repo: RepoRef) async throws(ServiceError) -> PullRequest

    /// The reviews of a pull request, oldest first (every page).
    func reviews(of number: Int, in repo: RepoRef) async throws(ServiceError) -> [PullReview]

    /// What the branch's rules require, from the endpoints a token with read access may use.
    func branchRules(of branch: String, in repo: RepoRef) async throws(ServiceError) -> BranchRules

    /// Merges the base into the head, guarded by the head afk expects.
    func updateBranch(of number: Int, expectedHead: String, in repo: RepoRef) async throws(ServiceError)
        -> BranchUpdateOutcome

    /// Merges with `method`, guarded by `head` (a newer push is never merged unverified).
    func merge(_ number: Int, head: String, method: MergeMethod, title: String, in repo: RepoRef)
        async throws(ServiceError) -> MergeOutcome

    /// Deletes a branch; one already gone is not an error.
    func deleteBranch(_ branch: String, in repo: RepoRef) async throws(ServiceError)
}

extension PullRequests {
    /// A merge whose answer was lost (a 5xx or a timeout after sending) may have happened: the
    /// pull request is read, never merged again. Merged: its merge commit; otherwise `error` stands.
    func settleLostMerge(_ number: Int, in repo: RepoRef, _ error: ServiceError) async throws(ServiceError)
        -> MergeOutcome
    {
        if let pull = try await pullRequest(number, in: repo), pull.state == .merged {
            return .merged(sha: pull.mergeCommitSHA)
        }
        throw error
    }
}
