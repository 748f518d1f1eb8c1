import AFKAdapters
import AFKCore

/// What both ticks are told besides their clients: the labels, who afk writes as, the preamble,
/// and whether this is a dry run.
struct TickSettings: Sendable {
    var labels: DispatchLabels
    /// `tracker.bot_login`: only its comments are run state.
    var botLogin: String
    /// The implementer preamble of first turns.
    var preamble: String
    /// Only GET requests; no doorbell; the report says what would be done.
    var dryRun: Bool
    /// How long after a run ended a doorbell that failed is still retried (watcher).
    var owedDoorbellWindowSeconds: Double = 86_400
    /// `max_concurrent_runs`, `max_dispatches_per_hour` (poller).
    var caps = FleetCaps()
    /// Repositories worked on at once (`http.max_in_flight`).
    var concurrency: Int = 1
    /// The share of the tracker's rate limit this tick leaves alone (`rate_limit.*_reserve`), and
    /// what one repository may cost; nil: no budget.
    var reserve: RateBudget?

    /// The loop's budget: the reserve against the lowest `core` remaining any service reported.
    func budget(_ tickGuard: TickGuard?) -> RepoLoop.Budget? {
        guard let reserve, let fleet = tickGuard?.fleet else { return nil }
        return RepoLoop.Budget(rate: reserve, remaining: { fleet.lowestRemaining() })
    }
}
