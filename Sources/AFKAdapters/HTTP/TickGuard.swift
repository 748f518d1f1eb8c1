import AFKCore
import Foundation
import Synchronization

/// What bounds one tick in time: its deadline, a stop request (SIGTERM), and one
/// ``ServiceBreaker`` per service. Shared by every ``ServiceClient`` of the tick through the
/// transport (``HTTPTransport/tickGuard``), and asked by the tick loops before they start a
/// repository or a run.
///
/// A tick therefore always ends with its report: once the deadline has passed or a stop was
/// requested nothing new starts and no request is sent or retried; once a service has failed
/// (several refused connections in a row, or a spent retry budget) later calls to it fail at once.
public final class TickGuard: Sendable {
    struct State {
        var stopReason: String?
        var breakers: [String: ServiceBreaker] = [:]
    }

    let state = Mutex(State())
    /// Seconds since an arbitrary origin, monotonic.
    let clock: @Sendable () -> Double
    let deadline: Double?
    let breakerThreshold: Int
    /// Requests in flight per service, and the rate-limit budgets services report.
    public let fleet: FleetLimits

    /// - Parameters:
    ///   - deadlineSeconds: seconds from now after which nothing new starts (`tick.deadline_seconds`);
    ///     nil for no deadline.
    ///   - breakerThreshold: connection failures in a row that make a service unavailable for the
    ///     rest of the tick.
    ///   - clock: monotonic seconds (tests pass their own).
    public init(
        deadlineSeconds: Double?,
        breakerThreshold: Int = 3,
        maxInFlight: Int = 8,
        clock: @escaping @Sendable () -> Double = TickGuard.monotonicSeconds
    ) {
        self.fleet = FleetLimits(maxInFlight: maxInFlight)
        self.clock = clock
        self.deadline = deadlineSeconds.map { clock() + $0 }
        self.breakerThreshold = breakerThreshold
    }

    /// Seconds on a monotonic clock (not affected by changes to the wall clock).
    public static let monotonicSeconds: @Sendable () -> Double = {
        let now = ContinuousClock.now
        let components = (now - ContinuousClock.Instant.origin).components
        return Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Stops the tick: nothing new starts, no request is sent or retried.
    public func stop(_ reason: String) {
        state.withLock { if $0.stopReason == nil { $0.stopReason = reason } }
    }

    /// Why the tick was asked to stop, if it was.
    public var stopReason: String? { state.withLock { $0.stopReason } }

    /// Seconds until the deadline (negative once past); nil without a deadline.
    public var secondsLeft: Double? { deadline.map { $0 - clock() } }

    /// Why nothing new may start now (a stop request or the deadline), or nil.
    public var haltReason: String? {
        if let reason = state.withLock({ $0.stopReason }) { return reason }
        if let left = secondsLeft, left <= 0 { return "the tick's deadline (tick.deadline_seconds) has passed" }
        return nil
    }

    /// Why a request to the service `key` must not be sent now, or nil.
    public func refusal(for key: String) -> String? {
        if let halt = haltReason { return halt }
        return state.withLock { $0.breakers[key]?.openReason }.map { "not asked again this tick: \($0)" }
    }

    /// Folds what a request to `key` came to into that service's breaker.
    public func record(_ event: ServiceBreaker.Event, for key: String) {
        state.withLock { state in
            var breaker = state.breakers[key] ?? ServiceBreaker(threshold: breakerThreshold)
            breaker.record(event)
            state.breakers[key] = breaker
        }
    }
}

extension ContinuousClock.Instant {
    /// An arbitrary fixed instant to measure from.
    fileprivate static let origin = ContinuousClock.now
}
