import AFKAdapters
import AFKCore
import Foundation
import Logging

/// One dispatch tick: for each allowlisted repo, read → decide (``DispatchPolicy``) → act → report.
///
/// Repositories are independent: a failure in one is reported and the tick moves on, except
/// for failures that concern every repo alike (a rejected token), which stop the tick.
///
/// Writes happen in a fixed order — executor dispatch, `in_progress_label`, run record comment —
/// and every step is safe to repeat, so a tick killed anywhere is completed by the next one:
/// - killed before the label: the issue is still ready and unlocked; its thread exists under
///   the deterministic id with no record, so ``resumeInterrupted`` finishes it first;
/// - killed before the record: the issue holds the lock with no record; ``finishRecords``
///   writes it from the thread the executor holds.
public struct PollerTick: Sendable {
    let tracker: any Tracker
    let lanes: RepoLanes
    let settings: TickSettings
    let logger: Logger
    let now: @Sendable () -> Date
    /// The tick's deadline and stop request; nil runs unbounded (tests).
    let tickGuard: TickGuard?
    /// The doorbells, for a repository's circuit breaker opening.
    let notifiers: [any Notifier]

    init(
        tracker: any Tracker,
        lanes: RepoLanes,
        settings: TickSettings,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() },
        tickGuard: TickGuard? = nil,
        notifiers: [any Notifier] = []
    ) {
        self.notifiers = notifiers
        self.tickGuard = tickGuard
        self.tracker = tracker
        self.lanes = lanes
        self.settings = settings
        self.logger = logger
        self.now = now
    }

    /// What the searches found before any repository is worked on.
    struct Survey: Sendable {
        /// The repositories to visit, in allowlist order.
        var busy: [RepoRef]
        /// The lock holders across the allowlist; nil when search could not answer.
        var held: [TrackerIssue]?
    }

    /// Finds the repositories with ready issues or lock holders: two searches at once for the
    /// whole allowlist, or every repository when search cannot answer. It only reads, so the tick
    /// program runs it while the token's identity is being confirmed.
    static func survey(
        _ repos: [RepoRef],
        tracker: any Tracker,
        labels: DispatchLabels,
        lanes: RepoLanes,
        logger: Logger
    ) async -> Survey {
        guard repos.count > 1 else { return Survey(busy: repos) }
        async let readySearch = tracker.searchIssues(labeled: labels.ready, state: .open, updatedSince: nil, in: repos)
        async let lockedSearch = tracker.searchIssues(
            labeled: labels.inProgress,
            state: .open,
            updatedSince: nil,
            in: repos
        )
        // Both awaited: leaving one unawaited would cancel its request mid-flight.
        let (readyFound, lockedFound) = await (readySearch, lockedSearch)
        guard let ready = readyFound, let locked = lockedFound else { return Survey(busy: repos) }
        // A repository with a dashboard is visited every tick: its controls may have been ticked.
        let dashboards = repos.filter { lanes.lane(for: $0).dashboardTitle != nil }.map(\.slug)
        let found = Set((ready + locked).filter { !$0.isPullRequest }.map(\.ref.repo.slug) + dashboards)
        let busy = Discovery.busy(repos, found: found)
        logger.debug("search found work in \(busy.count) of \(repos.count) repositories")
        return Survey(busy: busy, held: locked)
    }

    /// Works on the repositories the survey found (``survey(_:tracker:labels:lanes:logger:)``,
    /// made here when not given) concurrently. Search may lag behind a label change, which can
    /// delay a dispatch by a tick; the lock itself is always read per repository.
    func run(repos: [RepoRef], survey given: Survey? = nil) async -> TickReport {
        let survey: Survey
        if let given {
            survey = given
        } else {
            survey = await Self.survey(repos, tracker: tracker, labels: settings.labels, lanes: lanes, logger: logger)
        }
        let (busy, held) = (survey.busy, survey.held)
        var allowance: DispatchAllowance?
        if !settings.caps.isEmpty, !busy.isEmpty {
            let counted = await DispatchAllowance.count(
                settings.caps,
                tracker: tracker,
                labels: settings.labels,
                botLogin: settings.botLogin,
                repos: repos,
                held: held,
                now: now()
            )
            allowance = DispatchAllowance(
                counted ?? .init(slots: 0, reason: "the runs in flight could not be counted against the fleet caps")
            )
            if let counted, counted.slots == 0, let reason = counted.reason {
                logger.notice("dispatching paused: \(reason)")
            }
        }
        let capped = allowance
        return await RepoLoop.run(
            program: "afk-poller",
            dryRun: settings.dryRun,
            repos: busy,
            logger: logger,
            tickGuard: tickGuard,
            concurrency: settings.concurrency,
            budget: settings.budget(tickGuard)
        ) { repo, logger throws(ServiceError) in
            (try await RepoTick(tick: self, repo: repo, logger: logger, allowance: capped).run(), [])
        }
    }
}

