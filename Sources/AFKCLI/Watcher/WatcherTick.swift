import AFKAdapters
import AFKCore
import Foundation
import Logging
import Synchronization

/// One watcher tick: for every in-flight run of each allowlisted repo, gather evidence (agent
/// state, the pushed commit, its CI), ask ``RunStateMachine`` what to do, and act.
///
/// Every transition is written to the run record first, with the effects it implies listed as
/// `pending`; the effects are then performed in order and struck off. A tick killed anywhere
/// leaves either the old record (the next tick decides again, identically) or a record with
/// pending effects (the next tick completes them). Effects are idempotent — corrective turns and
/// re-dispatches by command id, label changes and closing by nature, audit comments by a hidden
/// marker — so nothing is done twice; a doorbell is struck off right after it goes through.
public struct WatcherTick: Sendable {
    let tracker: any Tracker
    let lanes: RepoLanes
    let notifiers: [any Notifier]
    let settings: TickSettings
    let logger: Logger
    let now: @Sendable () -> Date
    /// The tick's deadline and stop request; nil runs unbounded (tests).
    let tickGuard: TickGuard?

    init(
        tracker: any Tracker,
        lanes: RepoLanes,
        notifiers: [any Notifier],
        settings: TickSettings,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() },
        tickGuard: TickGuard? = nil
    ) {
        self.tickGuard = tickGuard
        self.tracker = tracker
        self.lanes = lanes
        self.notifiers = notifiers
        self.settings = settings
        self.logger = logger
        self.now = now
    }

    /// What the searches found before any repository is read: nil `findings` when search was
    /// not used (one repository, one issue) or could not answer.
    struct Survey: Sendable {
        var findings: WatchFindings?
    }

    /// Finds the repositories with runs (``WatchFindings``: two searches at once for the whole
    /// allowlist). It only reads, so the tick program runs it while the token's identity is
    /// being confirmed.
    static func survey(
        _ repos: [RepoRef],
        onlyIssue: Int?,
        tracker: any Tracker,
        labels: DispatchLabels,
        since: Date
    ) async -> Survey {
        guard onlyIssue == nil, repos.count > 1 else { return Survey() }
        return Survey(findings: await WatchFindings.search(tracker, labels: labels, in: repos, since: since))
    }

    /// Finds the repositories with runs (``survey(_:onlyIssue:tracker:labels:since:)``, made here
    /// when not given; every repository when search cannot answer), reads their runs concurrently,
    /// asks each agent runtime once about every thread of the tick, then decides and acts per
    /// repository, concurrently, each repository's runs in order.
    func run(repos: [RepoRef], onlyIssue: Int? = nil, survey given: Survey? = nil) async -> TickReport {
        let survey: Survey
        if let given {
            survey = given
        } else {
            survey = await Self.survey(
                repos,
                onlyIssue: onlyIssue,
                tracker: tracker,
                labels: settings.labels,
                since: owedSince
            )
        }
        let findings = survey.findings
        let busy = findings.map { Discovery.busy(repos, found: $0.repos) } ?? repos
        let gathered = Mutex<[String: RepoWatch.Gathered]>([:])
        var report = await RepoLoop.run(
            program: "afk-watcher",
            dryRun: settings.dryRun,
            repos: busy,
            logger: logger,
            tickGuard: tickGuard,
            concurrency: settings.concurrency,
            budget: settings.budget(tickGuard)
        ) { repo, logger throws(ServiceError) in
            let runs = try await RepoWatch(tick: self, repo: repo, logger: logger)
                .gather(onlyIssue: onlyIssue, findings: findings)
            gathered.withLock { $0[repo.slug] = runs }
            return ([], [])
        }
        let read = gathered.withLock { $0 }
        let (agents, stop) = await observeAgents(read)
        if let stop {
            report.errors.append(.init(repo: nil, message: stop.description + "; stopped the tick"))
            return report
        }
        let decided = await RepoLoop.run(
            program: "afk-watcher",
            dryRun: settings.dryRun,
            repos: busy.filter { read[$0.slug] != nil },
            logger: logger,
            tickGuard: tickGuard,
            concurrency: settings.concurrency
        ) { repo, logger throws(ServiceError) in
            guard let runs = read[repo.slug] else { return ([], []) }
            let executor = lanes.lane(for: repo).executor
            return try await RepoWatch(tick: self, repo: repo, logger: logger)
                .finish(runs, agents: agents[ObjectIdentifier(executor as AnyObject)] ?? .init())
        }
        report.actions += decided.actions
        report.errors += decided.errors
        report.deferred += decided.deferred
        return report
    }

    /// Since when an ended run may still owe an effect (a doorbell that failed).
    var owedSince: Date { now().addingTimeInterval(-settings.owedDoorbellWindowSeconds) }

    /// What each agent runtime said about the threads of this tick's runs, asked once per runtime
    /// (not once per repository). An unreachable runtime is not a failed run: its runs wait.
    /// A rejected token (``ServiceError/stopsTick``) is returned instead: it stops the tick.
    func observeAgents(_ gathered: [String: RepoWatch.Gathered]) async -> (
        [ObjectIdentifier: AgentObservation], ServiceError?
    ) {
        var byExecutor: [ObjectIdentifier: (any Executor, [String])] = [:]
        for (slug, runs) in gathered.sorted(by: { $0.key < $1.key }) {
            guard let repo = RepoRef(parsing: slug) else { continue }
            let executor = lanes.lane(for: repo).executor
            let key = ObjectIdentifier(executor as AnyObject)
            byExecutor[key, default: (executor, [])].1 += runs.threadIDs(observedBy: executor.kind)
        }
        var observed: [ObjectIdentifier: AgentObservation] = [:]
        for (key, (executor, threadIDs)) in byExecutor where !threadIDs.isEmpty {
            do {
                observed[key] = AgentObservation(reports: try await executor.observe(threadIDs: threadIDs))
            } catch {
                if error.stopsTick { return (observed, error) }
                logger.warning(
                    "\(executor.serviceName) could not be asked about \(threadIDs.count) thread(s): \(error.description)"
                )
                observed[key] = AgentObservation(down: error.description)
            }
        }
        return (observed, nil)
    }
}

