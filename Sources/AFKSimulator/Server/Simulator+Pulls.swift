import Foundation

/// Pull requests, reviews, branches and branch rules of the forge, from Swift (tests play the humans: reviewers,
/// admins, a base branch that moves on).
extension Simulator {
    /// Sets (or with `nil` removes) the rules protecting `branch`. A branch that requires pull requests refuses the
    /// scripted agents' direct pushes; ``pushCommit(_:_:branch:message:sha:committedAt:author:)`` still applies.
    /// - Returns: false when the repository does not exist.
    @discardableResult
    public func setProtection(_ owner: String, _ repo: String, branch: String, _ protection: SimBranchProtection?)
        async -> Bool
    {
        await state.mutateRepo(owner, repo) { world, r, _ -> Bool in
            world.repos[r].protection[branch] = protection
            for p in world.repos[r].pulls.indices where world.baseBranch(repo: r, pull: p) == branch {
                world.repos[r].pulls[p].mergeabilityKnown = false
            }
            return true
        } ?? false
    }

    /// Every pull request of a repository, oldest first, with its issue half's title, body, author and state.
    public func pullRequests(_ owner: String, _ repo: String) async -> [SimPullRequest] {
        await state.mutateRepo(owner, repo) { world, r, _ in
            world.repos[r].pulls.indices.map { world.pullSnapshot(repo: r, pull: $0) }
        } ?? []
    }

    /// One pull request, or `nil` when the number is not a pull request.
    public func pullRequest(_ owner: String, _ repo: String, _ number: Int) async -> SimPullRequest? {
        await state.mutateRepo(owner, repo) { world, r, _ in
            world.pullIndex(repo: r, number: number).map { world.pullSnapshot(repo: r, pull: $0) }
        } ?? nil
    }

    /// Opens a pull request as `author` (no validation: a test setting the stage).
    /// - Returns: Its number, or `nil` when the repository or the head branch does not exist.
    @discardableResult
    public func openPullRequest(
        _ owner: String,
        _ repo: String,
        head: String,
        base: String? = nil,
        title: String,
        body: String? = nil,
        author: String = "octocat",
        draft: Bool = false
    ) async -> Int? {
        await state.mutateRepo(owner, repo) { world, r, now -> Int? in
            guard world.repos[r].branches[head] != nil else { return nil }
            let p = world.createPull(
                repo: r,
                head: head,
                base: base ?? world.repos[r].defaultBranch,
                title: title,
                body: body,
                draft: draft,
                author: author,
                now: now
            )
            return world.repos[r].pulls[p].number
        } ?? nil
    }

    /// Marks a pull request as conflicting with its base (or not). Any commit pushed to its head clears it.
    /// - Returns: false when there is no such pull request.
    @discardableResult
    public func setConflict(_ owner: String, _ repo: String, pr number: Int, _ conflicted: Bool) async -> Bool {
        await state.mutatePull(owner, repo, number) { world, r, p, _ -> Bool in
            world.repos[r].pulls[p].conflicted = conflicted
            world.repos[r].pulls[p].mergeabilityKnown = false
            return true
        } ?? false
    }

    /// Submits a review by `login` against the current head: `state` is `APPROVED`, `CHANGES_REQUESTED` or
    /// `COMMENTED`. An approval counts towards `required_approvals` when `login` may write (a collaborator with
    /// `write`, `maintain` or `admin`, or the owner).
    /// - Returns: The review id, or `nil` when there is no such pull request.
    @discardableResult
    public func review(
        _ owner: String,
        _ repo: String,
        pr number: Int,
        by login: String,
        state reviewState: String,
        body: String = ""
    ) async -> Int64? {
        await state.mutatePull(owner, repo, number) { world, r, p, now in
            world.addReview(repo: r, pull: p, user: login, state: reviewState, body: body, now: now)
        }
    }

    /// Merges an open pull request as `login` would from the web UI with admin rights (no gate is checked):
    /// `method` is `merge`, `squash` or `rebase`.
    /// - Returns: The merge commit's SHA, or `nil` when there is no such open pull request.
    @discardableResult
    public func mergePullRequest(
        _ owner: String,
        _ repo: String,
        pr number: Int,
        method: String = "merge",
        by login: String = "octocat"
    ) async -> String? {
        await state.mutatePull(owner, repo, number) { world, r, p, now -> String? in
            guard world.isOpen(repo: r, pull: p) else { return nil }
            return world.mergePull(repo: r, pull: p, method: method, message: nil, by: login, now: now)
        } ?? nil
    }

    /// The branch names of a repository, sorted; empty when it does not exist.
    public func branches(_ owner: String, _ repo: String) async -> [String] {
        await state.mutateRepo(owner, repo) { world, r, _ in world.repos[r].branches.keys.sorted() } ?? []
    }
}

extension SimulatorState {
    func mutateRepo<T>(_ owner: String, _ repo: String, _ body: (inout ForgeWorld, Int, Date) -> T) -> T? {
        guard let r = forge.repoIndex(owner, repo) else { return nil }
        return body(&forge, r, Date())
    }

    func mutatePull<T>(
        _ owner: String,
        _ repo: String,
        _ number: Int,
        _ body: (inout ForgeWorld, Int, Int, Date) -> T
    ) -> T? {
        guard let r = forge.repoIndex(owner, repo), let p = forge.pullIndex(repo: r, number: number) else { return nil }
        return body(&forge, r, p, Date())
    }
}