/// The tick's work for one repository.
struct RepoTick {
    let tick: PollerTick
    let repo: RepoRef
    let logger: Logger
    /// The fleet caps' dispatches left this tick; nil: no cap.
    var allowance: DispatchAllowance? = nil
    /// The lock holders and their records as this tick reads and writes them (for the dashboard).
    let ledger = RunLedger()
    var labels: DispatchLabels { tick.settings.labels }
    var dryRun: Bool { tick.settings.dryRun }
    /// This repository's agent runtime.
    var lane: RepoLane { tick.lanes.lane(for: repo) }
    var executor: any Executor { lane.executor }

    var action: ActionReporter { ActionReporter(repo: repo, logger: logger, dryRun: dryRun) }

    /// With a dashboard: open it and act on its controls and commands first, decide with what it
    /// says (paused, the circuit breaker, the issue to dispatch next), then show the outcome there.
    func run() async throws(ServiceError) -> [TickReport.Action] {
        guard let title = lane.dashboardTitle else { return try await decide(first: nil, paused: nil) }
        let desk = RepoDashboard(tick: tick, repo: repo, logger: logger, title: title, breakerRuns: lane.breakerRuns)
        var board = try await desk.open()
        let ended = try await desk.endedRuns()
        desk.checkBreaker(&board, ended: ended)
        if board.breakerJustOpened { await desk.ringBreaker(board) }
        let actions = try await decide(first: board.state.dispatchNext, paused: board.paused)
        if actions.contains(where: { $0.action == .dispatch && $0.issue == board.state.dispatchNext }) {
            board.state.dispatchNext = nil
        }
        try await desk.publish(board, actions: actions, ended: ended, holders: ledger.holders)
        return actions
    }

    func decide(first: Int?, paused: String?) async throws(ServiceError) -> [TickReport.Action] {
        // The labels a dispatch writes must exist before anything is started (Forgejo creates none).
        try await tick.tracker.requireLabels([labels.ready, labels.inProgress], in: repo)
        // The lock is queried, not derived from the ready set; both lists are read at once.
        let (lockHolders, ready) = try await readLockAndReady()
        ledger.listed(lockHolders + ready)
        for holder in lockHolders { ledger.locked(holder.number) }
        var actions: [TickReport.Action] = []
        if !lockHolders.isEmpty {
            actions += try await finishRecords(of: lockHolders)
        }
        let plan = DispatchPolicy.rank(
            ready: ready,
            lockHolders: lockHolders.map(\.number),
            labels: labels,
            first: first,
            paused: paused
        )
        if lockHolders.isEmpty, let resumed = try await resumeInterrupted(ready: ready) {
            actions.append(resumed.action)
            for decision in plan.freeSkips
                + plan.candidates.map({ DispatchDecision(issue: $0.ref, verdict: .dispatch) })
            where decision.issue != resumed.issue {
                let reason: SkipReason
                if case .skip(let free) = decision.verdict {
                    reason = free
                } else {
                    reason = .slotTaken(by: resumed.issue.number)
                }
                actions.append(action(decision.issue.number, .skip, reason.description))
            }
            return actions.sorted { $0.issue < $1.issue }
        }

        if !lockHolders.isEmpty {
            // A lock holder whose record was just finished is reported once, as that action.
            let finished = Set(actions.map(\.issue))
            for decision in plan.freeSkips where !finished.contains(decision.issue.number) {
                if case .skip(let reason) = decision.verdict {
                    actions.append(action(decision.issue.number, .skip, reason.description))
                }
            }
            return actions.sorted { $0.issue < $1.issue }
        }

        var verdicts: [Int: GateVerdict] = [:]
        var reasons: [Int: String] = [:]
        if plan.nextToEvaluate(given: verdicts) != nil, !tick.tracker.permissionReadProvesWriteAccess {
            // Before any gate: a token that may not push cannot be trusted to lock what it starts.
            // Once per repository, as a configuration problem. Where the trust gate's permission
            // lookup proves it (GitHub refuses that lookup to such a token, naming the access
            // needed), only a dispatch that passed the gate can start an agent, so this read is spared.
            try await requireTrackerWrites()
        }
        while let candidate = plan.nextToEvaluate(given: verdicts) {
            let (verdict, why) = try await evaluate(candidate)
            verdicts[candidate.number] = verdict
            reasons[candidate.number] = why
        }
        for decision in plan.decisions(given: verdicts) {
            switch decision.verdict {
            case .skip(let reason):
                actions.append(action(decision.issue.number, .skip, reason.description))
            case .dispatch:
                guard let issue = plan.winner(given: verdicts) else { continue }
                if let capped = allowance?.take() {
                    actions.append(action(issue.number, .skip, SkipReason.fleetCap(capped).description))
                    continue
                }
                actions.append(try await dispatch(issue, gates: reasons[issue.number] ?? "all gates passed"))
            }
        }
        return actions.sorted { $0.issue < $1.issue }
    }

