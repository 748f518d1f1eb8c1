import AFKAdapters
import AFKCore
import Logging

/// The per-repository loop both ticks share: repositories are independent, so a failure in one
/// is reported and the tick moves on — except a failure that concerns every repository alike
/// (a rejected token), which stops the tick with one error.
enum RepoLoop {
    static func run(
        program: String, dryRun: Bool, repos: [RepoRef], logger: Logger,
        _ body: (RepoRef, Logger) async throws(ServiceError) -> ([TickReport.Action], [TickReport.Failure])
    ) async -> TickReport {
        var report = TickReport(program: program, dryRun: dryRun)
        for repo in repos {
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