/// What one agent runtime said this tick about the threads it was asked about.
struct AgentObservation: Sendable {
    var reports: [String: AgentReport] = [:]
    /// Why the runtime could not be asked, when it could not.
    var down: String?
}

/// The repositories a watcher tick looks at, and the issues it looks at there, found by a few
/// searches over the whole allowlist: runs holding the lock (open, or closed by the forge), and
/// ended runs that may still owe an effect. Nil from ``search`` when the tracker cannot search:
/// every repository is then listed as before.
struct WatchFindings: Sendable {
    var inFlight: [String: [TrackerIssue]] = [:]
    var owed: [String: [TrackerIssue]] = [:]

    var repos: Set<String> { Set(inFlight.keys).union(owed.keys) }

    static func search(_ tracker: any Tracker, labels: DispatchLabels, in repos: [RepoRef], since: Date) async
        -> WatchFindings?
    {
        // Both at once. The ready label stays on a dispatched issue: of those updated within the
        // window, the ended runs are the closed ones and the open ones handed to a human.
        async let lockedSearch = tracker.searchIssues(
            labeled: labels.inProgress,
            state: nil,
            updatedSince: nil,
            in: repos
        )
        async let recentSearch = tracker.searchIssues(labeled: labels.ready, state: nil, updatedSince: since, in: repos)
        // Both awaited: leaving one unawaited would cancel its request mid-flight.
        let (lockedFound, recentFound) = await (lockedSearch, recentSearch)
        guard let locked = lockedFound, let recent = recentFound else { return nil }
        var findings = WatchFindings()
        for issue in locked where !issue.isPullRequest {
            findings.inFlight[issue.ref.repo.slug, default: []].append(issue)
        }
        for issue in recent where !issue.isPullRequest && (issue.state == .closed || issue.hasLabel(labels.human)) {
            findings.owed[issue.ref.repo.slug, default: []].append(issue)
        }
        return findings
    }
}

/// One run as found in the tracker: the issue, its comments, and which of them is the run
/// record (``RunHistory/current``).
struct TrackedRun: Sendable {
    let issue: TrackerIssue
    let comments: [TrackerComment]
    let record: CurrentRecord

