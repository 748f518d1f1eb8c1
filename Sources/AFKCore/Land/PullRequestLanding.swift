import Foundation

/// The run state machine's rules for a run that lands through a pull request
/// (`landing: pull_request`). Pure: the observation in, the decision out.
///
/// In order:
/// 1. Merged (recorded, or the pull request says so): the merge commit's stages decide — green
///    closes, pending waits, red freezes (the change is on the default branch; a human decides).
/// 2. A commit by the run on the default branch itself breaks the mode's rule: escalate.
/// 3. A pull request closed without merging: escalate.
/// 4. Nothing on the run's branch yet: the agent's state decides, as in `landing: push`.
/// 5. A commit on the branch but no pull request: open one.
/// 6. The pull request's head: red → a corrective turn (budget applies); pending → wait.
/// 7. Green: a merge queue → escalate; changes requested by a writer → a corrective turn quoting
///    the review; not computed yet → wait; a conflict → a corrective turn; behind a strict rule →
///    update the branch; too few approvals → the `review` phase; blocked otherwise → wait;
///    mergeable → merge, guarded by the head verified here.
/// The stall limit applies to every wait; the `paused` label holds corrective turns, updates and
/// merges.
public enum PullRequestLanding {
    public static func decide(_ o: RunObservation, dispatchedAt: Date, limits: RunLimits) -> RunDecision {
        let record = o.record
        let evidence = o.landing ?? PullRequestEvidence()
        let branch = record.branch ?? "the run's branch"
        let pr = evidence.pullRequest
        let short = RunStateMachine.short

        // 1. Merged: verify the merge commit.
        if record.mergedSHA != nil || pr?.state == .merged {
            guard let merged = record.mergedSHA ?? pr?.mergeCommitSHA else {
                return .wait(
                    "#\(pr?.number ?? record.pullRequest ?? 0) is merged; the forge has not named the merge commit yet"
                )
            }
            switch o.ci {
            case .green: return .close(sha: merged)
            case .pending:
                return RunStateMachine.stalled(o, dispatchedAt, limits)
                    ?? .wait("merged as \(short(merged)); waiting for its stages")
            case .red(let failing):
                return .freeze(
                    sha: merged,
                    reason:
                        "merged as \(short(merged)), which is red on the default branch (\(failing.joined(separator: ", "))); a human decides"
                )
            }
        }
        // 2. The mode's one rule for the agent.
        if let pushed = evidence.defaultBranchCommit {
            return .escalate(
                "policy violation: the run pushed \(short(pushed)) to the default branch; with landing: pull_request it must push \(branch) and land through a pull request"
            )
        }
        // 3. A human closed it.
        if let pr, pr.state == .closed {
            return .escalate("pull request #\(pr.number) was closed without merging")
        }
        // 4. Nothing pushed yet.
        guard let head = pr?.headSHA ?? evidence.branchCommit else {
            return RunStateMachine.nothingPushed(o, dispatchedAt: dispatchedAt, limits: limits, target: branch)
        }
        // 5. A commit, no pull request.
        guard let pr else { return .openPullRequest(head: head) }

        // 6. The head's build.
        switch o.ci {
        case .red(let failing):
            return RunStateMachine.red(o, sha: head, failing: failing, dispatchedAt: dispatchedAt, limits: limits)
        case .pending:
            return RunStateMachine.stalled(o, dispatchedAt, limits)
                ?? .wait("CI pending on #\(pr.number) at \(short(head))")
        case .green:
            break
        }

        // 7. Green: what else the repository requires.
        if evidence.rules.mergeQueue {
            return .escalate(
                "the default branch requires a merge queue, which afk cannot use: #\(pr.number) is green; a human enqueues it"
            )
        }
        let reviews = ReviewSummary(reviews: evidence.reviews, writers: evidence.writers)
        if let request = reviews.changesRequested.first(where: { !(record.answeredReviews ?? []).contains($0.id) }) {
            return correction(o, head: head, .review, review: request, dispatchedAt: dispatchedAt, limits: limits)
        }
        if let answered = reviews.changesRequested.first {
            if record.fixedSHAs?.contains(head) == true, o.agent.ended, record.correction == .review {
                return .freeze(
                    sha: head,
                    reason:
                        "the corrective turn for \(answered.author)'s review ended without pushing a change (\(o.agent))"
                )
            }
            return RunStateMachine.stalled(o, dispatchedAt, limits)
                ?? .awaitReview(
                    pr: pr.number,
                    why:
                        "changes requested by \(answered.author) were answered; waiting for them to review #\(pr.number) again"
                )
        }
        switch pr.mergeability {
        case .computing:
            return RunStateMachine.stalled(o, dispatchedAt, limits)
                ?? .wait("the forge is still computing whether #\(pr.number) can be merged")
        case .draft:
            return RunStateMachine.stalled(o, dispatchedAt, limits)
                ?? .wait("#\(pr.number) is a draft; waiting for it to be marked ready")
        case .conflicting:
            return correction(o, head: head, .conflict, review: nil, dispatchedAt: dispatchedAt, limits: limits)
        case .notMergeable:
            if record.notMergeableHead == head {
                return correction(o, head: head, .conflict, review: nil, dispatchedAt: dispatchedAt, limits: limits)
            }
            return .wait(
                "#\(pr.number) is not mergeable yet (still being checked, or a conflict); looking again next tick"
            )
        case .behind:
            if o.paused {
                return .wait("paused: #\(pr.number) is behind, but no branch update while the paused label is on")
            }
            if record.updatedHeads?.contains(head) == true {
                return RunStateMachine.stalled(o, dispatchedAt, limits)
                    ?? .wait("#\(pr.number) is being brought up to date with the default branch")
            }
            return .updateBranch(pr: pr.number, head: head)
        case .blocked, .mergeable:
            let needed = max(evidence.rules.requiredApprovals, pr.mergeability == .blocked ? 1 : 0)
            if reviews.approvals < needed {
                let count = needed == 1 ? "an approving review" : "\(needed) approving reviews"
                return RunStateMachine.stalled(o, dispatchedAt, limits)
                    ?? .awaitReview(
                        pr: pr.number,
                        why: "#\(pr.number) is green and waits for \(count) from someone with write access"
                    )
            }
            if pr.mergeability == .blocked {
                return RunStateMachine.stalled(o, dispatchedAt, limits)
                    ?? .wait("#\(pr.number) is green and approved, but the repository's rules still block the merge")
            }
            if o.paused {
                return .wait("paused: #\(pr.number) is ready to merge, but not while the paused label is on")
            }
            return .merge(pr: pr.number, head: head)
        }
    }

