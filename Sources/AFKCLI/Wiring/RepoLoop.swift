import AFKAdapters
import AFKCore
import Logging
import Synchronization

/// The per-repository loop both ticks share: repositories are independent, so a failure in one
/// is reported and the tick moves on — except a failure that concerns every repository alike
/// (a rejected token), which stops the tick with one error.
///
/// Repositories are worked on concurrently, at most `concurrency` at once (requests to one
/// service are bounded separately by the tick's ``FleetLimits``); the work within one repository
/// stays strictly in order. Each repository's log lines are held back and written in the
/// allowlist's order, and the report lists repositories in that order, so output is stable
/// whatever finishes first.
enum RepoLoop {
    /// What the loop may spend before starting a repository: a budget and where its remaining
    /// count comes from (the tracker's last `x-ratelimit-remaining`).
    struct Budget: Sendable {
        let rate: RateBudget
        let remaining: @Sendable () -> Int?
    }

    typealias Outcome = Result<([TickReport.Action], [TickReport.Failure]), ServiceError>

    /// - Parameters:
    ///   - tickGuard: asked before each repository why no further one may start (the tick's
    ///     deadline passed, or it was asked to stop). Those not started are reported.
    ///   - budget: when the rate limit would fall below its reserve, no further repository starts:
    ///     they are reported as deferred.
    static func run(
        program: String,
        dryRun: Bool,
        repos: [RepoRef],
        logger: Logger,
        tickGuard: TickGuard?,
        concurrency: Int = 1,
        budget: Budget? = nil,
        _ body:
            @escaping @Sendable (RepoRef, Logger) async throws(ServiceError) -> (
                [TickReport.Action], [TickReport.Failure]
            )
    ) async -> TickReport {
        var report = TickReport(program: program, dryRun: dryRun)
        let buffers = repos.map { _ in LogBuffer() }
        var outcomes: [Outcome?] = Array(repeating: nil, count: repos.count)
        var flushed = 0
        var stopped = false
        var notStarted: (index: Int, reason: String, deferred: Bool)?

        /// Writes the held-back logs and the outcomes of every finished repository that has no
        /// unfinished one before it.
        func flush() {
            while flushed < repos.count, let outcome = outcomes[flushed] {
                buffers[flushed].replay(into: logger)
                if !stopped {
                    switch outcome {
                    case .success(let (actions, failures)):
                        report.actions += actions
                        report.errors += failures
                    case .failure(let error):
                        if error.stopsTick {
                            report.errors.append(.init(repo: nil, message: error.description + "; stopped the tick"))
                            stopped = true
                        } else {
                            report.errors.append(.init(repo: repos[flushed].description, message: error.description))
                        }
                    }
                }
                flushed += 1
            }
        }

        await withTaskGroup(of: (Int, Outcome).self) { group in
            var running = 0
            var next = 0
            func haltReason() -> (String, Bool)? {
                if let reason = tickGuard?.haltReason { return (reason, false) }
                // What the repositories already running may still spend counts against it too.
                let left = budget?.remaining().map { $0 - running * (budget?.rate.costPerRepository ?? 0) }
                if let budget, case .deferred(let why) = budget.rate.verdict(remaining: left) {
                    return (why, true)
                }
                return nil
            }
            while next < repos.count || running > 0 {
                while next < repos.count, running < max(1, concurrency), !stopped, notStarted == nil {
                    if let (reason, deferred) = haltReason() {
                        notStarted = (next, reason, deferred)
                        break
                    }
                    let index = next
                    let repo = repos[index]
                    var repoLogger = Logger(label: logger.label) { _ in buffers[index] }
                    repoLogger.logLevel = logger.logLevel
                    repoLogger[metadataKey: "repo"] = "\(repo)"
                    group.addTask {
                        // Earlier repositories get freed request places first (FleetLimits).
                        let outcome: Outcome = await FleetLimits.$rank.withValue(index) {
                            do throws(ServiceError) {
                                return .success(try await body(repo, repoLogger))
                            } catch {
                                repoLogger.error("\(error.description)")
                                return .failure(error)
                            }
                        }
                        return (index, outcome)
                    }
                    running += 1
                    next += 1
                }
                guard running > 0, let (index, outcome) = await group.next() else { break }
                running -= 1
                outcomes[index] = outcome
                if case .failure(let error) = outcome, error.stopsTick { tickGuard?.stop(error.description) }
                flush()
                if stopped { break }
            }
            if stopped { group.cancelAll() }
        }
        flush()
        if let notStarted, !stopped {
            let left = repos[notStarted.index...].map(\.description)
            if notStarted.deferred {
                logger.notice(
                    "deferring \(left.count) repositories to the next tick: \(notStarted.reason)",
                    metadata: ["repos": "\(left.joined(separator: ","))"]
                )
                report.deferred += left.map { .init(repo: $0, message: notStarted.reason) }
            } else {
                logger.warning(
                    "not starting \(left.count) more repositories: \(notStarted.reason)",
                    metadata: ["repos": "\(left.joined(separator: ","))"]
                )
                report.errors += left.map { .init(repo: $0, message: "not started this tick: \(notStarted.reason)") }
            }
        }
        return report
    }
}

/// A repository's log records, held back until every repository before it has been written.
final class LogBuffer: LogHandler, Sendable {
    struct Record: Sendable {
        let level: Logger.Level
        let message: Logger.Message
        let metadata: Logger.Metadata?
        let source: String
        let file: String
        let function: String
        let line: UInt
    }

    let records = Mutex<[Record]>([])
    let state = Mutex<(Logger.Metadata, Logger.Level)>(([:], .info))

    var metadata: Logger.Metadata {
        get { state.withLock { $0.0 } }
        set { state.withLock { $0.0 = newValue } }
    }

    var logLevel: Logger.Level {
        get { state.withLock { $0.1 } }
        set { state.withLock { $0.1 = newValue } }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level,
        message: Logger.Message,
        metadata explicit: Logger.Metadata?,
        source: String,
        file: String,
        function: String,
        line: UInt
    ) {
        let merged = metadata.merging(explicit ?? [:]) { _, new in new }
        records.withLock {
            $0.append(
                Record(
                    level: level,
                    message: message,
                    metadata: merged.isEmpty ? nil : merged,
                    source: source,
                    file: file,
                    function: function,
                    line: line
                )
            )
        }
    }

    /// Writes the held-back records to `logger`, in the order they were logged, and forgets them.
    func replay(into logger: Logger) {
        let held = records.withLock { records -> [Record] in
            defer { records = [] }
            return records
        }
        for record in held {
            logger.log(
                level: record.level,
                record.message,
                metadata: record.metadata,
                source: record.source,
                file: record.file,
                function: record.function,
                line: record.line
            )
        }
    }
}
