import AFKAdapters
import AFKCore
import Foundation
import Synchronization

/// The dispatches a poller tick may still make under the fleet caps (``FleetCaps``), shared by
/// the repositories it works on concurrently: each dispatch takes a slot first.
final class DispatchAllowance: Sendable {
    let slots: Mutex<Int?>
    let reason: String

    init(_ allowance: FleetCaps.Allowance) {
        self.slots = Mutex(allowance.slots)
        self.reason = allowance.reason ?? "a fleet cap is reached"
    }

    /// Nil when a dispatch may go ahead (its slot is taken); why not otherwise.
    func take() -> String? {
        slots.withLock { slots in
            guard let left = slots else { return nil }
            guard left > 0 else { return reason }
            slots = left - 1
            return nil
        }
    }

    /// Counts what the caps are measured against, from the tracker: runs holding the lock (from
    /// the tick's search when it answered, else each repository's lock holders) and run records
    /// dispatched within the hour (issues carrying the ready label updated within it). Nil when
    /// they cannot be counted: the caller then dispatches nothing.
    static func count(
        _ caps: FleetCaps,
        tracker: any Tracker,
        labels: DispatchLabels,
        botLogin: String,
        repos: [RepoRef],
        held: [TrackerIssue]?,
        now: Date
    ) async -> FleetCaps.Allowance? {
        do {
            var inFlight = 0
            if caps.maxConcurrentRuns != nil {
                if let held {
                    inFlight = held.filter { !$0.isPullRequest }.count
                } else {
                    for repo in repos {
                        inFlight += try await tracker.openIssues(in: repo, labeled: labels.inProgress)
                            .filter { !$0.isPullRequest }.count
                    }
                }
            }
            var lastHour = 0
            if caps.maxDispatchesPerHour != nil {
                let since = now.addingTimeInterval(-3600)
                var recent: [TrackerIssue]
                if let found = await tracker.searchIssues(
                    labeled: labels.ready,
                    state: nil,
                    updatedSince: since,
                    in: repos
                ) {
                    recent = found
                } else {
                    recent = []
                    for repo in repos {
                        recent += try await tracker.recentIssues(
                            in: repo,
                            labeled: labels.ready,
                            state: .open,
                            updatedSince: since
                        )
                        recent += try await tracker.recentIssues(
                            in: repo,
                            labeled: labels.ready,
                            state: .closed,
                            updatedSince: since
                        )
                    }
                }
                var seen = Set<IssueRef>()
                var records: [RunRecord] = []
                for issue in recent where !issue.isPullRequest && seen.insert(issue.ref).inserted {
                    let history = RunHistory(comments: try await tracker.comments(on: issue.ref), botLogin: botLogin)
                    records += history.entries.map(\.record)
                }
                lastHour = FleetCaps.dispatchedLastHour(records, now: now)
            }
            return caps.allowance(inFlight: inFlight, dispatchedLastHour: lastHour)
        } catch {
            return nil
        }
    }
}