    /// The open lock holders (pull requests left out) and the open ready issues, read concurrently.
    func readLockAndReady() async throws(ServiceError) -> (lockHolders: [TrackerIssue], ready: [TrackerIssue]) {
        let tracker = tick.tracker
        let (repo, labels) = (repo, labels)
        async let locked = ServiceError.capture { () async throws(ServiceError) in
            try await tracker.openIssues(in: repo, labeled: labels.inProgress)
        }
        async let ready = ServiceError.capture { () async throws(ServiceError) in
            try await tracker.openIssues(in: repo, labeled: labels.ready)
        }
        // Both awaited before either error is thrown: an unawaited one would be cancelled mid-flight.
        let (lockedResult, readyResult) = await (locked, ready)
        return (try lockedResult.get().filter { !$0.isPullRequest }, try readyResult.get())
    }

    // MARK: - Gates

    /// Trust first, then blockers (``DispatchGates``).
    func evaluate(_ issue: TrackerIssue) async throws(ServiceError) -> (GateVerdict, String) {
        try await DispatchGates(tracker: tick.tracker, ready: labels.ready, repo: repo).evaluate(issue)
    }

    // MARK: - Acting

    func dispatch(_ issue: TrackerIssue, gates: String) async throws(ServiceError) -> TickReport.Action {
        // An issue the listing showed without comments has no run record to number from.
        let history = RunHistory(
            comments: issue.commentCount == 0 ? [] : try await tick.tracker.comments(on: issue.ref),
            botLogin: tick.settings.botLogin
        )
        let identity = RunIdentity(issue: issue.ref, run: history.nextRun)
        let reason = "run \(identity.run), thread \(identity.threadID): \(gates)"
        if dryRun { return action(issue.number, .dispatch, reason, run: identity.run) }
        let dispatchedAt = Timestamp.format(tick.now())
        let request = DispatchRequest(
            issue: issue,
            identity: identity,
            preamble: tick.settings.preamble,
            createdAt: dispatchedAt,
            branch: lane.branch(issue: issue.number, run: identity.run)
        )
        if executor.submissionIsIdempotent {
            let run = try await executor.dispatch(request)
            try await stamp(issue.ref, run: run, dispatchedAt: dispatchedAt, resumed: false)
        } else {
            try await dispatchRecordFirst(issue.ref, request: request, dispatchedAt: dispatchedAt)
        }
        return action(issue.number, .dispatch, reason, run: identity.run)
    }

