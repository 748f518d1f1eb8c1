import Foundation

/// Caps across every repository (`max_concurrent_runs`, `max_dispatches_per_hour`): how many more
/// runs a poller tick may start, counted from the tracker (runs holding the lock, run records'
/// dispatch times).
public struct FleetCaps: Hashable, Sendable {
    public var maxConcurrentRuns: Int?
    public var maxDispatchesPerHour: Int?

    public init(maxConcurrentRuns: Int? = nil, maxDispatchesPerHour: Int? = nil) {
        self.maxConcurrentRuns = maxConcurrentRuns
        self.maxDispatchesPerHour = maxDispatchesPerHour
    }

    /// No cap is set: nothing to count.
    public var isEmpty: Bool { maxConcurrentRuns == nil && maxDispatchesPerHour == nil }

    /// What the tick may still start.
    public struct Allowance: Hashable, Sendable {
        /// Dispatches left this tick; nil: unlimited.
        public let slots: Int?
        /// Why no more (or, with slots left, the cap that will stop them), in words.
        public let reason: String?

        public init(slots: Int?, reason: String?) {
            self.slots = slots
            self.reason = reason
        }
    }

    /// - Parameters:
    ///   - inFlight: runs holding the lock across the fleet.
    ///   - dispatchedLastHour: runs whose record says they were dispatched within the last hour.
    public func allowance(inFlight: Int, dispatchedLastHour: Int) -> Allowance {
        var slots: Int?
        var reason: String?
        if let max = maxConcurrentRuns {
            let left = Swift.max(0, max - inFlight)
            slots = left
            reason = "\(inFlight) run(s) in flight across the fleet, max_concurrent_runs is \(max)"
        }
        if let max = maxDispatchesPerHour {
            let left = Swift.max(0, max - dispatchedLastHour)
            if slots.map({ left < $0 }) ?? true {
                slots = left
                reason = "\(dispatchedLastHour) dispatch(es) in the last hour, max_dispatches_per_hour is \(max)"
            }
        }
        return Allowance(slots: slots, reason: reason)
    }

    /// Runs of `records` dispatched at or after `now` - 1 hour.
    public static func dispatchedLastHour(_ records: [RunRecord], now: Date) -> Int {
        let since = now.addingTimeInterval(-3600)
        return
            records.filter { record in
                guard let at = Timestamp.parse(record.dispatchedAt) else { return false }
                return at >= since && record.phase != .notStarted
            }
            .count
    }
}
