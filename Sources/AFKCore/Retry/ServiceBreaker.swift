/// Whether a service is still worth asking within one tick. Pure: the caller feeds it what each
/// request came to.
///
/// A tick that keeps asking a service that is down spends the whole retry budget once per
/// repository and run, and a CronJob's pod is killed long before it reports. So once a service
/// has refused or dropped several connections in a row, or a request to it has spent its whole
/// retry budget, the breaker opens: every later call to that service in the same tick fails at
/// once (its runs wait), and the next tick starts with a closed breaker again.
public struct ServiceBreaker: Hashable, Sendable {
    /// What one request (or one attempt of it) came to.
    public enum Event: Hashable, Sendable {
        /// The service answered with any HTTP status (a 5xx included: it is there).
        case answered
        /// No answer: refused, reset, dropped or timed out.
        case connectionFailed(String)
        /// A request gave up after its retry budget.
        case retriesExhausted(String)
    }

    /// Connection failures in a row that open the breaker.
    public let threshold: Int
    /// Connection failures since the last answer.
    public private(set) var consecutiveFailures = 0
    /// Why the breaker is open; nil while closed.
    public private(set) var openReason: String?

    public init(threshold: Int = 3) {
        self.threshold = max(1, threshold)
    }

    public var isOpen: Bool { openReason != nil }

    /// Folds one event in. An open breaker stays open for the rest of the tick.
    public mutating func record(_ event: Event) {
        guard openReason == nil else { return }
        switch event {
        case .answered:
            consecutiveFailures = 0
        case .connectionFailed(let detail):
            consecutiveFailures += 1
            if consecutiveFailures >= threshold {
                openReason = "\(consecutiveFailures) connections in a row failed (last: \(detail))"
            }
        case .retriesExhausted(let detail):
            openReason = "a request spent its whole retry budget (\(detail))"
        }
    }
}