    /// A corrective turn about the pull request (a conflict or a review), with the same budget,
    /// the same "never twice for one commit" rule and the same freezing as a red build.
    static func correction(
        _ o: RunObservation,
        head: String,
        _ kind: RunRecord.Correction,
        review: PullReview?,
        dispatchedAt: Date,
        limits: RunLimits
    ) -> RunDecision {
        let record = o.record
        let what = kind == .conflict ? "resolve the conflict" : "address the review"
        if record.fixedSHAs?.contains(head) == true, kind == .conflict {
            if o.agent.ended {
                return .freeze(sha: head, reason: "the corrective turn to \(what) ended without pushing (\(o.agent))")
            }
            return RunStateMachine.stalled(o, dispatchedAt, limits)
                ?? .wait("corrective turn sent to \(what) on \(RunStateMachine.short(head)); waiting for a push")
        }
        let sinceDispatch = o.now.timeIntervalSince(dispatchedAt)
        guard record.attempts < limits.maxAttempts, sinceDispatch < limits.maxSeconds else {
            let why =
                record.attempts < limits.maxAttempts
                ? "the corrective time budget of \(Int(limits.maxSeconds))s since dispatch is spent"
                : "the corrective budget of \(limits.maxAttempts) attempt(s) is spent"
            return .freeze(sha: head, reason: "\(why); a human must \(what)")
        }
        if o.agent == .missing {
            return .freeze(sha: head, reason: "the thread no longer exists, so no corrective turn can \(what)")
        }
        if o.paused { return .wait("paused: no corrective turn to \(what) while the paused label is on") }
        return .correct(sha: head, correction: kind, review: review)
    }
}