    init(issue: TrackerIssue, comments: [TrackerComment], botLogin: String) {
        self.issue = issue
        self.comments = comments
        self.record = RunHistory(comments: comments, botLogin: botLogin).current
    }
}

/// The watcher's work for one repository.
struct RepoWatch {
    let tick: WatcherTick
    let repo: RepoRef
    let logger: Logger
    var labels: DispatchLabels { tick.settings.labels }
    var dryRun: Bool { tick.settings.dryRun }
    /// This repository's runtime, limits and deploy stages.
    var lane: RepoLane { tick.lanes.lane(for: repo) }
    var executor: any Executor { lane.executor }

    var action: ActionReporter { ActionReporter(repo: repo, logger: logger, dryRun: dryRun) }
    /// The default branch's name once read: only pull-request landing needs it (commits on the
    /// default branch are listed without it), and it is read at most once per repository and tick.
    let knownDefaultBranch = KnownBranch()

    final class KnownBranch: Sendable {
        let name = Mutex<String?>(nil)
    }

    func defaultBranch() async throws(ServiceError) -> String {
        if let known = knownDefaultBranch.name.withLock({ $0 }) { return known }
        let read = try await tick.tracker.defaultBranch(of: repo)
        knownDefaultBranch.name.withLock { $0 = read }
        return read
    }

    /// A repository's in-flight runs as read this tick, and the ended runs that may still owe an
    /// effect (nil: list them).
    struct Gathered: Sendable {
        let runs: [TrackedRun]
        let inFlight: Set<Int>
        let owed: [TrackerIssue]?
        let onlyIssue: Int?

        /// The threads to ask `kind`'s runtime about: runs with a readable record, nothing owed,
        /// started there and confirmed submitted.
        func threadIDs(observedBy kind: String) -> [String] {
            runs.compactMap { run -> String? in
                if case .valid(let record, _) = run.record, record.pending?.isEmpty ?? true, record.executor == kind,
                    record.submitted != false
                {
                    return record.threadID
                }
                return nil
            }
        }
    }

    /// Reads the repository's in-flight runs: from the tick's searches when they answered, else
    /// by listing the lock holders (open, and closed by the forge within the owed window).
    func gather(onlyIssue: Int?, findings: WatchFindings?) async throws(ServiceError) -> Gathered {
        // Escalating writes the human label; none of a run's effects may fail for a missing label.
        try await tick.tracker.requireLabels([labels.inProgress, labels.human], in: repo)
        // A run's issue may be closed by the forge before afk closes it: GitHub and Forgejo close
        // an issue when a commit or a merged pull request that says `Closes #N` reaches the
        // default branch. Such a run still carries the lock and is finished like any other.
        var candidates: [TrackerIssue]
        if let findings {
            candidates = findings.inFlight[repo.slug] ?? []
        } else {
            candidates = try await tick.tracker.openIssues(in: repo, labeled: labels.inProgress)
            candidates += try await tick.tracker.recentIssues(
                in: repo,
                labeled: labels.inProgress,
                state: .closed,
                updatedSince: tick.owedSince
            )
        }
        var seen = Set<Int>()
        let inFlight = candidates.filter {
            !$0.isPullRequest && (onlyIssue == nil || $0.number == onlyIssue) && seen.insert($0.number).inserted
        }
        var runs: [TrackedRun] = []
        for issue in inFlight.sorted(by: { $0.number < $1.number }) {
            runs.append(
                TrackedRun(
                    issue: issue,
                    comments: try await tick.tracker.comments(on: issue.ref),
                    botLogin: tick.settings.botLogin
                )
            )
        }
        return Gathered(
            runs: runs,
            inFlight: Set(inFlight.map(\.number)),
            owed: findings.map { $0.owed[repo.slug] ?? [] },
            onlyIssue: onlyIssue
        )
    }

    /// One repository on its own (`afk explain`): read, ask the runtime, decide.
    func run(onlyIssue: Int?) async throws(ServiceError) -> ([TickReport.Action], [TickReport.Failure]) {
        let gathered = try await gather(onlyIssue: onlyIssue, findings: nil)
        let (agents, stop) = await tick.observeAgents([repo.slug: gathered])
        if let stop { throw stop }
        return try await finish(gathered, agents: agents[ObjectIdentifier(executor as AnyObject)] ?? .init())
    }

