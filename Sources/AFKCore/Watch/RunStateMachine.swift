import Foundation

/// What the executor says about the agent of a run, reduced to what the state machine needs.
public enum AgentState: Hashable, Sendable, CustomStringConvertible {
    /// Working (or accepted and about to start).
    case running
    /// A turn afk sent has not started yet (``TurnWindow``): the runtime still shows the one before.
    case starting
    /// The turn completed.
    case finished
    case interrupted
    case errored(String)
    /// The agent asked a question and waits for an answer that nobody will give.
    case needsInput(String)
    /// The thread no longer exists (deleted, or never created).
    case missing
    /// The executor could not be asked, or answered with something not understood.
    case unknown(String)

    public var description: String {
        switch self {
        case .running: "agent working"
        case .starting: "the turn afk sent has not started yet"
        case .finished: "agent finished its turn"
        case .interrupted: "agent interrupted"
        case .errored(let e): "agent errored: \(e)"
        case .needsInput(let q): "agent is waiting for an answer: \(q)"
        case .missing: "thread no longer exists"
        case .unknown(let why): "agent state unknown: \(why)"
        }
    }

    /// The agent may still be working, and spending, at its runtime: a run afk gives up on then
    /// stops it first. A question keeps the session alive; an unknown state may be anything.
    public var mayStillSpend: Bool {
        switch self {
        case .running, .starting, .needsInput, .unknown: true
        case .finished, .interrupted, .errored, .missing: false
        }
    }

    /// The turn has ended one way or another.
    var ended: Bool {
        switch self {
        case .finished, .interrupted, .errored, .needsInput, .missing: true
        case .running, .starting, .unknown: false
        }
    }
}

/// The limits a run works within.
public struct RunLimits: Hashable, Sendable {
    public var maxAttempts: Int
    public var maxSeconds: Double
    /// A run waiting longer than this in one phase escalates (default 2 × maxSeconds).
    public var stallSeconds: Double
    public var maxRedispatches: Int

    public init(maxAttempts: Int, maxSeconds: Double, stallSeconds: Double? = nil, maxRedispatches: Int = 1) {
        self.maxAttempts = maxAttempts
        self.maxSeconds = maxSeconds
        self.stallSeconds = stallSeconds ?? 2 * maxSeconds
        self.maxRedispatches = maxRedispatches
    }
}

/// Everything observed about one run this tick.
public struct RunObservation: Hashable, Sendable {
    public var record: RunRecord
    public var agent: AgentState
    /// The commit the run pushed to the default branch, if the forge shows one.
    public var pushedSHA: String?
    /// CI for `pushedSHA`; ignored when nothing was pushed.
    public var ci: CIVerdict
    public var paused: Bool
    public var now: Date
    /// The latest turn the runtime shows (``TurnWindow``).
    public var turn: AgentTurn
    /// The runtime could not start the turn asked for last.
    public var turnStartFailure: String?
    /// The pull request side of a run that lands through one (``RunRecord/branch`` set).
    public var landing: PullRequestEvidence?

    public init(
        record: RunRecord,
        agent: AgentState,
        pushedSHA: String?,
        ci: CIVerdict = .pending,
        paused: Bool = false,
        now: Date,
        turn: AgentTurn = .notReported,
        turnStartFailure: String? = nil,
        landing: PullRequestEvidence? = nil
    ) {
        self.landing = landing
        self.record = record
        self.agent = agent
        self.pushedSHA = pushedSHA
        self.ci = ci
        self.paused = paused
        self.now = now
        self.turn = turn
        self.turnStartFailure = turnStartFailure
    }

    /// The observation with the agent's state as ``TurnWindow`` reads it.
    var windowed: RunObservation {
        var o = self
        o.agent = TurnWindow.agentState(
            AgentReport(agent, turn: turn, turnStartFailure: turnStartFailure),
            record: record
        )
        return o
    }
}

