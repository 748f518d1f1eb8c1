import AFKAdapters
import AFKCore
import Foundation
import Logging

/// A repository's dashboard issue (`dashboard: true`), kept by the poller: found by its hidden
/// marker among the issues afk's account opened (opened once, even after a lost answer), its
/// ticked controls and `/afk pause`/`/afk resume` comments acted on once, and its body rewritten
/// at most once per tick, only when its content changed. The rules are in `AFKCore/Dashboard`.
///
/// Controls are honoured because only people with write access can edit an issue afk opened;
/// commands are checked against the commenter's permission. Acting on a control is idempotent
/// (pause, resume, retry — a label removal — and dispatch next), so a tick killed between acting
/// and unticking acts the same way again.
struct RepoDashboard {
    let tick: PollerTick
    let repo: RepoRef
    let logger: Logger
    let title: String
    let breakerRuns: Int

    var tracker: any Tracker { tick.tracker }
    var labels: DispatchLabels { tick.settings.labels }
    var dryRun: Bool { tick.settings.dryRun }
    var bot: String { tick.settings.botLogin }

    /// The dashboard as this tick found and changed it.
    struct Board {
        var ref: IssueRef?
        var body: String
        var state: DashboardState
        /// Why dispatching is paused here (the dashboard, the breaker), if it is.
        var paused: String?
        var breakerJustOpened = false
        var inForce: [String] = []
    }

    func open() async throws(ServiceError) -> Board {
        let now = Timestamp.format(tick.now())
        let existing = try await tracker.openIssues(createdBy: bot, in: repo)
            .first { DashboardState.isDashboard($0.body) }
        var issue = existing
        if issue == nil, !dryRun {
            let body = DashboardPage.render(
                title: title,
                repo: repo,
                state: DashboardState(),
                queue: [],
                inFlight: [],
                ended: [],
                inForce: [],
                now: tick.now()
            )
            let repo = self.repo
            let tracker = self.tracker
            let bot = self.bot
            issue = try await UnknownOutcome.reconcile(
                create: { () async throws(ServiceError) -> TrackerIssue in
                    try await tracker.createIssue(in: repo, title: title, body: body)
                },
                find: { () async throws(ServiceError) -> TrackerIssue? in
                    try await tracker.openIssues(createdBy: bot, in: repo).first { DashboardState.isDashboard($0.body) }
                }
            )
            logger.notice("opened the dashboard issue", metadata: ["issue": "\(issue?.number ?? 0)"])
        }
        var board = Board(
            ref: issue?.ref,
            body: issue?.body ?? "",
            state: DashboardState.parse(body: issue?.body ?? "")
        )
        for control in DashboardControl.ticked(in: board.body) {
            try await act(control, by: nil, on: &board, at: now)
        }
        if let ref = board.ref {
            let comments = try await tracker.comments(on: ref)
            for command in PendingCommand.find(in: comments, handled: Set(board.state.handled), botLogin: bot)
            where command.command.onDashboard {
                try await obey(command, on: &board, at: now)
            }
        }
        if board.state.paused {
            board.paused = "paused on the dashboard" + (board.state.pausedBy.map { " (\($0))" } ?? "")
        }
        return board
    }

    /// One control or command, acted on.
    func act(_ control: DashboardControl, by who: String?, on board: inout Board, at now: String)
        async throws(ServiceError)
    {
        let by = who.map { "@\($0) with /afk" } ?? "the dashboard"
        switch control {
        case .pause:
            board.state.paused = true
            board.state.pausedBy = "\(by), \(now)"
            board.state.note("\(now): dispatching paused by \(by)")
        case .resume:
            board.state.paused = false
            board.state.pausedBy = nil
            board.state.resumedAt = now
            board.state.breakerOpenedAt = nil
            board.state.note("\(now): dispatching resumed by \(by)")
        case .retry(let number):
            let ref = IssueRef(repo: repo, number: number)
            if !dryRun { try await tracker.removeLabel(labels.human, from: ref) }
            board.state.note(
                "\(now): #\(number) handed back to afk by \(by): its next run starts when the repository is free"
            )
        case .dispatchNext(let number):
            board.state.dispatchNext = number
            board.state.note("\(now): #\(number) goes next, as \(by) asked")
        }
    }

    /// `/afk pause` or `/afk resume` on the dashboard: obeyed from people with write access, acknowledged with
    /// a reaction; anyone else gets one reply saying why, and nothing happens.
    func obey(_ command: PendingCommand, on board: inout Board, at now: String) async throws(ServiceError) {
        let permission = try await tracker.permission(of: command.author, in: repo)
        let trusted: Bool
        if case .trusted = TrustGate.verdict(labeler: .login(command.author), permission: permission) {
            trusted = true
        } else {
            trusted = false
        }
        if trusted {
            try await act(command.command == .pause ? .pause : .resume, by: command.author, on: &board, at: now)
        }
        board.state.handle(command.commentID)
        guard !dryRun, let ref = board.ref else { return }
        if trusted {
            try await tracker.react("+1", toComment: command.commentID, in: repo)
        } else {
            try await tracker.react("-1", toComment: command.commentID, in: repo)
            _ = try await tracker.createComment(
                on: ref,
                body:
                    "🤖 **afk**: @\(command.author), only people with write access to \(repo) can use `/afk \(command.command.rawValue)`; nothing was done."
            )
        }
    }