    /// Decides and acts on each gathered run, in order, with what the runtime said about it.
    func finish(_ gathered: Gathered, agents observed: AgentObservation) async throws(ServiceError) -> (
        [TickReport.Action], [TickReport.Failure]
    ) {
        let runs = gathered.runs
        let onlyIssue = gathered.onlyIssue
        let agents = observed.reports
        let executorDown = observed.down
        var actions: [TickReport.Action] = []
        var failures: [TickReport.Failure] = []
        var existing: [RunIdentity: ExecutorRun]?
        // The default branch's rules, read at most once per repository and tick.
        var rules: BranchRules?

        for run in runs {
            if let reason = tick.tickGuard?.haltReason {
                failures.append(
                    .init(repo: repo.description, message: "#\(run.issue.number) not watched this tick: \(reason)")
                )
                continue
            }
            do {
                switch run.record {
                case .none(let nextRun):
                    if existing == nil { existing = try await executor.existingRuns(in: repo) }
                    actions.append(try await recordless(run, nextRun: nextRun, threads: existing ?? [:]))
                case .malformed(let error, let commentID):
                    actions.append(
                        try await escalateWithNewRecord(
                            run,
                            run: nil,
                            why:
                                "the run record in comment \(commentID) cannot be read (\(error)); a human must check this run"
                        )
                    )
                case .valid(let record, let commentID):
                    if let pending = record.pending, !pending.isEmpty {
                        actions.append(try await finishPending(run, record: record, commentID: commentID))
                        continue
                    }
                    if let command = pendingCommand(run, record: record) {
                        let state = agents[record.threadID]?.state ?? .unknown("not asked")
                        actions.append(
                            try await obey(command, run: run, record: record, commentID: commentID, agent: state)
                        )
                        continue
                    }
                    let agent: AgentReport
                    if let changed = RuntimeChange.agentState(
                        recorded: record.executor,
                        configured: executor.kind,
                        repo: repo
                    ) {
                        agent = AgentReport(changed)
                    } else {
                        agent =
                            executorDown.map {
                                AgentReport(.unknown("\(executor.serviceName) could not be asked: \($0)"))
                            }
                            ?? agents[record.threadID]
                            ?? AgentReport(.unknown("no answer for thread \(record.threadID)"))
                    }
                    actions.append(
                        try await advance(
                            run,
                            record: record,
                            commentID: commentID,
                            agent: agent,
                            rules: &rules
                        )
                    )
                }
            } catch {
                if error.stopsTick { throw error }
                logger.error("#\(run.issue.number): \(error.description)")
                failures.append(.init(repo: repo.description, message: "#\(run.issue.number): \(error.description)"))
            }
        }
        if onlyIssue == nil, tick.tickGuard?.haltReason == nil {
            actions += try await settleOwedEffects(skipping: gathered.inFlight, candidates: gathered.owed)
        }
        return (actions.sorted { $0.issue < $1.issue }, failures)
    }

    // MARK: - Deciding

    /// The pushed commit's verdict, folded from the lane's stages in order (build → deploy →
    /// rollout), and a one-line summary naming every stage, unobserved ones included. A stage
    /// that cannot be asked reads as pending (logged), never as failed.
    func verdict(of sha: String, issue: Int) async throws(ServiceError) -> (CIVerdict, String) {
        let logger = self.logger
        let outcomes = try await StageProbes.read(
            sha: sha,
            in: repo,
            stages: lane.stages.ordered,
            onError: { stage, error in
                logger.warning("#\(issue): could not read the \(stage.rawValue) stage: \(error.description)")
            }
        )
        return (DeployStages.verdict(outcomes), DeployStages.summary(outcomes))
    }

