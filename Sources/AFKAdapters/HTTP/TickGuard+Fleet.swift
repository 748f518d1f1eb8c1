import AFKCore
import Foundation
import Synchronization

/// What a tick shares across repositories processed concurrently: at most ``limit`` requests in
/// flight per service, and the rate-limit budget each service last reported.
///
/// A freed place goes to a waiting read before a waiting write, then to the request of the lowest
/// ``rank`` (the earliest repository in the tick's list), then to the longest waiter. Repositories
/// thus advance one after another rather than all in step: the first ones reach their agent
/// runtime while later ones are still reading, so every service stays busy instead of each taking
/// its turn; and a repository's writes, which end its work, fill the places the reads leave.
/// A write waits at most for the reads queued ahead of it, and those are bounded: each
/// repository under way has at most two reads waiting, so with `4 × limit` repositories a write
/// waits for no more than about eight rounds of reads.
public final class FleetLimits: Sendable {
    /// The rank of the requests made by the current task: its repository's place in the tick's
    /// list. Requests made outside any repository's work come first.
    @TaskLocal public static var rank: Int = Int.min

    struct Waiter {
        let writing: Bool
        let rank: Int
        let id: UInt64
        let continuation: CheckedContinuation<Void, Never>

        func precedes(_ other: Waiter) -> Bool {
            (writing ? 1 : 0, rank, id) < (other.writing ? 1 : 0, other.rank, other.id)
        }
    }

    struct State {
        var inFlight: [String: Int] = [:]
        var waiting: [String: [Waiter]] = [:]
        var nextID: UInt64 = 0
        /// The last rate-limit reading per service key and bucket (`core`, `search`).
        var readings: [String: RateLimitReading] = [:]
        var peakInFlight: [String: Int] = [:]
        /// Requests sent, per service name.
        var sent: [String: Int] = [:]
    }

    let state = Mutex(State())
    /// Requests in flight per service at most (`http.max_in_flight`).
    public let limit: Int

    public init(maxInFlight: Int) {
        self.limit = max(1, maxInFlight)
    }

    /// Waits until fewer than ``limit`` requests to `key` are in flight, then counts one more.
    /// - Parameter writing: whether the request changes something (any method but GET and HEAD).
    public func acquire(_ key: String, writing: Bool = false) async {
        let rank = Self.rank
        let admitted = state.withLock { state -> Bool in
            let count = state.inFlight[key, default: 0]
            guard count < limit else { return false }
            state.inFlight[key] = count + 1
            state.peakInFlight[key] = max(state.peakInFlight[key, default: 0], count + 1)
            return true
        }
        if admitted { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                // A release may have happened between the check above and here.
                let count = state.inFlight[key, default: 0]
                if count < limit {
                    state.inFlight[key] = count + 1
                    state.peakInFlight[key] = max(state.peakInFlight[key, default: 0], count + 1)
                    return true
                }
                state.nextID += 1
                state.waiting[key, default: []]
                    .append(
                        Waiter(writing: writing, rank: rank, id: state.nextID, continuation: continuation)
                    )
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Counts one request to `key` done, handing its place to the first waiter (see above).
    public func release(_ key: String) {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if var queue = state.waiting[key], let first = queue.indices.min(by: { queue[$0].precedes(queue[$1]) }) {
                let waiter = queue.remove(at: first)
                state.waiting[key] = queue
                return waiter.continuation  // the place passes on: the count stays
            }
            state.inFlight[key] = max(0, state.inFlight[key, default: 0] - 1)
            return nil
        }
        next?.resume()
    }

    /// How many requests to `key` are waiting for a place.
    public func queuedCount(_ key: String) -> Int { state.withLock { $0.waiting[key]?.count ?? 0 } }

    /// Counts one request sent to `service` (its name: `GitHub`, `T3`, …).
    public func countRequest(_ service: String) { state.withLock { $0.sent[service, default: 0] += 1 } }

    /// Requests sent this tick, per service name.
    public var requestsSent: [String: Int] { state.withLock { $0.sent } }

    /// The most requests to `key` that were in flight at once this tick.
    public func peakInFlight(_ key: String) -> Int { state.withLock { $0.peakInFlight[key, default: 0] } }

    /// Records the rate-limit headers of a response from `key`, if it carries them.
    public func observe(_ headers: [String: String], from key: String) {
        guard let reading = RateLimitReading(headers: headers) else { return }
        state.withLock { $0.readings["\(key)|\(reading.resource)"] = reading }
    }

    /// The lowest `remaining` any service last reported for `resource` (only GitHub reports one).
    public func lowestRemaining(resource: String = "core") -> Int? {
        state.withLock { state in
            state.readings.values.filter { $0.resource == resource }.map(\.remaining).min()
        }
    }

    /// What `key` last said about `resource` (GitHub's `core` by default), if it said anything.
    public func reading(_ key: String, resource: String = "core") -> RateLimitReading? {
        state.withLock { $0.readings["\(key)|\(resource)"] }
    }
}

/// One response's rate-limit headers (GitHub: `x-ratelimit-limit`, `-remaining`, `-reset`,
/// `-resource`; https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#checking-the-status-of-your-rate-limit).
public struct RateLimitReading: Hashable, Sendable {
    public let limit: Int
    public let remaining: Int
    /// Seconds since 1970 when the window resets.
    public let reset: Int?
    /// The bucket (`core`, `search`, …); `core` when the header is absent.
    public let resource: String

    public init(limit: Int, remaining: Int, reset: Int? = nil, resource: String = "core") {
        self.limit = limit
        self.remaining = remaining
        self.reset = reset
        self.resource = resource
    }

    /// Nil unless both `x-ratelimit-limit` and `x-ratelimit-remaining` are whole numbers.
    public init?(headers: [String: String]) {
        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name }?.value.trimmingCharacters(in: .whitespaces)
        }
        guard let limit = header("x-ratelimit-limit").flatMap(Int.init),
            let remaining = header("x-ratelimit-remaining").flatMap(Int.init)
        else { return nil }
        self.init(
            limit: limit,
            remaining: remaining,
            reset: header("x-ratelimit-reset").flatMap(Int.init),
            resource: header("x-ratelimit-resource") ?? "core"
        )
    }
}
