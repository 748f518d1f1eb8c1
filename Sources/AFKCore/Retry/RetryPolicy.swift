import Foundation

/// Decides whether and when an HTTP call is retried. Pure: the caller passes the clock reading.
///
/// GitHub (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api):
/// primary limits answer 403 or 429 with `x-ratelimit-remaining: 0` (wait
/// until `x-ratelimit-reset`); secondary limits answer 403 or 429 with a message and usually
/// `retry-after` (else wait at least a minute). A 403 without any of those signs is a permission
/// or credential problem and is never retried. 5xx and transport failures are retried with
/// exponential backoff. No retry waits past the budget: it gives up instead.
public struct RetryPolicy: Hashable, Sendable {
    /// Total seconds one logical call may spend retrying.
    public var budgetSeconds: Double
    public var baseDelaySeconds: Double
    public var maxDelaySeconds: Double

    public init(budgetSeconds: Double = 60, baseDelaySeconds: Double = 1, maxDelaySeconds: Double = 30) {
        self.budgetSeconds = budgetSeconds
        self.baseDelaySeconds = baseDelaySeconds
        self.maxDelaySeconds = maxDelaySeconds
    }

    public enum Outcome: Hashable, Sendable {
        /// Hand the response to the caller as it is.
        case deliver
        case retry(afterSeconds: Double)
        /// Transient, but the wait would exceed the budget.
        case giveUp(String)
    }

    /// What a failed attempt looked like.
    public enum Attempt: Hashable, Sendable {
        /// A response with a status, lower-cased header names, and the body text (for the
        /// secondary-rate-limit message).
        case response(status: Int, headers: [String: String], body: String)
        /// No response: connection refused, reset or timed out.
        case transportFailure(String)
    }

    /// - Parameters:
    ///   - attempt: the attempt's result.
    ///   - attemptNumber: 1 for the first try.
    ///   - elapsedSeconds: seconds since the first try started.
    ///   - nowEpochSeconds: the current time, for `x-ratelimit-reset`.
    ///   - secondsLeft: how long the tick may still run (its deadline), if it has one: no wait
    ///     reaches past it.
    public func decide(
        _ attempt: Attempt,
        attemptNumber: Int,
        elapsedSeconds: Double,
        nowEpochSeconds: Double,
        secondsLeft: Double? = nil
    ) -> Outcome {
        let wait: Double
        let what: String
        switch attempt {
        case .transportFailure(let detail):
            wait = backoff(attemptNumber)
            what = detail
        case .response(let status, let headers, let body):
            switch status {
            case 500...599:
                wait = retryAfter(headers) ?? backoff(attemptNumber)
                what = "HTTP \(status)"
            case 429, 403:
                guard status == 429 || Self.isRateLimited403(headers: headers, body: body) else { return .deliver }
                if let after = retryAfter(headers) {
                    wait = after
                } else if headers["x-ratelimit-remaining"] == "0",
                    let reset = headers["x-ratelimit-reset"].flatMap(Double.init)
                {
                    wait = max(0, reset - nowEpochSeconds) + 1
                } else {
                    // Secondary limit without guidance: at least a minute, growing.
                    wait = max(60, backoff(attemptNumber))
                }
                what = "rate limited (HTTP \(status))"
            default:
                return .deliver
            }
        }
        guard elapsedSeconds + wait <= budgetSeconds else {
            return .giveUp(
                "\(what); retrying would need \(Int(wait.rounded(.up)))s more, past the \(Int(budgetSeconds))s budget"
            )
        }
        if let secondsLeft, wait >= secondsLeft {
            return .giveUp("\(what); retrying would need \(Int(wait.rounded(.up)))s more, past the tick's deadline")
        }
        return .retry(afterSeconds: wait)
    }

    func backoff(_ attemptNumber: Int) -> Double {
        let exponent = Double(max(0, min(attemptNumber - 1, 16)))
        var delay = baseDelaySeconds
        for _ in 0..<Int(exponent) { delay *= 2 }
        return min(maxDelaySeconds, delay)
    }

    func retryAfter(_ headers: [String: String]) -> Double? {
        guard let raw = headers["retry-after"]?.trimmingCharacters(in: .whitespaces),
            let seconds = Double(raw), seconds >= 0, seconds.isFinite
        else { return nil }
        return seconds
    }

    /// A 403 that is a rate limit rather than a refusal.
    public static func isRateLimited403(headers: [String: String], body: String) -> Bool {
        if headers["retry-after"] != nil { return true }
        if headers["x-ratelimit-remaining"] == "0" { return true }
        return body.lowercased().contains("rate limit")
    }
}