    func advance(
        _ run: TrackedRun,
        record: RunRecord,
        commentID: Int64,
        agent: AgentReport,
        rules: inout BranchRules?
    ) async throws(ServiceError) -> TickReport.Action {
        let now = tick.now()
        var pushed: String?
        var ci = CIVerdict.pending
        var stages: String?
        var landing: PullRequestEvidence?
        if record.landsThroughPullRequest, let dispatchedAt = Timestamp.parse(record.dispatchedAt) {
            let observed = try await observeLanding(
                run,
                record: record,
                dispatchedAt: dispatchedAt,
                defaultBranch: try await defaultBranch(),
                rules: &rules
            )
            (pushed, ci, stages, landing) = (observed.sha, observed.ci, observed.stages, observed.evidence)
        } else if let dispatchedAt = Timestamp.parse(record.dispatchedAt) {
            let commits = try await tick.tracker.commits(
                in: repo,
                branch: nil,
                since: dispatchedAt.addingTimeInterval(-1)
            )
            let hints = PushedCommit.hints(in: run.comments.map(\.body))
            if let commit = PushedCommit.find(
                in: commits,
                issue: run.issue.ref,
                dispatchedAt: dispatchedAt,
                hints: hints
            ) {
                pushed = commit.sha
                (ci, stages) = try await verdict(of: commit.sha, issue: run.issue.number)
            }
        }
        let observation = RunObservation(
            record: record,
            agent: agent.state,
            pushedSHA: pushed,
            ci: ci,
            paused: run.issue.hasLabel(labels.paused),
            now: now,
            turn: agent.turn,
            turnStartFailure: agent.turnStartFailure,
            landing: landing
        )
        let decision = RunStateMachine.decide(observation, limits: lane.limits)
        var deleteBranch = true
        if case .pullRequest(let settings) = lane.landing { deleteBranch = settings.deleteBranch }
        let next = RunStateMachine.apply(
            decision,
            to: record,
            observation: observation,
            channels: channels,
            issue: run.issue.ref,
            deleteBranch: deleteBranch
        )
        let result = action(
            run.issue.number,
            decision.action,
            decision.reason + (stages.map { " [\($0)]" } ?? ""),
            run: record.run
        )
        if dryRun { return result }
        if next != record {
            try await tick.tracker.updateComment(commentID, in: repo, body: render(next, run))
        }
        if let pending = next.pending, !pending.isEmpty {
            _ = try await perform(pending, run: run, record: next, commentID: commentID)
        }
        return result
    }

    /// An in-progress issue with no run record. If the executor holds a thread under the
    /// run's deterministic id, the poller is finishing that dispatch: leave it. Otherwise
    /// escalate and say why. Finishing an interrupted dispatch is the poller's alone, so the two
    /// never race into a double action.
    func recordless(_ run: TrackedRun, nextRun: Int, threads: [RunIdentity: ExecutorRun]) async throws(ServiceError)
        -> TickReport.Action
    {
        let identity = RunIdentity(issue: run.issue.ref, run: nextRun)
        let history = RunHistory(comments: run.comments, botLogin: tick.settings.botLogin)
        if history.unrecorded(among: threads.keys.filter { $0.issue.number == run.issue.number }) != nil {
            return action(
                run.issue.number,
                .wait,
                "no run record yet, but \(executor.serviceName) holds its thread; the poller records it next tick"
            )
        }
        return try await escalateWithNewRecord(
            run,
            run: nextRun,
            why:
                "the issue carries \(labels.inProgress) but afk has no record of a run and \(executor.serviceName) has no thread "
                + "\(identity.threadID): the poller may have died before recording the dispatch, or the label was added by hand"
        )
    }

    /// Writes a new run record that is escalated from the start, then performs its effects.
    func escalateWithNewRecord(_ run: TrackedRun, run number: Int?, why: String) async throws(ServiceError)
        -> TickReport.Action
    {
        let runNumber = number ?? (RunHistory(comments: run.comments, botLogin: tick.settings.botLogin).nextRun)
        let result = action(run.issue.number, .escalate, why, run: runNumber)
        if dryRun { return result }
        let nowText = Timestamp.format(tick.now())
        var record = RunRecord(
            run: runNumber,
            executor: executor.kind,
            threadID: RunIdentity(issue: run.issue.ref, run: runNumber).threadID,
            dispatchedAt: nowText
        )
        record.phase = .escalated
        record.phaseSince = nowText
        record.doorbell = .needsHuman
        record.note = why
        record.pending = [.handToHuman, .unlock] + channels
        let comment = try await tick.tracker.createComment(
            on: run.issue.ref,
            body: render(record, run),
            by: tick.settings.botLogin,
            isSame: { RunHistory.isRecord(ofRun: runNumber, $0) }
        )
        _ = try await perform(record.pending ?? [], run: run, record: record, commentID: comment.id)
        return result
    }