    /// Runs that ended and may be retried (handed to a human) or were done recently: the last
    /// verdicts, and what the circuit breaker counts.
    func endedRuns() async throws(ServiceError) -> [DashboardPage.Ended] {
        let since = tick.now().addingTimeInterval(-7 * 86_400)
        var issues = try await tracker.recentIssues(in: repo, labeled: labels.human, state: .open, updatedSince: since)
        issues += try await tracker.recentIssues(in: repo, labeled: labels.ready, state: .closed, updatedSince: since)
        var ended: [DashboardPage.Ended] = []
        var seen = Set<Int>()
        for issue in issues where !issue.isPullRequest && seen.insert(issue.number).inserted {
            let history = RunHistory(comments: try await tracker.comments(on: issue.ref), botLogin: bot)
            guard let record = history.latest?.record, let phase = record.phase, phase.isTerminal, phase != .notStarted
            else { continue }
            ended.append(
                DashboardPage.Ended(
                    number: issue.number,
                    title: issue.title,
                    record: record,
                    retryable: issue.state == .open && issue.hasLabel(labels.human)
                )
            )
        }
        return ended.sorted { ($0.record.phaseSince ?? "") > ($1.record.phaseSince ?? "") }
    }

    /// Opens the circuit breaker after `breakerRuns` consecutive frozen or escalated runs (since
    /// the last resume); a human resumes it on the dashboard.
    func checkBreaker(_ board: inout Board, ended: [DashboardPage.Ended]) {
        guard breakerRuns > 0 else { return }
        let runs = ended.compactMap { run -> (RunPhase, Date)? in
            guard let phase = run.record.phase, let at = run.record.phaseSince.flatMap(Timestamp.parse) else {
                return nil
            }
            return (phase, at)
        }
        let open = RepoBreaker.isOpen(
            ended: runs,
            threshold: breakerRuns,
            resumedAt: board.state.resumedAt.flatMap(Timestamp.parse)
        )
        guard open else { return }
        let why =
            "circuit breaker: the last \(breakerRuns) runs ended frozen or escalated; tick Resume on the dashboard (or comment /afk resume there) to dispatch again"
        board.paused = why
        board.inForce.append(why)
        if board.state.breakerOpenedAt == nil {
            let now = Timestamp.format(tick.now())
            board.state.breakerOpenedAt = now
            board.state.note("\(now): \(why)")
            board.breakerJustOpened = true
        }
    }

    /// The breaker's doorbell, once when it opens.
    func ringBreaker(_ board: Board) async {
        guard !dryRun, let ref = board.ref else { return }
        for notifier in tick.notifiers {
            do {
                try await notifier.ring(
                    DoorbellMessage(
                        kind: .needsHuman,
                        issue: ref,
                        issueTitle: title,
                        detail: board.paused ?? "circuit breaker open",
                        link: nil
                    )
                )
            } catch {
                logger.warning("\(notifier.serviceName) doorbell for the circuit breaker failed: \(error.description)")
            }
        }
    }

    /// Rewrites the dashboard when its content changed: the queue with this tick's verdicts, the
    /// runs in flight, the last verdicts, the caps and breaker in force, every control unticked.
    /// Shows the tick's outcome. `holders` are the lock holders after the tick's writes, with the
    /// run records the tick read or wrote (``RunLedger``): nothing is listed or read again.
    func publish(
        _ board: Board,
        actions: [TickReport.Action],
        ended: [DashboardPage.Ended],
        holders: [(number: Int, holder: RunLedger.Holder)]
    ) async throws(ServiceError) {
        guard let ref = board.ref, !dryRun else { return }
        let inFlight = holders.compactMap { entry in
            entry.holder.record.map {
                DashboardPage.InFlight(number: entry.number, title: entry.holder.title, record: $0)
            }
        }
        let queue = actions.filter { $0.action == .skip || $0.action == .dispatch }
            .filter { action in !holders.contains { $0.number == action.issue } }
            .map {
                DashboardPage.Queued(
                    number: $0.issue,
                    title: "",
                    verdict: $0.action == .dispatch ? "dispatched this tick" : $0.reason
                )
            }
        var inForce = board.inForce
        if let capped = actions.first(where: { $0.reason.hasPrefix("dispatching paused:") }) {
            inForce.append(capped.reason)
        }
        let body = DashboardPage.render(
            title: title,
            repo: repo,
            state: board.state,
            queue: queue,
            inFlight: inFlight,
            ended: ended,
            inForce: inForce,
            now: tick.now()
        )
        guard DashboardPage.content(body) != DashboardPage.content(board.body) else { return }
        try await tracker.updateIssueBody(ref, body: body)
    }
}
