import Foundation

/// Pull requests, reviews and branch rules of the forge: the model and the mutations both API views and the Swift
/// API share. GitHub's routes and payloads are in `ForgeWorld+GitHubPulls.swift`, Forgejo's in
/// `ForgeWorld+ForgejoPulls.swift`.
///
/// Branch histories are lists (``SimRepo/branches``), so ancestry is list membership: a head "contains" the base
/// when the base's tip is in the head's list. Update-branch therefore rebuilds the head as the base's history, the
/// head's own commits, then the merge commit.
extension ForgeWorld {
    // MARK: Load and snapshot

    /// Fills in what a scenario's pull requests left out: the issue half (created from the record when the
    /// repository has no issue of that number), the base, the head SHA and review ids.
    mutating func normalisePulls(_ repo: inout SimRepo) {
        for k in repo.pulls.indices {
            var pull = repo.pulls[k]
            if pull.base == nil { pull.base = repo.defaultBranch }
            if let i = repo.issues.firstIndex(where: { $0.number == pull.number }) {
                repo.issues[i].isPullRequest = true
            } else {
                repo.issues.append(
                    SimIssue(
                        number: pull.number,
                        title: pull.title.isEmpty ? "Pull request \(pull.number)" : pull.title,
                        body: pull.body,
                        state: pull.merged ? "closed" : pull.state,
                        isPullRequest: true,
                        author: pull.author,
                        createdAt: pull.createdAt
                    )
                )
            }
            if let tip = repo.branches[pull.head]?.last?.sha { pull.headSHA = tip }
            for j in pull.reviews.indices {
                if pull.reviews[j].id == nil { pull.reviews[j].id = allocReviewID() }
                if pull.reviews[j].commitID == nil { pull.reviews[j].commitID = pull.headSHA }
                if pull.reviews[j].submittedAt == nil {
                    pull.reviews[j].submittedAt = SimClock.github(
                        SimClock.origin.addingTimeInterval(Double(pull.number) * 3600 + Double(j + 1) * 300)
                    )
                }
            }
            pull.mergeabilityKnown = false
            repo.pulls[k] = pull
        }
    }

    /// A repository whose pull records carry their issue halves' current title, body, author and state.
    func repoWithSyncedPulls(_ r: Int) -> SimRepo {
        var repo = repos[r]
        repo.pulls = repo.pulls.indices.map { pullSnapshot(repo: r, pull: $0) }
        return repo
    }

    /// Pull request `p` with its issue half's fields and the live head SHA.
    func pullSnapshot(repo r: Int, pull p: Int) -> SimPullRequest {
        var pull = repos[r].pulls[p]
        if let i = issueIndex(repo: r, number: pull.number) {
            let issue = repos[r].issues[i]
            pull.title = issue.title
            pull.body = issue.body
            pull.author = issue.author
            pull.state = issue.state
            pull.createdAt = issue.createdAt
        }
        pull.headSHA = headSHA(repo: r, pull: p)
        return pull
    }

    // MARK: Lookup

    func pullIndex(repo r: Int, number: Int) -> Int? {
        repos[r].pulls.firstIndex { $0.number == number }
    }

    /// The issue half of pull request `p`.
    func pullIssue(repo r: Int, pull p: Int) -> SimIssue? {
        issueIndex(repo: r, number: repos[r].pulls[p].number).map { repos[r].issues[$0] }
    }

    func isOpen(repo r: Int, pull p: Int) -> Bool {
        pullIssue(repo: r, pull: p)?.state == "open" && !repos[r].pulls[p].merged
    }

    func baseBranch(repo r: Int, pull p: Int) -> String {
        repos[r].pulls[p].base ?? repos[r].defaultBranch
    }

    /// The tip of the head branch while it exists, else the last head SHA seen.
    func headSHA(repo r: Int, pull p: Int) -> String {
        repos[r].branches[repos[r].pulls[p].head]?.last?.sha ?? repos[r].pulls[p].headSHA ?? ""
    }

    /// The tip of a branch, or `nil` when it does not exist.
    func tipSHA(repo r: Int, branch: String) -> String? {
        repos[r].branches[branch]?.last?.sha
    }

    /// The head's commits that are not in the base, oldest first.
    func headOnlyCommits(repo r: Int, head: String, base: String) -> [SimCommit] {
        let inBase = Set((repos[r].branches[base] ?? []).compactMap(\.sha))
        return (repos[r].branches[head] ?? []).filter { !inBase.contains($0.sha ?? "") }
    }

