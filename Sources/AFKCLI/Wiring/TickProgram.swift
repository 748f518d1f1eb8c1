import AFKAdapters
import AFKCore
import Foundation
import Logging

/// What one run of a tick program came to: its exit status, its report (nil when it stopped
/// before ticking: a configuration error), and the configuration problems that stopped it.
public struct TickOutcome: Sendable {
    /// 0 completed, 1 part of it failed (or it was stopped), 2 configuration or usage error.
    public let code: Int32
    public let report: TickReport?
    /// One sentence each; printed as `afk: configuration error: …`.
    public let configurationErrors: [String]
}

/// The tick programs, run from start to report without printing: `afk-poller` and `afk-watcher`
/// print what this returns, and tests run ticks in-process through it.
///
/// ## Usage
/// ```swift
/// let outcome = await TickProgram.run(.poller, inputs: TickProgram.Inputs(output: .json), environment: env)
/// #expect(outcome.report?.actions.first?.action == .dispatch)
/// ```
public enum TickProgram {
    public enum Kind: Sendable {
        case poller
        /// `onlyIssue`: `--issue N`, a one-shot on one run of `--repo`.
        case watcher(onlyIssue: Int?)

        var name: String {
            switch self {
            case .poller: "afk-poller"
            case .watcher: "afk-watcher"
            }
        }

        var kinds: [TickReport.ActionKind] {
            switch self {
            case .poller: [.dispatch, .skip]
            case .watcher:
                [.wait, .close, .fixForward, .freeze, .escalate, .redispatch, .openPullRequest, .updateBranch, .merge]
            }
        }
    }

    /// The command line's choices as plain values, and where log lines go.
    public struct Inputs: Sendable {
        public var config: String?
        public var secretsDir: String?
        public var dryRun = false
        public var output: ReportRenderer.Format = .text
        /// nil: `AFK_LOG_FORMAT`, then text.
        public var logFormat: LineLogHandler.Format?
        public var repo: String?
        /// `--shard i/n`: only that part of the allowlist.
        public var shard: String?
        public var verbose = false
        /// Where log lines go (standard error for the commands).
        public var log: @Sendable (String) -> Void = LineLogHandler.standardError
        /// Whether SIGTERM stops the tick (the commands); off in-process, where a signal handler
        /// would be the whole process's.
        public var handleSIGTERM = false

        public init(
            config: String? = nil,
            secretsDir: String? = nil,
            dryRun: Bool = false,
            output: ReportRenderer.Format = .text,
            logFormat: LineLogHandler.Format? = nil,
            repo: String? = nil,
            verbose: Bool = false,
            log: @escaping @Sendable (String) -> Void = LineLogHandler.standardError
        ) {
            self.config = config
            self.secretsDir = secretsDir
            self.dryRun = dryRun
            self.output = output
            self.logFormat = logFormat
            self.repo = repo
            self.verbose = verbose
            self.log = log
        }
    }

    /// Loads the configuration, checks the token's identity and the executors, runs the tick,
    /// logs the summary line; returns the outcome.
    public static func run(_ kind: Kind, inputs: Inputs, environment: [String: String]) async -> TickOutcome {
        let env: TickEnvironment
        let repos: [RepoRef]
        do {
            env = try await TickEnvironment.load(inputs, program: kind.name, environment: environment)
            repos = try env.repos()
        } catch {
            return TickOutcome(code: 2, report: nil, configurationErrors: error.messages)
        }
        if let reason = env.config.disabledReason {
            env.logger.notice("disabled, making no requests: \(reason)")
            return TickOutcome(
                code: 0,
                report: TickReport(program: kind.name, dryRun: inputs.dryRun, disabled: reason),
                configurationErrors: []
            )
        }
        // SIGTERM is handled from here on, the searches and the identity check included.
        return await stoppable(env, handleSIGTERM: inputs.handleSIGTERM) {
            await armed(kind, inputs: inputs, env: env, repos: repos)
        }
    }

