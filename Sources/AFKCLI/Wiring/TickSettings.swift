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
}
