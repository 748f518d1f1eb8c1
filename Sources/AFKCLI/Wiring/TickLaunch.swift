import AFKAdapters
import AFKCore
import Foundation
import Logging

/// The start and end every tick program shares: configuration (exit 2 on error), the disabled
/// check (no request at all, exit 0), the final summary log line and the report.
enum TickLaunch {
    enum Start {
        case run(TickEnvironment, [RepoRef])
        case exit(Int32)
    }

    static func prepare(_ options: TickOptions, program: String, environment: [String: String]) async -> Start {
        let env: TickEnvironment
        let repos: [RepoRef]
        do {
            env = try await TickEnvironment.load(options.inputs, program: program, environment: environment)
            repos = try env.repos()
        } catch {
            CommandOutput.configurationError(error)
            return .exit(2)
        }
        if let reason = env.config.disabledReason {
            env.logger.notice("disabled, making no requests: \(reason)")
            CommandOutput.print(ReportRenderer.render(
                TickReport(program: program, dryRun: options.dryRun, disabled: reason), as: options.output))
            return .exit(0)
        }
        return .run(env, repos)
    }

    /// The token must act as `tracker.bot_login`: afk reads run state only from that login's
    /// comments, so a token writing as anyone else would make every run look unrecorded and be
    /// recorded again each tick. Checked once per tick, before anything is written. Returns an
    /// exit status when the tick must not go on.
    static func verifyIdentity(_ tracker: any Tracker, botLogin: String, env: TickEnvironment, program: String) async -> Int32? {
        do {
            guard let login = try await tracker.tokenLogin() else { return nil }  // app tokens cannot say
            guard login.caseInsensitiveCompare(botLogin) != .orderedSame else { return nil }
            CommandOutput.configurationError(ConfigurationError(
                "the \(tracker.serviceName) token acts as \(login), but tracker.bot_login (AFK_TRACKER_BOT_LOGIN) is \(botLogin): "
                    + "afk would not recognise its own run records. Set tracker.bot_login to \(login) or use the bot's token"))
            return 2
        } catch {
            env.logger.error("\(error.description)")
            var report = TickReport(program: program, dryRun: env.options.dryRun)
            report.errors.append(.init(repo: nil, message: error.description + (error.stopsTick ? "; stopped the tick" : "")))
            CommandOutput.print(ReportRenderer.render(report, as: env.options.output))
            return 1
        }
    }

    /// Fails the tick with exit status 2 when an executor cannot take what this configuration
    /// would send it (``Executor/preflight()``: T3's `runtime_mode: auto` before 0.0.29), before
    /// anything is dispatched. An executor that cannot be asked now is left to the tick.
    static func preflight(_ lanes: RepoLanes) async -> Int32? {
        for executor in lanes.distinct.map(\.executor) {
            do {
                try await executor.preflight()
            } catch where error.kind == .misconfigured {
                CommandOutput.configurationError(ConfigurationError("\(error.service): \(error.message)"))
                return 2
            } catch {
                continue
            }
        }
        return nil
    }

    /// How long the request in flight may still take after SIGTERM before it is abandoned.
    static let stopGraceSeconds: Double = 3

    /// Runs the tick's work so that it always ends with its report: SIGTERM stops it (nothing
    /// new starts; the request in flight gets ``stopGraceSeconds``, then is abandoned) and the
    /// report says so (exit 1).
    static func guarded(_ env: TickEnvironment, _ work: @escaping @Sendable () async -> TickReport) async -> TickReport {
        let tickGuard = env.tickGuard
        let logger = env.logger
        let task = Task { await work() }
        let stop = SignalStop(signal: SIGTERM) {
            logger.warning("SIGTERM: starting nothing new, then reporting")
            tickGuard.stop("stopped by SIGTERM")
            Task {
                try? await Task.sleep(nanoseconds: UInt64(stopGraceSeconds * 1_000_000_000))
                task.cancel()
            }
        }
        var report = await task.value
        stop.remove()
        if let reason = tickGuard.stopReason {
            report.errors.append(.init(repo: nil, message: "\(reason): the tick started nothing new after it and wrote this report"))
        }
        return report
    }

    /// Logs one summary line with a count per action kind, prints the report, returns the exit status.
    static func finish(_ report: TickReport, env: TickEnvironment, kinds: [TickReport.ActionKind]) -> Int32 {
        var counts: Logger.Metadata = ["errors": "\(report.errors.count)", "dry_run": "\(report.dryRun)"]
        for kind in kinds {
            counts[summaryKey(kind)] = "\(report.actions.filter { $0.action == kind }.count)"
        }
        env.logger.info("tick finished", metadata: counts)
        CommandOutput.print(ReportRenderer.render(report, as: env.options.output))
        return report.exitCode
    }
}

/// The summary line's field for an action kind: `dispatched`, `skipped`, `waiting`, `closed`, …
func summaryKey(_ kind: TickReport.ActionKind) -> String {
    switch kind {
    case .dispatch: "dispatched"
    case .skip: "skipped"
    case .wait: "waiting"
    case .close: "closed"
    case .fixForward: "fixed_forward"
    case .freeze: "frozen"
    case .escalate: "escalated"
    case .redispatch: "redispatched"
    }
}

enum CommandOutput {
    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func configurationError(_ error: ConfigurationError) {
        let lines = error.messages.map { "afk: configuration error: \($0)\n" }.joined()
        FileHandle.standardError.write(Data(lines.utf8))
    }
}