    /// Whether the base has commits the head lacks (its tip is not in the head's history).
    func isBehind(repo r: Int, pull p: Int) -> Bool {
        let pull = repos[r].pulls[p]
        guard let baseTip = tipSHA(repo: r, branch: baseBranch(repo: r, pull: p)) else { return false }
        return !(repos[r].branches[pull.head] ?? []).contains { $0.sha == baseTip }
    }

    func protection(repo r: Int, branch: String) -> SimBranchProtection? {
        repos[r].protection[branch]
    }

    /// Whether `login` may push to the repository (write, maintain or admin, or the owner).
    func canWrite(_ login: String, repo r: Int) -> Bool {
        ["write", "maintain", "admin"].contains(role(of: login, in: r) ?? "")
    }

    // MARK: Checks and reviews

    /// How one required check stands on a commit.
    enum CheckVerdict: Equatable {
        case passing, pending, failing, missing
    }

    /// The newest check run named `context`, else the newest status of that context.
    func checkVerdict(repo r: Int, sha: String, context: String) -> CheckVerdict {
        let runs = (repos[r].checkRuns[sha] ?? []).filter { $0.name == context }
        if let run = runs.max(by: { ($0.id ?? 0) < ($1.id ?? 0) }) { return Self.verdict(of: run) }
        if let status = latestStatuses(repo: r, sha: sha).first(where: { $0.context == context }) {
            switch status.state {
            case "success": return .passing
            case "pending": return .pending
            default: return .failing
            }
        }
        return .missing
    }

    static func verdict(of run: SimCheckRun) -> CheckVerdict {
        guard run.status == "completed" else { return .pending }
        return ["success", "neutral", "skipped"].contains(run.conclusion ?? "") ? .passing : .failing
    }

    /// Whether every check run (newest per name) and status (newest per context) on `sha` is green.
    func allChecksGreen(repo r: Int, sha: String) -> Bool {
        var newest: [String: SimCheckRun] = [:]
        for run in repos[r].checkRuns[sha] ?? [] where (newest[run.name]?.id ?? 0) <= (run.id ?? 0) {
            newest[run.name] = run
        }
        return newest.values.allSatisfy { Self.verdict(of: $0) == .passing }
            && latestStatuses(repo: r, sha: sha).allSatisfy { $0.state == "success" }
    }

    /// Each reviewer's newest review that is not a plain comment.
    func decisiveReviews(repo r: Int, pull p: Int) -> [SimReview] {
        var latest: [String: SimReview] = [:]
        var order: [String] = []
        for review in repos[r].pulls[p].reviews where review.state != "COMMENTED" && review.state != "PENDING" {
            let key = review.user.lowercased()
            if latest[key] == nil { order.append(key) }
            latest[key] = review
        }
        return order.compactMap { latest[$0] }
    }

    /// Approvals by users with write access.
    func approvals(repo r: Int, pull p: Int) -> Int {
        decisiveReviews(repo: r, pull: p).filter { $0.state == "APPROVED" && canWrite($0.user, repo: r) }.count
    }

    /// Whether a user with write access has changes requested as their newest review.
    func changesRequested(repo r: Int, pull p: Int) -> Bool {
        decisiveReviews(repo: r, pull: p).contains { $0.state == "CHANGES_REQUESTED" && canWrite($0.user, repo: r) }
    }

    // MARK: Merge gates

    /// What stands between an open pull request and a merge, in the order GitHub reports them.
    enum MergeGate: Equatable {
        case draft
        case conflict
        case mergeQueue
        case behind
        case approvals(required: Int)
        case changesRequested
        case check(String, CheckVerdict)
    }

    /// Every gate that blocks pull request `p` now (empty: it may be merged).
    func mergeGates(repo r: Int, pull p: Int) -> [MergeGate] {
        let pull = repos[r].pulls[p]
        var gates: [MergeGate] = []
        if pull.draft { gates.append(.draft) }
        if pull.conflicted { gates.append(.conflict) }
        guard let rules = protection(repo: r, branch: baseBranch(repo: r, pull: p)) else { return gates }
        if rules.mergeQueue { gates.append(.mergeQueue) }
        if rules.strict, isBehind(repo: r, pull: p) { gates.append(.behind) }
        if approvals(repo: r, pull: p) < rules.requiredApprovals {
            gates.append(.approvals(required: rules.requiredApprovals))
        }
        if rules.requiredApprovals > 0, changesRequested(repo: r, pull: p) { gates.append(.changesRequested) }
        let sha = headSHA(repo: r, pull: p)
        for context in rules.requiredChecks {
            let verdict = checkVerdict(repo: r, sha: sha, context: context)
            if verdict != .passing { gates.append(.check(context, verdict)) }
        }
        return gates
    }

