import Foundation

/// The CI verdict for one commit, folded from GitHub's two separate systems: check runs
/// (GitHub Actions and apps) and commit statuses (https://docs.github.com/en/rest/checks/runs,
/// https://docs.github.com/en/rest/commits/statuses).
public enum CIVerdict: Hashable, Sendable, CustomStringConvertible {
    case pending
    case green
    /// The names of the failing checks and status contexts.
    case red(failing: [String])

    public var description: String {
        switch self {
        case .pending: "pending"
        case .green: "green"
        case .red(let failing): "red (" + failing.joined(separator: ", ") + ")"
        }
    }

    /// One check run: `status` (queued, in_progress, completed, waiting, requested, pending) and,
    /// once completed, `conclusion`.
    public struct CheckRun: Hashable, Sendable {
        public let name: String
        public let status: String
        public let conclusion: String?

        public init(name: String, status: String, conclusion: String?) {
            self.name = name
            self.status = status
            self.conclusion = conclusion
        }
    }

    /// The combined commit status: `state` plus the individual statuses. `totalCount == 0`
    /// means the repo reports nothing there (Actions-only repos, for which GitHub answers `pending`
    /// with `total_count` 0): not pending, the verdict then rests on check runs alone.
    public struct CombinedStatus: Hashable, Sendable {
        public let state: String
        public let totalCount: Int
        public let statuses: [(context: String, state: String)]

        public init(state: String, totalCount: Int, statuses: [(context: String, state: String)]) {
            self.state = state
            self.totalCount = totalCount
            self.statuses = statuses
        }

        public static func == (a: CombinedStatus, b: CombinedStatus) -> Bool {
            a.state == b.state && a.totalCount == b.totalCount
                && a.statuses.map(\.context) == b.statuses.map(\.context)
                && a.statuses.map(\.state) == b.statuses.map(\.state)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(state)
            hasher.combine(totalCount)
            for s in statuses {
                hasher.combine(s.context)
                hasher.combine(s.state)
            }
        }
    }

    /// Everything the forge reported about one commit's CI.
    public struct Evidence: Hashable, Sendable {
        public var checkRuns: [CheckRun]
        /// How many check runs the forge says the commit has (`total_count`), when it says. More
        /// than ``checkRuns`` holds means the list is incomplete (a matrix build past the pages read).
        public var checkRunsTotal: Int?
        /// The combined commit status; nil when the forge has none to offer.
        public var combined: CombinedStatus?

        public init(checkRuns: [CheckRun], checkRunsTotal: Int? = nil, combined: CombinedStatus?) {
            self.checkRuns = checkRuns
            self.checkRunsTotal = checkRunsTotal
            self.combined = combined
        }
    }

    /// Folds ``Evidence`` (see ``fold(checkRuns:checkRunsTotal:combined:)``).
    public static func fold(_ evidence: Evidence) -> CIVerdict {
        fold(checkRuns: evidence.checkRuns, checkRunsTotal: evidence.checkRunsTotal, combined: evidence.combined)
    }

    /// Check-run conclusions that count as success (`neutral` and `skipped` too, by afk's rule; an
    /// unknown conclusion is pending).
    static let greenConclusions: Set<String> = ["success", "neutral", "skipped"]
    /// Conclusions that count as failure, including the check-suite-only `stale` and `startup_failure`.
    static let redConclusions: Set<String> = [
        "failure", "timed_out", "cancelled", "action_required", "stale", "startup_failure",
    ]

    /// Folds both sources. Any failure anywhere is red. Everything concluded green is green.
    /// Nothing reported by either source, or any value not recognised, is pending: an unknown
    /// value must never close an issue. Neither may a list read only in part: when the forge
    /// counts more check runs (`checkRunsTotal`) or statuses (`totalCount`) than were read, what
    /// was not read may be a failure, so the verdict is at best pending.
    public static func fold(checkRuns: [CheckRun], checkRunsTotal: Int? = nil, combined: CombinedStatus?) -> CIVerdict {
        var failing: [String] = []
        var pending = false
        var reported = false
        if let total = checkRunsTotal, total > checkRuns.count {
            reported = true
            pending = true
        }
        if let combined, combined.totalCount > combined.statuses.count {
            pending = true
        }
        for run in checkRuns {
            reported = true
            guard run.status == "completed" else {
                pending = true
                continue
            }
            guard let conclusion = run.conclusion else {
                pending = true
                continue
            }
            if redConclusions.contains(conclusion) {
                failing.append("\(run.name) (\(conclusion))")
            } else if !greenConclusions.contains(conclusion) {
                pending = true
            }
        }
        if let combined, combined.totalCount > 0 || !combined.statuses.isEmpty {
            reported = true
            let redContexts = combined.statuses.filter { $0.state == "failure" || $0.state == "error" }
            failing += redContexts.map { "\($0.context) (\($0.state))" }
            switch combined.state {
            case "success": break
            case "failure", "error":
                if redContexts.isEmpty { failing.append("commit status (\(combined.state))") }
            default: pending = true  // "pending" and anything unrecognised
            }
        }
        if !failing.isEmpty { return .red(failing: failing) }
        if !reported || pending { return .pending }
        return .green
    }
}