    /// An armed tick: its clients, the searches alongside the identity check, the executors'
    /// preflight, the tick itself and its summary line.
    static func armed(_ kind: Kind, inputs: Inputs, env: TickEnvironment, repos: [RepoRef]) async -> TickOutcome {
        let tracker: any Tracker
        let lanes: RepoLanes
        let preamble: String
        do {
            tracker = try env.tracker()
            lanes = try env.lanes(for: repos)
            preamble = try env.preamble()
        } catch {
            return TickOutcome(code: 2, report: nil, configurationErrors: error.messages)
        }
        // Who afk writes as is settled by the identity check below.
        var settings = TickSettings(
            labels: env.config.labels,
            botLogin: env.config.tracker.botLogin ?? "",
            preamble: preamble,
            dryRun: inputs.dryRun
        )
        // The searches that find the repositories with work only read: they run while the
        // token's identity is confirmed, which must come before anything is written.
        let labels = settings.labels
        let owedSince = Date().addingTimeInterval(-settings.owedDoorbellWindowSeconds)
        let surveying = Task<Survey, Never> {
            switch kind {
            case .poller:
                .poller(
                    await PollerTick.survey(repos, tracker: tracker, labels: labels, lanes: lanes, logger: env.logger)
                )
            case .watcher(let onlyIssue):
                .watcher(
                    await WatcherTick.survey(
                        repos,
                        onlyIssue: onlyIssue,
                        tracker: tracker,
                        labels: labels,
                        since: owedSince
                    )
                )
            }
        }
        switch await verifyIdentity(tracker, botLogin: settings.botLogin, env: env, program: kind.name) {
        case .mismatch(let problem):
            surveying.cancel()
            return TickOutcome(code: 2, report: nil, configurationErrors: [problem])
        case .failed(let report):
            surveying.cancel()
            return TickOutcome(code: 1, report: report, configurationErrors: [])
        case .confirmed(let login): settings.botLogin = login
        }
        // The poller checks before it dispatches. The watcher's runtime checks itself before it
        // sends a turn (``Executor/startTurn``), so a tick with nothing to send asks the runtime
        // once, to observe.
        if case .poller = kind, let problem = await preflight(lanes) {
            surveying.cancel()
            return TickOutcome(code: 2, report: nil, configurationErrors: [problem])
        }
        // More repositories under way than requests allowed in flight: each repository waits on
        // one request at a time, so this keeps every service's `http.max_in_flight` slots busy
        // (the per-service limit in FleetLimits is what bounds the requests).
        // With `http.max_in_flight: 1` repositories are worked on strictly one after another.
        let inFlight = env.config.http.maxInFlight
        settings.concurrency = inFlight == 1 ? 1 : inFlight * 4
        settings.caps = env.config.caps
        switch kind {
        case .poller: settings.reserve = RateBudget(reserve: env.config.rateLimit.poller, costPerRepository: 12)
        case .watcher: settings.reserve = RateBudget(reserve: env.config.rateLimit.watcher, costPerRepository: 12)
        }
        let work: @Sendable () async -> TickReport
        switch kind {
        case .poller:
            let tick = PollerTick(
                tracker: tracker,
                lanes: lanes,
                settings: settings,
                logger: env.logger,
                tickGuard: env.tickGuard,
                notifiers: inputs.dryRun ? [] : env.notifiers()
            )
            work = {
                guard case .poller(let survey) = await finished(surveying) else { return await tick.run(repos: repos) }
                return await tick.run(repos: repos, survey: survey)
            }
        case .watcher(let onlyIssue):
            let tick = WatcherTick(
                tracker: tracker,
                lanes: lanes,
                notifiers: inputs.dryRun ? [] : env.notifiers(),
                settings: settings,
                logger: env.logger,
                tickGuard: env.tickGuard
            )
            work = {
                guard case .watcher(let survey) = await finished(surveying) else {
                    return await tick.run(repos: repos, onlyIssue: onlyIssue)
                }
                return await tick.run(repos: repos, onlyIssue: onlyIssue, survey: survey)
            }
        }
        var report = await work()
        noteStop(&report, env.tickGuard)
        report.requests = env.tickGuard.fleet.requestsSent
        var counts: Logger.Metadata = ["errors": "\(report.errors.count)", "dry_run": "\(report.dryRun)"]
        if !report.deferred.isEmpty { counts["deferred"] = "\(report.deferred.count)" }
        for (service, count) in report.requests ?? [:] { counts["requests_\(service.lowercased())"] = "\(count)" }
        for kind in kind.kinds {
            counts[summaryKey(kind)] = "\(report.actions.filter { $0.action == kind }.count)"
        }
        env.logger.info("tick finished", metadata: counts)
        return TickOutcome(code: report.exitCode, report: report, configurationErrors: [])
    }