    /// For runtimes without an idempotency key (job runner, Claudomator): the lock, then the
    /// record (`submitted: false`, the run's deterministic id as `thread_id`), then the
    /// submission, then the job's id in the record. A tick that stops in between leaves a
    /// record that says so, which the watcher escalates; no tick ever submits the run again.
    /// A submission refused outright (the runner answered, or could not be reached at all) is
    /// taken back: the record says the run never started and the lock comes off.
    func dispatchRecordFirst(_ ref: IssueRef, request: DispatchRequest, dispatchedAt: String) async throws(ServiceError)
    {
        try await tick.tracker.addLabels([labels.inProgress], to: ref)
        var record = RunRecord(
            run: request.identity.run,
            executor: executor.kind,
            threadID: request.identity.threadID,
            dispatchedAt: dispatchedAt
        )
        record.submitted = false
        record.awaitingTurn = AwaitedTurn(after: nil)
        record.branch = request.branch
        let context = RunComment.Context(issue: ref, executorName: executor.serviceName, threadURL: nil, resumed: false)
        let number = request.identity.run
        let comment = try await tick.tracker.createComment(
            on: ref,
            body: RunComment.dispatched(record: record, context: context),
            by: tick.settings.botLogin,
            isSame: { RunHistory.isRecord(ofRun: number, $0) }
        )
        ledger.recorded(ref.number, record)
        let run: ExecutorRun
        do {
            run = try await executor.dispatch(request)
        } catch  where !error.outcomeUnknown {
            record.phase = .notStarted
            record.note = "\(executor.serviceName) did not take the job: \(error.description)"
            try await tick.tracker.updateComment(
                comment.id,
                in: ref.repo,
                body: RunComment.render(record: record, context: context)
            )
            try await tick.tracker.removeLabel(labels.inProgress, from: ref)
            ledger.unlocked(ref.number)
            throw error
        }
        record.threadID = run.threadID
        record.submitted = nil
        try await tick.tracker.updateComment(
            comment.id,
            in: ref.repo,
            body: RunComment.render(
                record: record,
                context: .init(
                    issue: ref,
                    executorName: executor.serviceName,
                    threadURL: executor.link(to: run.identity),
                    resumed: false
                )
            )
        )
        ledger.recorded(ref.number, record)
    }

    /// Checked right before an agent is started: a token that may read the repository but not
    /// write its issues would leave the agent running with no lock and no record.
    func requireTrackerWrites() async throws(ServiceError) {
        switch try await tick.tracker.access(to: repo) {
        case .write, .unknown:
            return
        case .readOnly:
            throw ServiceError(
                service: tick.tracker.serviceName,
                kind: .misconfigured,
                message: "afk's token needs push access (the write, maintain or admin role) to \(repo), and has less: "
                    + "give \(tick.settings.botLogin) that role on the repository (triage and read are not enough)"
            )
        case .notFound:
            throw ServiceError(
                service: tick.tracker.serviceName,
                kind: .misconfigured,
                message: "repository \(repo) does not exist or the token cannot see it"
            )
        }
    }

    /// Adds the lock label, then writes the run record. Both are the last steps of a dispatch.
    func stamp(_ ref: IssueRef, run: ExecutorRun, dispatchedAt: String, resumed: Bool) async throws(ServiceError) {
        try await tick.tracker.addLabels([labels.inProgress], to: ref)
        try await writeRecord(ref, run: run, dispatchedAt: dispatchedAt, resumed: resumed)
    }

    func writeRecord(_ ref: IssueRef, run: ExecutorRun, dispatchedAt: String, resumed: Bool) async throws(ServiceError)
    {
        var record = RunRecord(
            run: run.identity.run,
            executor: executor.kind,
            threadID: run.threadID,
            dispatchedAt: dispatchedAt
        )
        record.awaitingTurn = AwaitedTurn(after: nil)  // its first turn
        record.branch = lane.branch(issue: ref.number, run: run.identity.run)
        let body = RunComment.dispatched(
            record: record,
            context: .init(
                issue: ref,
                executorName: executor.serviceName,
                threadURL: executor.link(to: run.identity),
                resumed: resumed
            )
        )
        let number = run.identity.run
        _ = try await tick.tracker.createComment(
            on: ref,
            body: body,
            by: tick.settings.botLogin,
            isSame: { RunHistory.isRecord(ofRun: number, $0) }
        )
        ledger.recorded(ref.number, record)
    }