    /// A record with pending effects: a tick was stopped after recording a transition.
    func finishPending(_ run: TrackedRun, record: RunRecord, commentID: Int64) async throws(ServiceError)
        -> TickReport.Action
    {
        let pending = record.pending ?? []
        let kind = (record.phase ?? .dispatched).reportedAction(pending: pending)
        let reason = "completing what the last tick recorded: " + pending.map(\.rawValue).joined(separator: ", ")
        if dryRun { return action(run.issue.number, kind, reason, run: record.run) }
        let left = try await perform(pending, run: run, record: record, commentID: commentID)
        return action(
            run.issue.number,
            kind,
            left.isEmpty ? reason : reason + " (still owed: " + left.map(\.rawValue).joined(separator: ", ") + ")",
            run: record.run
        )
    }

    /// Runs that already ended (closed, or handed to a human) but still owe an effect — a
    /// doorbell that failed. Scanned so a failed send is retried until it goes through.
    /// `found`: the candidates the tick's searches found here; nil: list them.
    func settleOwedEffects(skipping: Set<Int>, candidates found: [TrackerIssue]?) async throws(ServiceError)
        -> [TickReport.Action]
    {
        let since = tick.owedSince
        var candidates: [TrackerIssue]
        if let found {
            candidates = found
        } else {
            candidates = try await tick.tracker.recentIssues(
                in: repo,
                labeled: labels.human,
                state: .open,
                updatedSince: since
            )
            candidates += try await tick.tracker.recentIssues(
                in: repo,
                labeled: labels.ready,
                state: .closed,
                updatedSince: since
            )
        }
        var actions: [TickReport.Action] = []
        for issue in candidates where !issue.isPullRequest && !skipping.contains(issue.number) {
            let run = TrackedRun(
                issue: issue,
                comments: try await tick.tracker.comments(on: issue.ref),
                botLogin: tick.settings.botLogin
            )
            guard case .valid(let record, let commentID) = run.record else { continue }
            if let pending = record.pending, !pending.isEmpty {
                actions.append(try await finishPending(run, record: record, commentID: commentID))
            } else if let command = pendingCommand(run, record: record) {
                // An ended run: `/afk retry` hands it back, `/afk explain` answers.
                actions.append(
                    try await obey(command, run: run, record: record, commentID: commentID, agent: .finished)
                )
            }
        }
        return actions
    }

    // MARK: - Acting

    var channels: [RunEffect] { tick.notifiers.map(\.effect) }

    func render(_ record: RunRecord, _ run: TrackedRun) -> String {
        RunComment.render(
            record: record,
            context: .init(
                issue: run.issue.ref,
                executorName: executor.serviceName,
                threadURL: RunIdentity.parse(threadID: record.threadID).flatMap { executor.link(to: $0) },
                maxAttempts: lane.limits.maxAttempts
            )
        )
    }