    /// GitHub's `mergeable_state` once computed ([GQL] `MergeStateStatus`, lowercased): `dirty`, `draft`,
    /// `behind`, `blocked`, `unstable` or `clean`; `unknown` for a closed pull request.
    func githubMergeableState(repo r: Int, pull p: Int) -> String {
        guard isOpen(repo: r, pull: p) else { return "unknown" }
        let gates = mergeGates(repo: r, pull: p)
        if gates.contains(.conflict) { return "dirty" }
        if gates.contains(.draft) { return "draft" }
        if gates.contains(.behind) { return "behind" }
        if !gates.isEmpty { return "blocked" }
        return allChecksGreen(repo: r, sha: headSHA(repo: r, pull: p)) ? "clean" : "unstable"
    }

    /// Records a single-pull-request read: whether mergeability was already known before it (the first read after
    /// a change answers "still checking" and starts the computation, which is done by the next read).
    mutating func readMergeability(repo r: Int, pull p: Int) -> Bool {
        let known = repos[r].pulls[p].mergeabilityKnown
        repos[r].pulls[p].mergeabilityKnown = true
        return known
    }

    // MARK: Mutations

    /// Opens a pull request (its issue half takes the next number of the shared sequence).
    /// - Returns: The index of the new pull request in ``SimRepo/pulls``.
    mutating func createPull(
        repo r: Int,
        head: String,
        base: String,
        title: String,
        body: String?,
        draft: Bool,
        author: String,
        now: Date
    ) -> Int {
        let number = (repos[r].issues.map(\.number).max() ?? 0) + 1
        let stamp = SimClock.github(now)
        repos[r].issues
            .append(
                SimIssue(
                    number: number,
                    id: allocIssueID(),
                    title: title,
                    body: body,
                    isPullRequest: true,
                    author: author,
                    createdAt: stamp,
                    updatedAt: stamp
                )
            )
        repos[r].pulls
            .append(
                SimPullRequest(
                    number: number,
                    head: head,
                    base: base,
                    title: title,
                    body: body,
                    author: author,
                    draft: draft,
                    headSHA: tipSHA(repo: r, branch: head),
                    createdAt: stamp
                )
            )
        return repos[r].pulls.count - 1
    }

    /// A branch got new commits: pull requests with it as head have a new head SHA and lose any conflict (the
    /// push resolved it); those with it as head or base must have their mergeability computed again.
    mutating func branchMoved(repo r: Int, branch: String) {
        for p in repos[r].pulls.indices where isOpen(repo: r, pull: p) {
            if repos[r].pulls[p].head == branch {
                repos[r].pulls[p].conflicted = false
                repos[r].pulls[p].headSHA = tipSHA(repo: r, branch: branch)
                repos[r].pulls[p].mergeabilityKnown = false
            } else if baseBranch(repo: r, pull: p) == branch {
                repos[r].pulls[p].mergeabilityKnown = false
            }
        }
    }

    /// Appends a commit to an existing branch.
    @discardableResult
    private mutating func append(repo r: Int, branch: String, message: String, author: String, now: Date) -> String {
        let sha = allocSHA(seed: "\(repos[r].fullName)|\(branch)|\(message)")
        repos[r].branches[branch, default: []]
            .append(SimCommit(sha: sha, message: message, committedAt: SimClock.github(now), author: author))
        return sha
    }