/// What the watcher does about a run.
public enum RunDecision: Hashable, Sendable {
    case wait(String)
    case close(sha: String)
    case fixForward(sha: String, failing: [String])
    case freeze(sha: String, reason: String)
    case escalate(String)
    case redispatch(String)
    /// Open the run's pull request for its branch's commit `head`.
    case openPullRequest(head: String)
    /// Ask the forge to bring the pull request's branch (at `head`) up to date with the base.
    case updateBranch(pr: Int, head: String)
    /// Merge the pull request, guarded by the verified `head`.
    case merge(pr: Int, head: String)
    /// Wait for an approving review (the `review` phase).
    case awaitReview(pr: Int, why: String)
    /// A corrective turn about the pull request at `head`: a conflict, or a reviewer's requested changes.
    case correct(sha: String, correction: RunRecord.Correction, review: PullReview?)

    public var action: TickReport.ActionKind {
        switch self {
        case .wait, .awaitReview: .wait
        case .openPullRequest: .openPullRequest
        case .updateBranch: .updateBranch
        case .merge: .merge
        case .correct: .fixForward
        case .close: .close
        case .fixForward: .fixForward
        case .freeze: .freeze
        case .escalate: .escalate
        case .redispatch: .redispatch
        }
    }

    public var reason: String {
        switch self {
        case .wait(let why): why
        case .close(let sha): "\(RunStateMachine.short(sha)) is on the default branch and CI is green"
        case .fixForward(let sha, let failing):
            "\(RunStateMachine.short(sha)) is red (\(failing.joined(separator: ", "))): corrective turn"
        case .freeze(let sha, let why): "\(RunStateMachine.short(sha)) is red: \(why)"
        case .escalate(let why): why
        case .redispatch(let why): why
        case .openPullRequest(let head):
            "\(RunStateMachine.short(head)) is on the run's branch: opening its pull request"
        case .updateBranch(let pr, let head):
            "#\(pr) (head \(RunStateMachine.short(head))) is behind the default branch, which must be up to date: updating the branch"
        case .merge(let pr, let head):
            "#\(pr) is green and mergeable at \(RunStateMachine.short(head)): merging"
        case .awaitReview(_, let why): why
        case .correct(let sha, let correction, let review):
            switch correction {
            case .conflict: "\(RunStateMachine.short(sha)) conflicts with the default branch: corrective turn"
            case .review:
                "\(review?.author ?? "a reviewer") requested changes on \(RunStateMachine.short(sha)): corrective turn"
            case .build: "\(RunStateMachine.short(sha)) needs correcting: corrective turn"
            }
        }
    }
}

/// The pure run state machine: observation in, decision out; and decision applied to the
/// record, producing the effects to perform. No I/O and no clock: `now` is observed.
public enum RunStateMachine {
    public static func decide(_ observed: RunObservation, limits: RunLimits) -> RunDecision {
        let o = observed.windowed
        let record = o.record
        if let phase = record.phase, phase.isTerminal { return .wait("run already \(phase.rawValue)") }
        guard let dispatchedAt = Timestamp.parse(record.dispatchedAt) else {
            return .escalate("the run record's dispatched_at (\(record.dispatchedAt)) is not a timestamp")
        }
        if record.landsThroughPullRequest {
            return PullRequestLanding.decide(o, dispatchedAt: dispatchedAt, limits: limits)
        }
        if let sha = o.pushedSHA {
            switch o.ci {
            case .green:
                return .close(sha: sha)
            case .red(let failing):
                return red(o, sha: sha, failing: failing, dispatchedAt: dispatchedAt, limits: limits)
            case .pending:
                return stalled(o, dispatchedAt, limits) ?? .wait("CI pending for \(short(sha))")
            }
        }
        return nothingPushed(o, dispatchedAt: dispatchedAt, limits: limits, target: "the default branch")
    }

