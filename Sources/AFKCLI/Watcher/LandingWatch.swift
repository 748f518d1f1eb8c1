import AFKAdapters
import AFKCore
import Foundation
import Logging

/// The watcher's reads and writes for runs that land through a pull request
/// (`landing: pull_request`, ``RunRecord/branch`` set). The rules are ``PullRequestLanding``'s;
/// this file only gathers what they read and performs what they decide.
extension RepoWatch {
    /// What a pull-request run's decision reads this tick.
    struct LandingObservation {
        var evidence: PullRequestEvidence
        /// The commit under verification: the pull request's head, or once merged the merge commit.
        var sha: String?
        var ci: CIVerdict
        var stages: String?
    }

    /// Reads, in order and only as far as the decision needs: the recorded pull request; once
    /// merged, every stage of the merge commit; else the run's branch and the default branch
    /// since dispatch; then the head's build; with a green build, the reviews (and whether each
    /// reviewer may write) and the default branch's rules.
    func observeLanding(
        _ run: TrackedRun,
        record: RunRecord,
        dispatchedAt: Date,
        defaultBranch: String,
        rules: inout BranchRules?
    ) async throws(ServiceError) -> LandingObservation {
        let tracker = tick.tracker
        var evidence = PullRequestEvidence()
        var pr: PullRequest?
        if let number = record.pullRequest {
            pr = try await tracker.pullRequest(number, in: repo)
        }
        evidence.pullRequest = pr
        if let merged = record.mergedSHA ?? (pr?.state == .merged ? pr?.mergeCommitSHA : nil) {
            let (ci, stages) = try await verdict(of: merged, issue: run.issue.number)
            return LandingObservation(evidence: evidence, sha: merged, ci: ci, stages: stages)
        }
        if pr?.state == .merged { return LandingObservation(evidence: evidence, sha: nil, ci: .pending) }
        let since = dispatchedAt.addingTimeInterval(-1)
        if let branch = record.branch, pr == nil {
            evidence.branchCommit =
                PushedCommit.find(
                    in: try await branchCommits(branch, since: since),
                    issue: run.issue.ref,
                    dispatchedAt: dispatchedAt
                )?
                .sha
        }
        evidence.defaultBranchCommit =
            PushedCommit.find(
                in: try await tracker.commits(in: repo, branch: defaultBranch, since: since),
                issue: run.issue.ref,
                dispatchedAt: dispatchedAt
            )?
            .sha
        guard let pr, pr.state == .open else {
            return LandingObservation(evidence: evidence, sha: evidence.branchCommit, ci: .pending)
        }
        let (ci, stages) = try await build(of: pr.headSHA, issue: run.issue.number)
        if case .green = ci {
            evidence.reviews = try await tracker.reviews(of: pr.number, in: repo)
            for login in ReviewSummary.reviewersToCheck(evidence.reviews) {
                let verdict = TrustGate.verdict(
                    labeler: .login(login),
                    permission: try await tracker.permission(of: login, in: repo)
                )
                if case .trusted = verdict { evidence.writers.insert(login) }
            }
            if rules == nil { rules = try await tracker.branchRules(of: defaultBranch, in: repo) }
            evidence.rules = rules ?? .none
        }
        return LandingObservation(evidence: evidence, sha: pr.headSHA, ci: ci, stages: stages)
    }

    /// The run's branch since dispatch; a branch that does not exist yet (the forge answers 404
    /// after the repository was read this tick) has no commits.
    func branchCommits(_ branch: String, since: Date) async throws(ServiceError) -> [ForgeCommit] {
        do {
            return try await tick.tracker.commits(in: repo, branch: branch, since: since)
        } catch {
            if error.kind == .unexpectedStatus(404) || error.kind == .misconfigured { return [] }
            throw error
        }
    }

