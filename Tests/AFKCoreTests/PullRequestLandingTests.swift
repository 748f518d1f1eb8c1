import AFKCore
import Foundation
import Testing

/// `landing: pull_request`: the decision for every kind of evidence, the record it leads to, and
/// the effect journal's bookkeeping for the pull-request effects.
struct PullRequestLandingTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let limits = RunLimits(maxAttempts: 2, maxSeconds: 3600)
    static let issue = IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7)
    static let head = "h" + String(repeating: "1", count: 39)
    static let merged = "m" + String(repeating: "2", count: 39)

    static func record(
        pr: Int? = nil,
        mergedSHA: String? = nil,
        attempts: Int = 0,
        fixed: [String]? = nil,
        updated: [String]? = nil,
        answered: [Int64]? = nil,
        notMergeableHead: String? = nil,
        correction: RunRecord.Correction? = nil,
        phaseSince: Date? = nil
    ) -> RunRecord {
        var r = RunRecord(
            run: 1,
            executor: "t3",
            threadID: "afk-acme~widgets-i7-r1",
            dispatchedAt: Timestamp.format(t0)
        )
        r.branch = "afk/7-r1"
        r.pullRequest = pr
        r.mergedSHA = mergedSHA
        r.attempts = attempts
        r.fixedSHAs = fixed
        r.updatedHeads = updated
        r.answeredReviews = answered
        r.notMergeableHead = notMergeableHead
        r.correction = correction
        r.phaseSince = phaseSince.map(Timestamp.format)
        return r
    }

    static func pr(
        _ state: PullRequest.State = .open,
        _ mergeability: Mergeability = .mergeable,
        head: String = head,
        mergeCommit: String? = nil
    ) -> PullRequest {
        PullRequest(
            number: 12,
            state: state,
            title: "Add a cache",
            headBranch: "afk/7-r1",
            headSHA: head,
            baseBranch: "main",
            mergeability: mergeability,
            mergeCommitSHA: mergeCommit,
            htmlURL: "https://github.com/acme/widgets/pull/12"
        )
    }

    static func review(_ id: Int64, _ who: String, _ state: PullReview.State, _ body: String = "") -> PullReview {
        PullReview(id: id, author: who, state: state, body: body, commitID: head)
    }

    static func observe(
        _ record: RunRecord = record(),
        agent: AgentState = .running,
        sha: String? = nil,
        ci: CIVerdict = .pending,
        paused: Bool = false,
        evidence: PullRequestEvidence = PullRequestEvidence(),
        after seconds: Double = 60
    ) -> RunObservation {
        RunObservation(
            record: record,
            agent: agent,
            pushedSHA: sha,
            ci: ci,
            paused: paused,
            now: t0.addingTimeInterval(seconds),
            landing: evidence
        )
    }

    static func open(
        _ mergeability: Mergeability = .mergeable,
        reviews: [PullReview] = [],
        writers: Set<String> = ["alice"],
        rules: BranchRules = .none
    ) -> PullRequestEvidence {
        PullRequestEvidence(
            branchCommit: head,
            pullRequest: pr(.open, mergeability),
            reviews: reviews,
            writers: writers,
            rules: rules
        )
    }

    /// (name, observation, expected action, a word the reason must contain)
    static let table: [(String, RunObservation, TickReport.ActionKind, String)] = [
        ("nothing pushed, agent working: wait", observe(agent: .running), .wait, "nothing pushed"),
        (
            "agent finished without pushing the branch: escalate naming the branch",
            observe(agent: .finished), .escalate, "afk/7-r1"
        ),
        (
            "a commit on the branch and no pull request: open one",
            observe(evidence: PullRequestEvidence(branchCommit: head)), .openPullRequest, "opening"
        ),
        (
            "a commit by the run on the default branch: policy violation",
            observe(evidence: PullRequestEvidence(branchCommit: head, defaultBranchCommit: "d" + head.dropFirst())),
            .escalate, "policy violation"
        ),
        (
            "a pull request closed unmerged: escalate",
            observe(record(pr: 12), sha: head, ci: .green, evidence: PullRequestEvidence(pullRequest: pr(.closed))),
            .escalate, "closed without merging"
        ),
        ("head CI pending: wait", observe(record(pr: 12), sha: head, ci: .pending, evidence: open()), .wait, "pending"),
        (
            "head CI red: corrective turn",
            observe(record(pr: 12), agent: .finished, sha: head, ci: .red(failing: ["build"]), evidence: open()),
            .fixForward, "red"
        ),
        (
            "head CI red with the budget spent: freeze",
            observe(
                record(pr: 12, attempts: 2),
                agent: .finished,
                sha: head,
                ci: .red(failing: ["build"]),
                evidence: open()
            ),
            .freeze, "budget"
        ),
        (
            "green and mergeable: merge", observe(record(pr: 12), sha: head, ci: .green, evidence: open()), .merge,
            "merging"
        ),
        (
            "green and mergeable but paused: wait",
            observe(record(pr: 12), sha: head, ci: .green, paused: true, evidence: open()), .wait, "paused"
        ),
        (
            "mergeability still computing: wait",
            observe(record(pr: 12), sha: head, ci: .green, evidence: open(.computing)), .wait, "computing"
        ),
        (
            "a conflict: corrective turn",
            observe(record(pr: 12), agent: .finished, sha: head, ci: .green, evidence: open(.conflicting)),
            .fixForward, "conflicts"
        ),
        (
            "a conflict already corrected for this head, agent done: freeze",
            observe(
                record(pr: 12, attempts: 1, fixed: [head], correction: .conflict),
                agent: .finished,
                sha: head,
                ci: .green,
                evidence: open(.conflicting)
            ),
            .freeze, "resolve the conflict"
        ),
        (
            "Forgejo's first not-mergeable: look again",
            observe(record(pr: 12), sha: head, ci: .green, evidence: open(.notMergeable)), .wait, "not mergeable yet"
        ),
        (
            "Forgejo's second not-mergeable on the same head: a conflict",
            observe(
                record(pr: 12, notMergeableHead: head),
                agent: .finished,
                sha: head,
                ci: .green,
                evidence: open(.notMergeable)
            ),
            .fixForward, "conflicts"
        ),
        (
            "behind a strict rule: update the branch",
            observe(record(pr: 12), sha: head, ci: .green, evidence: open(.behind)), .updateBranch, "updating"
        ),
        (
            "behind, update already asked for this head: wait",
            observe(record(pr: 12, updated: [head]), sha: head, ci: .green, evidence: open(.behind)), .wait,
            "up to date"
        ),
        (
            "approvals required and none given: review phase",
            observe(record(pr: 12), sha: head, ci: .green, evidence: open(rules: BranchRules(requiredApprovals: 1))),
            .wait, "approving review"
        ),
        (
            "blocked with no approval: review phase",
            observe(record(pr: 12), sha: head, ci: .green, evidence: open(.blocked)), .wait, "approving review"
        ),
        (
            "approved by a writer: merge",
            observe(
                record(pr: 12),
                sha: head,
                ci: .green,
                evidence: open(reviews: [review(1, "alice", .approved)], rules: BranchRules(requiredApprovals: 1))
            ),
            .merge, "merging"
        ),
        (
            "approved by someone without write access: still waits",
            observe(
                record(pr: 12),
                sha: head,
                ci: .green,
                evidence: open(reviews: [review(1, "mallory", .approved)], rules: BranchRules(requiredApprovals: 1))
            ),
            .wait, "approving review"
        ),
        (
            "changes requested by a writer: corrective turn",
            observe(
                record(pr: 12),
                agent: .finished,
                sha: head,
                ci: .green,
                evidence: open(reviews: [review(5, "alice", .changesRequested, "Use a map")])
            ),
            .fixForward, "requested changes"
        ),
        (
            "changes requested by a non-writer: ignored",
            observe(
                record(pr: 12),
                sha: head,
                ci: .green,
                evidence: open(reviews: [review(5, "mallory", .changesRequested)])
            ),
            .merge, "merging"
        ),
        (
            "changes requested then approved by the same writer: merge",
            observe(
                record(pr: 12),
                sha: head,
                ci: .green,
                evidence: open(reviews: [review(5, "alice", .changesRequested), review(6, "alice", .approved)])
            ),
            .merge, "merging"
        ),
        (
            "changes requested and already answered: wait for the reviewer",
            observe(
                record(pr: 12, answered: [5]),
                sha: head,
                ci: .green,
                evidence: open(reviews: [review(5, "alice", .changesRequested)])
            ),
            .wait, "review"
        ),
        (
            "a merge queue is required: escalate",
            observe(record(pr: 12), sha: head, ci: .green, evidence: open(rules: BranchRules(mergeQueue: true))),
            .escalate, "merge queue"
        ),
        (
            "merged and the merge commit is green: close",
            observe(record(pr: 12, mergedSHA: merged), sha: merged, ci: .green), .close, "green"
        ),
        (
            "merged and the stages pending: wait",
            observe(record(pr: 12, mergedSHA: merged), sha: merged, ci: .pending), .wait, "merged"
        ),
        (
            "merged by someone else (not recorded): verify the merge commit",
            observe(
                record(pr: 12),
                sha: merged,
                ci: .green,
                evidence: PullRequestEvidence(pullRequest: pr(.merged, mergeCommit: merged))
            ),
            .close, "green"
        ),
        (
            "merged and red on the default branch: freeze",
            observe(record(pr: 12, mergedSHA: merged), agent: .finished, sha: merged, ci: .red(failing: ["deploy"])),
            .freeze, "red on the default branch"
        ),
        (
            "waiting for review past the stall limit: escalate",
            observe(
                record(pr: 12, phaseSince: t0),
                sha: head,
                ci: .green,
                evidence: open(rules: BranchRules(requiredApprovals: 1)),
                after: 7201
            ),
            .escalate, "stall"
        ),
    ]

    @Test(arguments: table.indices) func decides(_ i: Int) {
        let (name, observation, expected, word) = Self.table[i]
        let decision = RunStateMachine.decide(observation, limits: Self.limits)
        #expect(decision.action == expected, "\(name): \(decision)")
        #expect(decision.reason.contains(word), "\(name): \(decision.reason)")
    }

    @Test func openingRecordsThePendingEffectAndThePhase() {
        let o = Self.observe(evidence: PullRequestEvidence(branchCommit: Self.head))
        let decision = RunStateMachine.decide(o, limits: Self.limits)
        let next = RunStateMachine.apply(decision, to: o.record, observation: o, channels: [], issue: Self.issue)
        #expect(next.pending == [.openPullRequest])
        #expect(next.phase == .pushed)
        #expect(next.pushedSHA == nil || next.pushedSHA == Self.head)
    }

    @Test func mergingDeletesTheBranchOnlyWhenConfigured() {
        let o = Self.observe(Self.record(pr: 12), sha: Self.head, ci: .green, evidence: Self.open())
        let decision = RunStateMachine.decide(o, limits: Self.limits)
        #expect(decision == .merge(pr: 12, head: Self.head))
        let deleting = RunStateMachine.apply(decision, to: o.record, observation: o, channels: [], issue: Self.issue)
        #expect(deleting.pending == [.merge, .deleteBranch])
        #expect(deleting.pushedSHA == Self.head)
        let keeping = RunStateMachine.apply(
            decision,
            to: o.record,
            observation: o,
            channels: [],
            issue: Self.issue,
            deleteBranch: false
        )
        #expect(keeping.pending == [.merge])
    }

    @Test func theReviewDoorbellRingsOncePerRun() {
        let o = Self.observe(
            Self.record(pr: 12),
            sha: Self.head,
            ci: .green,
            evidence: Self.open(rules: BranchRules(requiredApprovals: 1))
        )
        let decision = RunStateMachine.decide(o, limits: Self.limits)
        let first = RunStateMachine.apply(
            decision,
            to: o.record,
            observation: o,
            channels: [.ringNtfy],
            issue: Self.issue
        )
        #expect(first.phase == .review)
        #expect(first.doorbell == .reviewWanted)
        #expect(first.pending == [.ringNtfy])
        #expect(first.reviewRung == true)
        var settled = first
        settled.pending = nil
        let again = RunStateMachine.apply(
            decision,
            to: settled,
            observation: Self.observe(
                settled,
                sha: Self.head,
                ci: .green,
                evidence: Self.open(rules: BranchRules(requiredApprovals: 1))
            ),
            channels: [.ringNtfy],
            issue: Self.issue
        )
        #expect(again.pending == nil)
    }

    @Test func aReviewCorrectionRecordsTheReviewAndQuotesIt() {
        let o = Self.observe(
            Self.record(pr: 12),
            agent: .finished,
            sha: Self.head,
            ci: .green,
            evidence: Self.open(reviews: [Self.review(5, "alice", .changesRequested, "Use a map")])
        )
        let decision = RunStateMachine.decide(o, limits: Self.limits)
        let next = RunStateMachine.apply(decision, to: o.record, observation: o, channels: [], issue: Self.issue)
        #expect(next.answeredReviews == [5])
        #expect(next.correction == .review)
        #expect(next.reviewQuote == "Use a map")
        #expect(next.attempts == 1)
        #expect(next.pending == [.correctiveTurn, .audit])
        let text = CorrectiveTurn.text(
            issue: Self.issue,
            sha: Self.head,
            ci: "green",
            attempt: 1,
            maxAttempts: 2,
            branch: next.branch,
            pullRequest: next.pullRequest,
            correction: .review,
            reviewQuote: next.reviewQuote
        )
        #expect(text.contains("> Use a map"))
        #expect(RunBranch.named(inTurnText: text) == "afk/7-r1")
        #expect(text.contains("never to the default branch"))
    }

    @Test func aForgejoNotMergeableIsRememberedForItsHead() {
        let o = Self.observe(Self.record(pr: 12), sha: Self.head, ci: .green, evidence: Self.open(.notMergeable))
        let next = RunStateMachine.apply(
            RunStateMachine.decide(o, limits: Self.limits),
            to: o.record,
            observation: o,
            channels: [],
            issue: Self.issue
        )
        #expect(next.notMergeableHead == Self.head)
        #expect(next.pullRequestURL == "https://github.com/acme/widgets/pull/12")
    }

    // MARK: - The journal's pull-request bookkeeping

    @Test func openingRecordsTheNumberAtOnce() {
        var r = Self.record()
        r.pending = [.openPullRequest]
        var journal = EffectJournal(record: r, submissionsAreIdempotent: true)
        let step = journal.next()
        #expect(step?.effect == .openPullRequest && step?.writeFirst == nil)
        let written = journal.finished(.openPullRequest, .done(handle: "12"))
        #expect(written?.pullRequest == 12)
        #expect(written?.pending == nil || written?.pending == [])
        #expect(journal.finalRecord() == nil || journal.current.pending == nil)
    }

    @Test func aMergeRecordsTheMergeCommitBeforeTheBranchIsDeleted() {
        var r = Self.record(pr: 12)
        r.pending = [.merge, .deleteBranch]
        var journal = EffectJournal(record: r, submissionsAreIdempotent: true)
        _ = journal.next()
        let written = journal.finished(.merge, .done(handle: Self.merged))
        #expect(written?.mergedSHA == Self.merged)
        #expect(written?.phase == .merged)
        #expect(written?.pending == [.deleteBranch])
        #expect(journal.next()?.effect == .deleteBranch)
    }

    @Test func aDeclinedMergeDropsTheRestAndOwesNothing() {
        var r = Self.record(pr: 12)
        r.pending = [.merge, .deleteBranch]
        var journal = EffectJournal(record: r, submissionsAreIdempotent: true)
        _ = journal.next()
        #expect(journal.finished(.merge, .declined("Pull Request is not mergeable")) == nil)
        #expect(journal.next() == nil)
        let last = journal.finalRecord()
        #expect(last?.pending == nil)
        #expect(last?.note?.contains("not mergeable") == true)
        #expect(last?.mergedSHA == nil)
    }

    @Test func aMergeWithALostAnswerStaysOwed() {
        var r = Self.record(pr: 12)
        r.pending = [.merge, .deleteBranch]
        var journal = EffectJournal(record: r, submissionsAreIdempotent: true)
        _ = journal.next()
        #expect(journal.finished(.merge, .unknown("timed out")) == nil)
        // Unchanged from the record already written: nothing new to write, both still owed.
        #expect(journal.finalRecord() == nil)
        #expect(journal.current.pending == [.merge, .deleteBranch])
        #expect(journal.owed == [.merge, .deleteBranch])
    }

    @Test func theRunRecordRoundTripsItsPullRequestFields() throws {
        var r = Self.record(pr: 12, mergedSHA: Self.merged, answered: [5], correction: .review)
        r.reviewQuote = "Use -- a map"
        r.reviewRung = true
        let body = "text\n" + r.encodedMarker()
        guard case .success(let parsed)? = RunRecord.parse(commentBody: body) else {
            Issue.record("the record did not parse back")
            return
        }
        #expect(parsed == r)
        #expect(parsed.landsThroughPullRequest)
    }

    @Test func theTurnTextNamesTheBranch() {
        let text = ImplementerPreamble.turnText(
            preamble: ImplementerPreamble.defaultText,
            issue: Self.issue,
            title: "Add a cache",
            url: nil,
            branch: "afk/7-r1"
        )
        #expect(RunBranch.named(inTurnText: text) == "afk/7-r1")
        #expect(text.contains("Never push to the default branch"))
        let pushing = ImplementerPreamble.turnText(
            preamble: ImplementerPreamble.defaultText,
            issue: Self.issue,
            title: "Add a cache",
            url: nil
        )
        #expect(RunBranch.named(inTurnText: pushing) == nil)
    }

    @Test(arguments: [
        ("afk/", true), ("bots/afk-", true), ("", false), ("/afk", false), ("a b", false), ("a..b", false),
    ])
    func branchPrefixes(_ prefix: String, _ valid: Bool) {
        #expect(RunBranch.isValidPrefix(prefix) == valid)
    }
}

