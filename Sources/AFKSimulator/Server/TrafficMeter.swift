import Foundation
import Synchronization

/// The simulator's traffic, outside the state actor so that neither a delayed request nor the count blocks
/// another request: the latency each service answers with, and how many requests each has in flight (now and
/// at most since the last reset).
final class TrafficMeter: Sendable {
    private struct State {
        var latency = SimLatency()
        var inFlight: [SimService: Int] = [:]
        var maxInFlight: [SimService: Int] = [:]
    }

    private let state = Mutex(State())

    init(latency: SimLatency? = nil) {
        if let latency { state.withLock { $0.latency = latency } }
    }

    /// The latency setting, as the scenario's `latency_ms` (nil when no request is delayed).
    var latency: SimLatency? {
        state.withLock { $0.latency.isZero ? nil : $0.latency }
    }

    /// Replaces the whole latency setting (nil: no delay).
    func setLatency(_ latency: SimLatency?) {
        state.withLock { $0.latency = latency ?? SimLatency() }
    }

    /// Sets one service's latency, or the default for every service when `service` is nil.
    func setLatency(_ service: SimService?, milliseconds: Int) {
        state.withLock {
            if let service {
                $0.latency.services[service] = max(0, milliseconds)
            } else {
                $0.latency.milliseconds = max(0, milliseconds)
            }
        }
    }

    /// A request to `service` arrived: counts it in flight and returns how long to wait before answering it.
    func begin(_ service: SimService) -> Int {
        state.withLock {
            let now = $0.inFlight[service, default: 0] + 1
            $0.inFlight[service] = now
            $0.maxInFlight[service] = max($0.maxInFlight[service, default: 0], now)
            return $0.latency.milliseconds(for: service)
        }
    }

    /// A request to `service` was answered.
    func end(_ service: SimService) {
        state.withLock { $0.inFlight[service] = max(0, $0.inFlight[service, default: 0] - 1) }
    }

    /// Requests to `service` in flight now.
    func inFlight(_ service: SimService) -> Int {
        state.withLock { $0.inFlight[service, default: 0] }
    }

    /// The most requests to `service` in flight at once since the last ``resetMaxInFlight()``.
    func maxInFlight(_ service: SimService) -> Int {
        state.withLock { $0.maxInFlight[service, default: 0] }
    }

    /// Forgets the peaks (requests in flight now count again).
    func resetMaxInFlight() {
        state.withLock { $0.maxInFlight = $0.inFlight }
    }
}
