import Foundation

/// What the forge needs at fleet scale beyond its issues: the GitHub view's rate-limit buckets besides `core`
/// (whose count is ``ForgeWorld/rateUsed``), and the search index with its lag.
struct ForgeFleet: Sendable {
    /// The per-token limits of the `core` and `search` buckets.
    var limits: SimRateLimits
    /// Whether the scenario named the limits (so that ``ForgeWorld/scenario`` round-trips them).
    var limitsConfigured: Bool
    /// `search` requests per login in the current window.
    var searchUsed: [String: Int] = [:]
    /// Epoch seconds at which the `search` window resets (a minute long).
    var searchReset: Int
    /// Seconds before a change to an issue is visible to search.
    var lagSeconds: Double
    /// GitHub search answers `incomplete_results: true` (as after a timeout) while set.
    var incompleteResults = false
    /// What the search index holds per issue, when ``lagSeconds`` > 0.
    var index: [IssueKey: IndexEntry] = [:]

    init(_ scenario: GitHubScenario, now: Date) {
        limits = scenario.rateLimit ?? SimRateLimits()
        limitsConfigured = scenario.rateLimit != nil
        searchReset = Int(now.timeIntervalSince1970) + 60
        lagSeconds = max(0, scenario.searchLagSeconds ?? 0)
    }

    /// An issue, by its repository's id and its number.
    struct IssueKey: Hashable, Sendable {
        var repo: Int64
        var number: Int
    }

    /// The fields search matches and shows, as one indexed document.
    struct Document: Sendable, Equatable {
        var title: String
        var body: String
        var state: String
        var labels: [String]
        var updatedAt: String?

        init(_ issue: SimIssue) {
            title = issue.title
            body = issue.body ?? ""
            state = issue.state
            labels = issue.labels
            updatedAt = issue.updatedAt
        }
    }

    /// The document search serves now, and the newer ones the indexer has yet to publish.
    struct IndexEntry: Sendable {
        /// nil: not indexed yet (created after the index was built, and the lag has not passed).
        var visible: Document?
        var pending: [(document: Document, at: Date)] = []
        /// When search last compared this entry with the issue.
        var observedAt: Date
    }

    /// Indexes every issue as it is now, visible at once (a fresh world, or a new lag).
    mutating func reindex(_ repos: [SimRepo], now: Date) {
        index = [:]
        for repo in repos {
            for issue in repo.issues {
                index[IssueKey(repo: repo.id ?? 0, number: issue.number)] = IndexEntry(
                    visible: Document(issue),
                    observedAt: now
                )
            }
        }
    }

    /// The document search sees for `issue` at `now`: the live issue without lag; otherwise the last one the
    /// indexer published. A change is noticed here (by comparing with the newest document known) and published
    /// `lagSeconds` after it happened: after the issue's `updated_at` (whole seconds, so rounded up) and never
    /// before the previous look, whichever is later.
    mutating func indexed(_ issue: SimIssue, repoID: Int64, now: Date) -> Document? {
        let live = Document(issue)
        guard lagSeconds > 0 else { return live }
        let key = IssueKey(repo: repoID, number: issue.number)
        var entry = index[key] ?? IndexEntry(visible: nil, observedAt: .distantPast)
        if (entry.pending.last?.document ?? entry.visible) != live {
            let updated = issue.updatedAt.flatMap(SimClock.parse).map { $0.addingTimeInterval(1) } ?? now
            let changed = max(updated, entry.observedAt)
            entry.pending.append((live, changed.addingTimeInterval(lagSeconds)))
        }
        while let first = entry.pending.first, first.at <= now {
            entry.visible = first.document
            entry.pending.removeFirst()
        }
        entry.observedAt = now
        index[key] = entry
        return entry.visible
    }
}