    /// The pull request head's build: the lane's build stage only (deploy and rollout are
    /// verified on the merge commit). An unobserved build reads green: the repository's required
    /// checks still gate the merge through its mergeability.
    func build(of sha: String, issue: Int) async throws(ServiceError) -> (CIVerdict, String) {
        let logger = self.logger
        let outcomes = try await StageProbes.read(
            sha: sha,
            in: repo,
            stages: [(.build, lane.stages.build)],
            onError: { stage, error in
                logger.warning("#\(issue): could not read the \(stage.rawValue) stage: \(error.description)")
            }
        )
        return (DeployStages.verdict(outcomes), DeployStages.summary(outcomes))
    }

    /// The pull request afk opens for a run: the issue's title, `Closes #N` and a link to the
    /// run's checklist.
    func draft(_ run: TrackedRun, record: RunRecord, base: String) -> PullRequestDraft {
        let checklist = run.comments.first { RunHistory.isRecord(ofRun: record.run, $0) }?.htmlURL
        var body = "Closes #\(run.issue.number)\n\n"
        body += "Opened by afk for run \(record.run) of #\(run.issue.number)"
        body += checklist.map { " ([progress checklist](\($0)))" } ?? ""
        body +=
            ". afk merges it when it is green and the repository accepts it; the agent works on `\(record.branch ?? "")`."
        return PullRequestDraft(head: record.branch ?? "", base: base, title: run.issue.title, body: body)
    }

    /// Performs one pull-request effect; the outcome says what ``EffectJournal`` records.
    func performLanding(_ effect: RunEffect, run: TrackedRun, record: RunRecord) async throws(ServiceError)
        -> EffectJournal.Outcome
    {
        let tracker = tick.tracker
        guard let branch = record.branch else { return .declined("the run has no branch") }
        // A run keeps landing the way it started even if the repository's mode changed since.
        var settings = AFKConfig.PullRequestSettings()
        if case .pullRequest(let configured) = lane.landing { settings = configured }
        switch effect {
        case .openPullRequest:
            let base = try await defaultBranch()
            if let existing = try await tracker.pullRequest(from: branch, into: base, in: repo),
                existing.state == .open
            {
                return .done(handle: String(existing.number))
            }
            let opened = try await tracker.openPullRequest(draft(run, record: record, base: base), in: repo)
            return .done(handle: String(opened.number))
        case .updateBranch:
            guard let number = record.pullRequest, let head = record.pushedSHA else {
                return .declined("no pull request to update")
            }
            switch try await tracker.updateBranch(of: number, expectedHead: head, in: repo) {
            case .updating: return .done(handle: nil)
            case .conflict(let why): return .declined("updating #\(number) found a conflict: \(why)")
            case .declined(let why): return .declined("the forge declined to update #\(number): \(why)")
            }
        case .merge:
            guard let number = record.pullRequest, let head = record.pushedSHA else {
                return .declined("no pull request to merge")
            }
            // A merge whose answer was lost may have happened: read before sending it again.
            if let pr = try await tracker.pullRequest(number, in: repo) {
                if pr.state == .merged { return .done(handle: pr.mergeCommitSHA) }
                if pr.state == .closed { return .declined("#\(number) was closed without merging") }
                if pr.headSHA != head {
                    return .declined("#\(number) has a newer head than the verified \(RunStateMachine.short(head))")
                }
            }
            switch try await tracker.merge(
                number,
                head: head,
                method: settings.mergeMethod,
                title: "\(run.issue.title) (#\(number))",
                in: repo
            ) {
            case .merged(let sha):
                if let sha { return .done(handle: sha) }
                return .done(handle: try await tracker.pullRequest(number, in: repo)?.mergeCommitSHA)
            case .declined(let why): return .declined("the forge declined to merge #\(number): \(why)")
            case .headChanged(let why): return .declined("#\(number)'s head changed before the merge: \(why)")
            }
        case .deleteBranch:
            try await tracker.deleteBranch(branch, in: repo)
            return .done(handle: nil)
        default:
            return .done(handle: nil)
        }
    }
}