    /// Performs the recorded effects in order, writing the run record where ``EffectJournal``
    /// says (before a one-shot submission, after a new handle or a doorbell, at the end). A
    /// failed doorbell stays owed without holding up the rest; any other failure stops there and
    /// is thrown after the record says what is still owed. Returns what is still owed.
    func perform(_ effects: [RunEffect], run: TrackedRun, record: RunRecord, commentID: Int64)
        async throws(ServiceError) -> [RunEffect]
    {
        var recorded = record
        recorded.pending = effects
        var journal = EffectJournal(record: recorded, submissionsAreIdempotent: executor.submissionIsIdempotent)
        var failure: ServiceError?
        while let step = journal.next() {
            if let first = step.writeFirst {
                try await tick.tracker.updateComment(commentID, in: repo, body: render(first, run))
            }
            let outcome: EffectJournal.Outcome
            do {
                if step.effect.isLanding {
                    outcome = try await performLanding(step.effect, run: run, record: journal.current)
                } else {
                    outcome = .done(handle: try await perform(step.effect, run: run, record: journal.current))
                }
            } catch {
                if let notifier = tick.notifiers.first(where: { $0.effect == step.effect }) {
                    logger.warning(
                        "#\(run.issue.number): \(notifier.serviceName) doorbell failed, will retry next tick: \(error.description)"
                    )
                } else {
                    failure = error
                }
                let what = step.effect == .redispatch ? "re-dispatch" : "corrective turn"
                outcome =
                    error.outcomeUnknown
                    ? .unknown("\(executor.serviceName) may or may not have started the \(what): \(error.message)")
                    : .refused
            }
            if let next = journal.finished(step.effect, outcome) {
                try await tick.tracker.updateComment(commentID, in: repo, body: render(next, run))
            }
        }
        if let last = journal.finalRecord() {
            try await tick.tracker.updateComment(commentID, in: repo, body: render(last, run))
        }
        if let failure { throw failure }
        return journal.owed
    }

    /// Performs one effect. Returns the handle to observe from now on when the effect started
    /// the agent anew (a corrective turn or a re-dispatch), nil otherwise.
    func perform(_ effect: RunEffect, run: TrackedRun, record: RunRecord) async throws(ServiceError) -> String? {
        let ref = run.issue.ref
        switch effect {
        case .correctiveTurn:
            let sha = record.pushedSHA ?? "?"
            return try await executor.startTurn(
                threadID: record.threadID,
                identity: RunIdentity(issue: ref, run: record.run, generation: record.redispatches ?? 0),
                turn: record.attempts + 1,
                text: CorrectiveTurn.text(
                    issue: ref,
                    sha: sha,
                    ci: record.ci ?? "red",
                    attempt: record.attempts,
                    maxAttempts: lane.limits.maxAttempts,
                    branch: record.branch,
                    pullRequest: record.pullRequest,
                    correction: record.correction ?? .build,
                    reviewQuote: record.reviewQuote
                ),
                createdAt: Timestamp.format(tick.now())
            )
        case .redispatch:
            let identity = RunIdentity(issue: ref, run: record.run, generation: record.redispatches ?? 0)
            return
                try await executor.dispatch(
                    DispatchRequest(
                        issue: run.issue,
                        identity: identity,
                        preamble: tick.settings.preamble,
                        createdAt: Timestamp.format(tick.now()),
                        branch: record.branch
                    )
                )
                .threadID
        case .close:
            try await tick.tracker.close(ref)
        case .unlock:
            try await tick.tracker.removeLabel(labels.inProgress, from: ref)
        case .handToHuman:
            try await tick.tracker.addLabels([labels.human], to: ref)
        case .audit:
            let marker = RunComment.auditMarker(record: record)
            let fresh = try await tick.tracker.comments(on: ref)
            guard
                !fresh.contains(where: {
                    $0.author.caseInsensitiveCompare(tick.settings.botLogin) == .orderedSame && $0.body.contains(marker)
                })
            else { return nil }
            _ = try await tick.tracker.createComment(
                on: ref,
                body: RunComment.audit(record: record, issue: ref, text: record.note ?? "transition"),
                by: tick.settings.botLogin,
                isSame: { $0.body.contains(marker) }
            )
        case .ringNtfy, .ringSlack:
            // channel since removed
            guard let notifier = tick.notifiers.first(where: { $0.effect == effect }) else { return nil }
            try await notifier.ring(
                DoorbellMessage(
                    kind: record.doorbell ?? .needsHuman,
                    issue: ref,
                    issueTitle: run.issue.title,
                    detail: (record.note ?? "") + (record.agentStop.map { " (the agent: \($0))" } ?? ""),
                    link: record.pullRequestURL ?? run.issue.htmlURL
                )
            )
        case .stopAgent:
            return try await executor.stop(threadID: record.threadID, createdAt: Timestamp.format(tick.now()))
                .recordText
        case .openPullRequest, .updateBranch, .merge, .deleteBranch:
            return nil  // performed by performLanding
        }
        return nil
    }
}