/// Spending stops when afk gives up: a run escalated or frozen while its agent may still work
/// stops the agent first; one whose agent already ended sends nothing.
struct AgentStopTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let issue = IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7)

    /// (agent, stops first)
    static let table: [(AgentState, Bool)] = [
        (.running, true), (.starting, true), (.needsInput("which one?"), true), (.unknown("T3 down"), true),
        (.finished, false), (.interrupted, false), (.errored("boom"), false), (.missing, false),
    ]

    @Test(arguments: table.indices) func escalatingStopsAnAgentThatMayStillSpend(_ i: Int) {
        let (agent, stops) = Self.table[i]
        let record = RunRecord(
            run: 1,
            executor: "t3",
            threadID: "afk-acme~widgets-i7-r1",
            dispatchedAt: Timestamp.format(Self.t0)
        )
        let observation = RunObservation(record: record, agent: agent, pushedSHA: nil, now: Self.t0)
        let next = RunStateMachine.apply(
            .escalate("no progress"),
            to: record,
            observation: observation,
            channels: [.ringNtfy],
            issue: Self.issue
        )
        let expected: [RunEffect] = (stops ? [.stopAgent] : []) + [.handToHuman, .unlock, .audit, .ringNtfy]
        #expect(next.pending == expected, "\(agent)")
    }

    @Test func theJournalRecordsWhatStoppingCameTo() {
        var record = RunRecord(run: 1, executor: "jobs", threadID: "job-1", dispatchedAt: "2026-12-06T10:00:00Z")
        record.pending = [.stopAgent, .handToHuman]
        var journal = EffectJournal(record: record, submissionsAreIdempotent: false)
        #expect(journal.next()?.writeFirst == nil)  // not a submission: nothing written first
        let written = journal.finished(.stopAgent, .done(handle: "not stopped: no cancel endpoint"))
        #expect(written?.agentStop == "not stopped: no cancel endpoint")
        #expect(written?.pending == [.handToHuman])
    }
}