    /// Merges pull request `p` into its base (no gate is checked here: the routes check theirs first).
    ///
    /// - `merge`: the head's own commits, then `Merge pull request #N from owner/branch` + title (or `message`).
    /// - `squash`: one commit, `title (#N)` + body (or `message`).
    /// - `rebase`: the head's own commits replayed with new SHAs.
    /// - `fast-forward`: the head's own commits as they are.
    ///
    /// Merging into the default branch closes the issues the body or the merged commits reference with a closing
    /// keyword (https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-request-to-an-issue).
    /// - Returns: The merge commit's SHA (the base's new tip).
    @discardableResult
    mutating func mergePull(repo r: Int, pull p: Int, method: String, message: String?, by login: String, now: Date)
        -> String
    {
        let pull = repos[r].pulls[p]
        let base = baseBranch(repo: r, pull: p)
        let issue = pullIssue(repo: r, pull: p)
        let title = issue?.title ?? pull.title
        let body = issue?.body ?? ""
        let own = headOnlyCommits(repo: r, head: pull.head, base: base)
        var sha = tipSHA(repo: r, branch: base) ?? ""
        switch method {
        case "squash":
            let text =
                message ?? (body.isEmpty ? "\(title) (#\(pull.number))" : "\(title) (#\(pull.number))\n\n\(body)")
            sha = append(repo: r, branch: base, message: text, author: login, now: now)
        case "rebase":
            for commit in own {
                sha = append(repo: r, branch: base, message: commit.message, author: commit.author, now: now)
            }
        case "fast-forward":
            repos[r].branches[base, default: []] += own
            sha = tipSHA(repo: r, branch: base) ?? sha
        default:
            repos[r].branches[base, default: []] += own
            let text =
                message ?? "Merge pull request #\(pull.number) from \(repos[r].owner)/\(pull.head)\n\n\(title)"
            sha = append(repo: r, branch: base, message: text, author: login, now: now)
        }
        let stamp = SimClock.github(now)
        repos[r].pulls[p].headSHA = headSHA(repo: r, pull: p)
        repos[r].pulls[p].merged = true
        repos[r].pulls[p].mergedAt = stamp
        repos[r].pulls[p].mergedBy = login
        repos[r].pulls[p].mergeCommitSHA = sha
        if let i = issueIndex(repo: r, number: pull.number) {
            setState("closed", reason: nil, repo: r, issue: i, actor: login, now: now)
            repos[r].issues[i].stateReason = nil
        }
        branchMoved(repo: r, branch: base)
        if base == repos[r].defaultBranch {
            let texts = [body] + own.map(\.message)
            closeReferencedIssues(texts.joined(separator: "\n"), repo: r, except: pull.number, actor: login, now: now)
        }
        return sha
    }

    /// Closes (as completed) the open issues `text` names after a closing keyword: `close`, `closes`, `closed`,
    /// `fix`, `fixes`, `fixed`, `resolve`, `resolves`, `resolved`, then `#N` or `owner/repo#N`.
    mutating func closeReferencedIssues(_ text: String, repo r: Int, except number: Int, actor: String, now: Date) {
        guard
            let regex = try? Regex(
                #"(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+(?:([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+))?#([0-9]+)"#
            )
        else { return }
        for match in text.matches(of: regex) {
            guard match.count == 4, let digits = match[3].substring, let n = Int(digits), n != number else { continue }
            var target = r
            if let owner = match[1].substring, let name = match[2].substring {
                guard let other = repoIndex(String(owner), String(name)) else { continue }
                target = other
            }
            guard let i = issueIndex(repo: target, number: n), !repos[target].issues[i].isPullRequest,
                repos[target].issues[i].state == "open"
            else { continue }
            setState("closed", reason: "completed", repo: target, issue: i, actor: actor, now: now)
        }
    }

    /// Why base and head cannot be brought together, if they cannot.
    enum UpdateRefusal: Error, Equatable {
        case conflict
        case upToDate
    }

    /// Brings the base into the head of pull request `p`: `merge` appends `Merge branch 'base' into head`, `rebase`
    /// replays the head's own commits on the base. The new head gets the repository's `ci_on_update` check run.
    /// - Returns: The new head SHA, or why not.
    mutating func updatePullBranch(repo r: Int, pull p: Int, style: String, by login: String, now: Date)
        -> Result<String, UpdateRefusal>
    {
        let pull = repos[r].pulls[p]
        if pull.conflicted { return .failure(.conflict) }
        guard isBehind(repo: r, pull: p) else { return .failure(.upToDate) }
        let base = baseBranch(repo: r, pull: p)
        let own = headOnlyCommits(repo: r, head: pull.head, base: base)
        repos[r].branches[pull.head] = repos[r].branches[base] ?? []
        var sha = ""
        if style == "rebase" {
            for commit in own {
                sha = append(repo: r, branch: pull.head, message: commit.message, author: commit.author, now: now)
            }
        } else {
            repos[r].branches[pull.head, default: []] += own
        }
        if style != "rebase" || own.isEmpty {
            sha = append(
                repo: r,
                branch: pull.head,
                message: "Merge branch '\(base)' into \(pull.head)",
                author: login,
                now: now
            )
        }
        branchMoved(repo: r, branch: pull.head)
        applyCI(repos[r].ciOnUpdate, repo: r, sha: sha, now: now)
        return .success(sha)
    }

