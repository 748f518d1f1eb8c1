import Foundation

/// The body of a repository's dashboard issue: the queue with each issue's gate verdict, the runs
/// in flight, the last verdicts, the fleet caps and breaker in force, the controls, the log, and
/// the hidden ``DashboardState``. Re-rendered each poller tick with every control unticked; the
/// issue is edited only when something other than the "updated" line changed.
public enum DashboardPage {
    public struct Queued: Hashable, Sendable {
        public let number: Int
        public let title: String
        /// Why it waits, or that it is next.
        public let verdict: String

        public init(number: Int, title: String, verdict: String) {
            self.number = number
            self.title = title
            self.verdict = verdict
        }
    }

    public struct InFlight: Hashable, Sendable {
        public let number: Int
        public let title: String
        public let record: RunRecord

        public init(number: Int, title: String, record: RunRecord) {
            self.number = number
            self.title = title
            self.record = record
        }
    }

    public struct Ended: Hashable, Sendable {
        public let number: Int
        public let title: String
        public let record: RunRecord
        /// Still handed to a human (a retry is possible).
        public let retryable: Bool

        public init(number: Int, title: String, record: RunRecord, retryable: Bool) {
            self.number = number
            self.title = title
            self.record = record
            self.retryable = retryable
        }
    }

    static let updatedPrefix = "_Updated by afk at "

    public static func render(
        title: String,
        repo: RepoRef,
        state: DashboardState,
        queue: [Queued],
        inFlight: [InFlight],
        ended: [Ended],
        inForce: [String],
        now: Date
    ) -> String {
        var lines = [
            "🤖 **afk** dashboard for \(repo). Tick a box to act: afk acts on it once on its next tick and unticks it.",
            "Only people with write access can edit this issue, so only they can use the controls.",
            "",
        ]
        lines.append(
            state.paused
                ? "**Dispatching is paused here**" + (state.pausedBy.map { " (\($0))" } ?? "") + "."
                : "Dispatching is on."
        )
        for line in inForce { lines.append("- ⚠️ \(line)") }
        lines += ["", "### Controls"]
        // Paused by a person, or by the circuit breaker: either way a person resumes.
        if state.paused || state.breakerOpenedAt != nil {
            lines.append(DashboardControl.resume.line("Resume dispatching in this repository"))
        }
        if !state.paused {
            lines.append(DashboardControl.pause.line("Pause dispatching in this repository"))
        }
        for run in ended where run.retryable {
            lines.append(
                DashboardControl.retry(run.number).line("Retry #\(run.number) (starts run \(run.record.run + 1))")
            )
        }
        for item in queue.prefix(20) where item.number != state.dispatchNext {
            lines.append(DashboardControl.dispatchNext(item.number).line("Dispatch #\(item.number) next"))
        }
        lines += ["", "### Queue (in dispatch order)"]
        if queue.isEmpty { lines.append("Nothing is ready.") }
        for item in queue {
            let next = item.number == state.dispatchNext ? " — next, as asked on this dashboard" : ""
            let title = item.title.isEmpty ? "" : " \(item.title)"
            lines.append("- #\(item.number)\(title): \(item.verdict)\(next)")
        }
        lines += ["", "### In flight"]
        if inFlight.isEmpty { lines.append("No run in flight.") }
        for run in inFlight {
            let record = run.record
            let phase = (record.phase ?? .dispatched).rawValue
            // Since when, not for how long: an age would change the page every tick.
            let since = record.phaseSince ?? record.dispatchedAt
            var parts = [
                "#\(run.number) \(run.title): run \(record.run), \(phase) since \(since)",
                "attempts \(record.attempts)",
            ]
            if let pr = record.pullRequest {
                parts.append(record.pullRequestURL.map { "[PR #\(pr)](\($0))" } ?? "PR #\(pr)")
            }
            parts.append("thread `\(record.threadID)`")
            lines.append("- " + parts.joined(separator: ", "))
        }
        lines += ["", "### Last verdicts"]
        if ended.isEmpty { lines.append("None yet.") }
        for run in ended.prefix(10) {
            let phase = (run.record.phase ?? .dispatched).rawValue
            let when = run.record.phaseSince ?? run.record.dispatchedAt
            lines.append(
                "- #\(run.number) \(run.title): run \(run.record.run) \(phase) at \(when)"
                    + (run.record.note.map { ": \($0)" } ?? "")
            )
        }
        if !state.log.isEmpty {
            lines += ["", "### Log"]
            lines += state.log.map { "- \($0)" }
        }
        lines += ["", updatedPrefix + Timestamp.format(now) + "_", "", state.encodedMarker()]
        return lines.joined(separator: "\n")
    }

    /// The body without its "updated" line: what decides whether the issue needs an edit.
    public static func content(_ body: String) -> String {
        body.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix(updatedPrefix) }
            .joined(separator: "\n")
    }
}

/// A repository's circuit breaker: after `threshold` consecutive runs ending frozen or escalated
/// afk stops dispatching there until a human resumes it on the dashboard.
public enum RepoBreaker {
    /// - Parameters:
    ///   - ended: ended runs (phase and when they ended); runs that ended before `resumedAt` do
    ///     not count.
    public static func isOpen(ended: [(RunPhase, Date)], threshold: Int, resumedAt: Date?) -> Bool {
        guard threshold > 0 else { return false }
        let counted = ended.filter { run in resumedAt.map { run.1 > $0 } ?? true }.sorted { $0.1 > $1.1 }
        guard counted.count >= threshold else { return false }
        return counted.prefix(threshold).allSatisfy { $0.0 == .frozen || $0.0 == .escalated }
    }
}