    /// A red commit: a corrective turn while the budget lasts, else frozen.
    static func red(_ o: RunObservation, sha: String, failing: [String], dispatchedAt: Date, limits: RunLimits)
        -> RunDecision
    {
        let record = o.record
        let sinceDispatch = o.now.timeIntervalSince(dispatchedAt)
        if record.fixedSHAs?.contains(sha) == true {
            if record.submitted == false {
                return .freeze(
                    sha: sha,
                    reason: """
                        the corrective turn's submission to \(record.executor) may or may not have started a job (its answer \
                        was lost), and \(record.executor) has no idempotency key, so afk does not send it again: check the \
                        runner for a job of \(record.threadID)
                        """
                )
            }
            if o.agent.ended {
                return .freeze(sha: sha, reason: "the corrective turn ended without pushing a fix (\(o.agent))")
            }
            return stalled(o, dispatchedAt, limits)
                ?? .wait("corrective turn sent for \(short(sha)); waiting for a fix")
        }
        let attemptsLeft = record.attempts < limits.maxAttempts
        let timeLeft = sinceDispatch < limits.maxSeconds
        guard attemptsLeft && timeLeft else {
            let why =
                attemptsLeft
                ? "fix-forward time budget of \(Int(limits.maxSeconds))s since dispatch is spent"
                : "fix-forward budget of \(limits.maxAttempts) attempt(s) is spent"
            return .freeze(sha: sha, reason: why)
        }
        if o.agent == .missing {
            return .freeze(sha: sha, reason: "the thread no longer exists, so no corrective turn can be sent")
        }
        if o.paused {
            return .wait("paused: no corrective turn for red \(short(sha)) while the paused label is on")
        }
        return .fixForward(sha: sha, failing: failing)
    }

    /// Nothing pushed yet: the agent's state decides. `target` names where the push was expected.
    static func nothingPushed(_ o: RunObservation, dispatchedAt: Date, limits: RunLimits, target: String)
        -> RunDecision
    {
        let record = o.record
        if record.submitted == false {
            return .escalate(
                """
                the dispatch to \(record.executor) stopped before the runner confirmed it, and \(record.executor) has no \
                idempotency key, so afk does not submit again: check the runner for a job of \(record.threadID), \
                then re-label the issue
                """
            )
        }
        switch o.agent {
        case .running:
            return stalled(o, dispatchedAt, limits) ?? .wait("agent working; nothing pushed yet")
        case .starting:
            return stalled(o, dispatchedAt, limits)
                ?? .wait("the turn afk sent has not started yet; nothing pushed yet")
        case .unknown(let why):
            // An unreachable service is not a failed run: change nothing.
            return .wait(why)
        case .finished:
            return .escalate(
                "the agent finished without pushing a commit that references the issue to \(target)"
            )
        case .interrupted:
            return .escalate("the agent's turn was interrupted before anything was pushed")
        case .errored(let error):
            return .escalate("the agent errored before pushing: \(error)")
        case .needsInput(let question):
            return .escalate("the agent stopped to ask a question before pushing: \(question)")
        case .missing:
            if (record.redispatches ?? 0) < limits.maxRedispatches {
                if o.paused {
                    return .wait("paused: thread \(record.threadID) is gone but no re-dispatch while paused")
                }
                return .redispatch("thread \(record.threadID) no longer exists and nothing was pushed: re-dispatching")
            }
            return .escalate(
                "thread \(record.threadID) no longer exists, nothing was pushed, and the run was already re-dispatched"
            )
        }
    }

    static func stalled(_ o: RunObservation, _ dispatchedAt: Date, _ limits: RunLimits) -> RunDecision? {
        guard !o.paused else { return nil }
        let since = o.record.phaseSince.flatMap(Timestamp.parse) ?? dispatchedAt
        let waited = o.now.timeIntervalSince(since)
        guard waited > limits.stallSeconds else { return nil }
        return .escalate("no progress for \(Int(waited))s (stall limit \(Int(limits.stallSeconds))s): \(o.agent)")
    }