    /// A ready issue whose thread exists under an unrecorded run number was being dispatched
    /// when a tick died before stamping the lock. Finish that dispatch before anything else,
    /// so that a different issue never wins the slot while that agent is running.
    func resumeInterrupted(ready: [TrackerIssue]) async throws(ServiceError) -> (
        issue: IssueRef, action: TickReport.Action
    )? {
        let issues = ready.filter { !$0.isPullRequest && $0.state == .open }
        guard !issues.isEmpty else { return nil }
        let runs = try await executor.existingRuns(in: repo)
        for issue in issues.sorted(by: { $0.number < $1.number }) {
            let threads = runs.values.filter { $0.identity.issue.number == issue.number }
            guard !threads.isEmpty else { continue }
            let history = RunHistory(
                comments: try await tick.tracker.comments(on: issue.ref),
                botLogin: tick.settings.botLogin
            )
            guard let unrecorded = history.unrecorded(among: threads.map(\.identity)), let newest = runs[unrecorded]
            else { continue }
            let reason =
                "resumed the interrupted dispatch of run \(newest.identity.run): thread \(newest.threadID) already existed without a record"
            if dryRun { return (issue.ref, action(issue.number, .dispatch, reason, run: newest.identity.run)) }
            try await requireTrackerWrites()
            let dispatchedAt = newest.createdAt ?? Timestamp.format(tick.now())
            // Re-sending is idempotent and starts the first turn if the tick died before it.
            let request = DispatchRequest(
                issue: issue,
                identity: newest.identity,
                preamble: tick.settings.preamble,
                createdAt: dispatchedAt,
                branch: lane.branch(issue: issue.number, run: newest.identity.run)
            )
            let run = try await executor.dispatch(request)
            try await stamp(issue.ref, run: run, dispatchedAt: dispatchedAt, resumed: true)
            return (issue.ref, action(issue.number, .dispatch, reason, run: newest.identity.run))
        }
        return nil
    }

    /// A lock holder without a record: the tick that dispatched it died between the label and
    /// the comment. Write the record from the executor's thread. With no thread to be found
    /// the poller leaves it to the watcher, which escalates it. Finishing an interrupted dispatch
    /// is the poller's alone and the watcher only escalates, so the two never race into a double action.
    func finishRecords(of holders: [TrackerIssue]) async throws(ServiceError) -> [TickReport.Action] {
        var actions: [TickReport.Action] = []
        var runs: [RunIdentity: ExecutorRun]?
        for holder in holders {
            let history = RunHistory(
                comments: try await tick.tracker.comments(on: holder.ref),
                botLogin: tick.settings.botLogin
            )
            ledger.recorded(holder.number, history.latest?.record)
            // A malformed record is the watcher's to escalate; never write over it.
            guard history.malformed.isEmpty else { continue }
            if runs == nil { runs = try await executor.existingRuns(in: repo) }
            let threads = (runs ?? [:]).values.filter { $0.identity.issue.number == holder.number }
            if threads.isEmpty, history.entries.isEmpty {
                logger.warning(
                    "#\(holder.number) carries \(labels.inProgress) but has no run record and no thread; leaving it to the watcher"
                )
            }
            guard let unrecorded = history.unrecorded(among: threads.map(\.identity)), let newest = runs?[unrecorded]
            else { continue }
            let reason =
                "recorded run \(newest.identity.run) (thread \(newest.threadID)): the dispatching tick stopped before writing its record"
            if !dryRun {
                let dispatchedAt = newest.createdAt ?? Timestamp.format(tick.now())
                if !newest.turnStarted {
                    let request = DispatchRequest(
                        issue: holder,
                        identity: newest.identity,
                        preamble: tick.settings.preamble,
                        createdAt: dispatchedAt,
                        branch: lane.branch(issue: holder.number, run: newest.identity.run)
                    )
                    _ = try await executor.dispatch(request)
                }
                try await writeRecord(holder.ref, run: newest, dispatchedAt: dispatchedAt, resumed: true)
            }
            actions.append(action(holder.number, .dispatch, reason, run: newest.identity.run))
        }
        return actions
    }

}