    /// What a tick's searches found (``PollerTick/survey(_:tracker:labels:lanes:logger:)``,
    /// ``WatcherTick/survey(_:onlyIssue:tracker:labels:since:)``).
    enum Survey: Sendable {
        case poller(PollerTick.Survey)
        case watcher(WatcherTick.Survey)
    }

    /// The survey's outcome; a tick stopped meanwhile (SIGTERM) cancels the survey's requests too.
    static func finished(_ surveying: Task<Survey, Never>) async -> Survey {
        await withTaskCancellationHandler {
            await surveying.value
        } onCancel: {
            surveying.cancel()
        }
    }

    enum Identity {
        /// The login afk writes as: `tracker.bot_login`, or a GitHub App's `<slug>[bot]`.
        case confirmed(String)
        case mismatch(String)
        case failed(TickReport)
    }

    /// The token must act as `tracker.bot_login`: afk reads run state only from that login's
    /// comments, so a token writing as anyone else would make every run look unrecorded and be
    /// recorded again each tick. Checked once per tick, before anything is written.
    static func verifyIdentity(_ tracker: any RepositoryAccess, botLogin: String, env: TickEnvironment, program: String)
        async -> Identity
    {
        do {
            guard let login = try await tracker.tokenLogin() else { return .confirmed(botLogin) }
            // Unset only with a GitHub App: its bot's login is the default.
            if botLogin.isEmpty { return .confirmed(login) }
            guard login.caseInsensitiveCompare(botLogin) != .orderedSame else { return .confirmed(botLogin) }
            return .mismatch(
                """
                the \(tracker.serviceName) token acts as \(login), but tracker.bot_login (AFK_TRACKER_BOT_LOGIN) is \(botLogin): \
                afk would not recognise its own run records. Set tracker.bot_login to \(login) or use the bot's token
                """
            )
        } catch {
            env.logger.error("\(error.description)")
            var report = TickReport(program: program, dryRun: env.options.dryRun)
            report.errors.append(
                .init(repo: nil, message: error.description + (error.stopsTick ? "; stopped the tick" : ""))
            )
            return .failed(report)
        }
    }

    /// A configuration problem when an executor cannot take what this configuration would send
    /// it (``Executor/preflight()``: T3's `runtime_mode: auto` before 0.0.29), found before
    /// anything is dispatched. An executor that cannot be asked now is left to the tick.
    static func preflight(_ lanes: RepoLanes) async -> String? {
        for executor in lanes.distinct.map(\.executor) {
            do {
                try await executor.preflight()
            } catch  where error.kind == .misconfigured {
                return "\(error.service): \(error.message)"
            } catch {
                continue
            }
        }
        return nil
    }

    /// How long the request in flight may still take after SIGTERM before it is abandoned.
    static let stopGraceSeconds: Double = 3

    /// Runs an armed tick so that it always ends with its report: SIGTERM (when handled) stops
    /// it (nothing new starts; the request in flight gets ``stopGraceSeconds``, then is
    /// abandoned) and the report says so (exit 1).
    static func stoppable(
        _ env: TickEnvironment,
        handleSIGTERM: Bool,
        _ body: @escaping @Sendable () async -> TickOutcome
    ) async -> TickOutcome {
        let tickGuard = env.tickGuard
        let logger = env.logger
        let task = Task { await body() }
        let stop =
            handleSIGTERM
            ? SignalStop(signal: SIGTERM) {
                logger.warning("SIGTERM: starting nothing new, then reporting")
                tickGuard.stop("stopped by SIGTERM")
                Task {
                    try? await Task.sleep(nanoseconds: UInt64(stopGraceSeconds * 1_000_000_000))
                    task.cancel()
                }
            } : nil
        let outcome = await task.value
        stop?.remove()
        // Stopped before the tick proper (during the identity check): its report says so too.
        guard var report = outcome.report, noteStop(&report, tickGuard) else { return outcome }
        return TickOutcome(
            code: max(outcome.code, report.exitCode),
            report: report,
            configurationErrors: outcome.configurationErrors
        )
    }

    /// Adds why the tick was stopped to its report, once. Returns whether it added it.
    @discardableResult
    static func noteStop(_ report: inout TickReport, _ tickGuard: TickGuard) -> Bool {
        guard let reason = tickGuard.stopReason else { return false }
        let message = "\(reason): the tick started nothing new after it and wrote this report"
        guard !report.errors.contains(where: { $0.repo == nil && $0.message == message }) else { return false }
        report.errors.append(.init(repo: nil, message: message))
        return true
    }
}
