import AFKAdapters
import AFKCore
import Logging

/// The per-repository loop both ticks share: repositories are independent, so a failure in one
/// is reported and the tick moves on — except a failure that concerns every repository alike
/// (a rejected token), which stops the tick with one error.
enum RepoLoop {
    /// - Parameter tickGuard: asked before each repository why no further one may start (the
    ///   tick's deadline passed, or it was asked to stop). Those not started are reported.
    static func run(
        program: String,
        dryRun: Bool,
        repos: [RepoRef],
        logger: Logger,
        tickGuard: TickGuard?,
        _ body: (RepoRef, Logger) async throws(ServiceError) -> ([TickReport.Action], [TickReport.Failure])
    ) async -> TickReport {
        var report = TickReport(program: program, dryRun: dryRun)
        for (index, repo) in repos.enumerated() {
            if let reason = tickGuard?.haltReason {
                let left = repos[index...].map(\.description)
                logger.warning(
                    "not starting \(left.count) more repositories: \(reason)",
                    metadata: ["repos": "\(left.joined(separator: ","))"]
                )
                report.errors += left.map { .init(repo: $0, message: "not started this tick: \(reason)") }
                break
            }
            var repoLogger = logger
            repoLogger[metadataKey: "repo"] = "\(repo)"
            do {
                let (actions, failures) = try await body(repo, repoLogger)
                report.actions += actions
                report.errors += failures
            } catch {
                repoLogger.error("\(error.description)")
                if error.stopsTick {
                    report.errors.append(.init(repo: nil, message: error.description + "; stopped the tick"))
                    break
                }
                report.errors.append(.init(repo: repo.description, message: error.description))
            }
        }
        return report
    }
}