    /// Sets check run `build` on `sha` as `ci` says.
    mutating func applyCI(_ ci: AgentCI, repo r: Int, sha: String, now: Date) {
        switch ci {
        case .green: setCheckRun(repo: r, sha: sha, name: "build", status: "completed", conclusion: "success", at: now)
        case .red: setCheckRun(repo: r, sha: sha, name: "build", status: "completed", conclusion: "failure", at: now)
        case .pending: setCheckRun(repo: r, sha: sha, name: "build", status: "in_progress", conclusion: nil, at: now)
        case .none: break
        }
    }

    /// Deletes a branch; open pull requests with it as head are closed, as both forges do.
    /// - Returns: false when there was no such branch.
    mutating func deleteBranch(repo r: Int, branch: String, by login: String, now: Date) -> Bool {
        guard repos[r].branches[branch] != nil else { return false }
        for p in repos[r].pulls.indices where repos[r].pulls[p].head == branch {
            repos[r].pulls[p].headSHA = headSHA(repo: r, pull: p)
            if isOpen(repo: r, pull: p), let i = issueIndex(repo: r, number: repos[r].pulls[p].number) {
                setState("closed", reason: nil, repo: r, issue: i, actor: login, now: now)
                repos[r].issues[i].stateReason = nil
            }
        }
        repos[r].branches.removeValue(forKey: branch)
        return true
    }

    /// Records a review against the current head.
    /// - Returns: The review id.
    mutating func addReview(repo r: Int, pull p: Int, user: String, state: String, body: String, now: Date) -> Int64 {
        let id = allocReviewID()
        repos[r].pulls[p].reviews
            .append(
                SimReview(
                    id: id,
                    user: user,
                    state: state.uppercased(),
                    body: body,
                    commitID: headSHA(repo: r, pull: p),
                    submittedAt: SimClock.github(now)
                )
            )
        if let i = issueIndex(repo: r, number: repos[r].pulls[p].number) {
            repos[r].issues[i].updatedAt = SimClock.github(now)
        }
        return id
    }

    /// What `git push` prints when a push to `branch` is refused because the branch requires pull requests
    /// (GitHub's classic protection wording), or `nil` when the push is allowed.
    func pushRefusal(repo r: Int, branch: String) -> String? {
        guard protection(repo: r, branch: branch)?.requirePullRequest == true else { return nil }
        return PushGuard.refusal(branch)
    }

    /// Which pushes the forge refuses, for the scripted agents to know before they report.
    var pushGuard: PushGuard {
        var guardRules = PushGuard()
        for repo in repos {
            let key = repo.fullName.lowercased()
            guardRules.defaults[key] = repo.defaultBranch
            guardRules.protected[key] = Set(repo.protection.filter { $0.value.requirePullRequest }.keys)
        }
        return guardRules
    }
}

/// The branches scripted agents may not push to directly (they require pull requests), per repository: a
/// snapshot of the forge handed to the agent worlds before each request, so that an agent's report can say its
/// push was refused.
struct PushGuard: Sendable {
    /// `owner/name` (lower-cased) → branches that require pull requests.
    var protected: [String: Set<String>] = [:]
    /// `owner/name` (lower-cased) → default branch.
    var defaults: [String: String] = [:]

    /// What `git push` printed, or `nil` when the push to `branch` (`nil`: the default branch) is allowed.
    func refusal(owner: String, repo: String, branch: String?) -> String? {
        let key = "\(owner)/\(repo)".lowercased()
        guard let target = branch ?? defaults[key], protected[key]?.contains(target) == true else { return nil }
        return Self.refusal(target)
    }

    /// GitHub's classic protected-branch refusal (`GH006`).
    static func refusal(_ branch: String) -> String {
        "remote: error: GH006: Protected branch update failed for refs/heads/\(branch).\n"
            + "remote: error: Changes must be made through a pull request.\n"
            + " ! [remote rejected] \(branch) -> \(branch) (protected branch hook declined)"
    }
}