    /// The record after `decision`, with the effects to perform listed in `pending`.
    /// `channels` are the configured doorbell effects (`ringNtfy`, `ringSlack`).
    public static func apply(
        _ decision: RunDecision,
        to record: RunRecord,
        observation observed: RunObservation,
        channels: [RunEffect],
        issue: IssueRef,
        deleteBranch: Bool = true
    ) -> RunRecord {
        let o = observed.windowed
        // The runtime could not be asked and the forge shows nothing new: nothing is learnt, so
        // nothing is written (an outage must not rewrite every run's record each tick).
        if case .wait = decision, case .unknown = o.agent, o.pushedSHA == nil { return record }
        var next = record
        let nowText = Timestamp.format(o.now)
        next.awaitingTurn = TurnWindow.stillAwaited(record.awaitingTurn, seen: o.turn)
        func enter(_ phase: RunPhase) {
            if next.phase != phase { next.phaseSince = nowText }
            next.phase = phase
        }
        if let sha = o.pushedSHA {
            if next.pushedSHA != sha { next.phaseSince = nowText }
            next.pushedSHA = sha
            next.ci = o.ci.description
        }
        next.note = decision.reason
        if record.landsThroughPullRequest, let pr = o.landing?.pullRequest {
            next.pullRequest = pr.number
            next.pullRequestURL = pr.htmlURL ?? next.pullRequestURL
            if pr.state == .merged, next.mergedSHA == nil { next.mergedSHA = pr.mergeCommitSHA }
            if pr.mergeability == .notMergeable, pr.state == .open { next.notMergeableHead = pr.headSHA }
        }
        switch decision {
        case .wait where next.mergedSHA != nil:
            enter(.merged)
        case .wait:
            if o.pushedSHA != nil {
                enter(record.fixedSHAs?.contains(o.pushedSHA ?? "") == true ? .fixing : .pushed)
            } else if o.agent == .running || o.agent == .starting {
                enter(.working)
            }
        case .close:
            enter(.done)
            next.doorbell = .done
            next.pending = [.close, .unlock] + channels
        case .fixForward(let sha, _):
            enter(.fixing)
            next.attempts += 1
            next.correction = nil
            next.reviewQuote = nil
            next.fixedSHAs = (record.fixedSHAs ?? []) + [sha]
            next.awaitingTurn = TurnWindow.sent(whileShowing: o.turn)
            next.pending = [.correctiveTurn, .audit]
        case .freeze:
            enter(.frozen)
            next.doorbell = .frozen
            next.pending = o.agent.mayStillSpend ? [.stopAgent] : []
            next.pending? += [.handToHuman, .unlock, .audit] + channels
        case .escalate:
            enter(.escalated)
            next.doorbell = .needsHuman
            next.pending = o.agent.mayStillSpend ? [.stopAgent] : []
            next.pending? += [.handToHuman, .unlock, .audit] + channels
        case .redispatch:
            next.redispatches = (record.redispatches ?? 0) + 1
            next.threadID = RunIdentity(issue: issue, run: record.run, generation: next.redispatches ?? 0).threadID
            next.phase = .dispatched
            next.phaseSince = nowText
            next.awaitingTurn = AwaitedTurn(after: nil)  // a fresh thread: its first turn
            next.pending = [.redispatch, .audit]
        case .openPullRequest:
            enter(.pushed)
            next.pending = [.openPullRequest]
        case .updateBranch(_, let head):
            enter(.pushed)
            next.updatedHeads = (record.updatedHeads ?? []) + [head]
            next.pending = [.updateBranch]
        case .merge:
            enter(.pushed)
            next.pending = [.merge] + (deleteBranch ? [.deleteBranch] : [])
        case .awaitReview:
            enter(.review)
            if record.reviewRung != true, !channels.isEmpty {
                next.reviewRung = true
                next.doorbell = .reviewWanted
                next.pending = channels
            }
        case .correct(let sha, let correction, let review):
            enter(.fixing)
            next.attempts += 1
            next.correction = correction
            next.fixedSHAs = (record.fixedSHAs ?? []) + [sha]
            if let review {
                next.answeredReviews = (record.answeredReviews ?? []) + [review.id]
                next.reviewQuote = String(review.body.prefix(2000))
            }
            next.awaitingTurn = TurnWindow.sent(whileShowing: o.turn)
            next.pending = [.correctiveTurn, .audit]
        }
        return next
    }

    public static func short(_ sha: String) -> String { String(sha.prefix(7)) }

}
