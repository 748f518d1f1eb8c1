import AFKCore
import Testing

/// Retry 5xx, 429 and rate-limit 403s with backoff that honours Retry-After and
/// x-ratelimit-reset; deliver everything else; never wait past the budget.
struct RetryPolicyTests {
    static let policy = RetryPolicy(budgetSeconds: 60, baseDelaySeconds: 1, maxDelaySeconds: 30)
    static let now = 1_800_000_000.0

    enum Expected: Hashable, CustomStringConvertible {
        case deliver
        case retry(Double)
        case giveUp
        var description: String {
            switch self {
            case .deliver: "deliver"
            case .retry(let s): "retry after \(s)s"
            case .giveUp: "give up"
            }
        }
    }

    static func classify(_ outcome: RetryPolicy.Outcome) -> Expected {
        switch outcome {
        case .deliver: .deliver
        case .retry(let s): .retry(s)
        case .giveUp: .giveUp
        }
    }

    static func response(_ status: Int, _ headers: [String: String] = [:], _ body: String = "") -> RetryPolicy.Attempt {
        .response(status: status, headers: headers, body: body)
    }

    static let secondary =
        #"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#
    static let primary = #"{"message":"API rate limit exceeded for user ID 1."}"#

    /// (name, attempt, attempt number, elapsed seconds, expected)
    @Test(
        arguments: [
            // Final answers are delivered as they are.
            ("200", response(200), 1, 0, .deliver),
            ("204", response(204), 1, 0, .deliver),
            ("304", response(304), 1, 0, .deliver),
            ("400", response(400), 1, 0, .deliver),
            ("401", response(401), 1, 0, .deliver),
            ("401 even with retry-after", response(401, ["retry-after": "5"]), 1, 0, .deliver),
            ("404", response(404), 1, 0, .deliver),
            (
                "404 even with remaining 0",
                response(404, ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1800000010"]), 1, 0, .deliver
            ),
            ("409", response(409), 1, 0, .deliver),
            ("422", response(422), 1, 0, .deliver),
            ("499", response(499), 1, 0, .deliver),
            ("600", response(600), 1, 0, .deliver),
            // A plain 403 is a refusal, not a limit.
            ("plain 403", response(403), 1, 0, .deliver),
            (
                "403 not accessible", response(403, [:], #"{"message":"Resource not accessible by integration"}"#), 1,
                0, .deliver
            ),
            (
                "403 admin rights", response(403, [:], #"{"message":"Must have admin rights to Repository."}"#), 1, 0,
                .deliver
            ),
            (
                "403 with quota left",
                response(403, ["x-ratelimit-remaining": "4999", "x-ratelimit-reset": "1800000010"]), 1, 0, .deliver
            ),
            ("403 on a late attempt", response(403), 5, 10, .deliver),
            // 5xx and transport failures back off exponentially, capped.
            ("500", response(500), 1, 0, .retry(1)),
            ("502 second attempt", response(502), 2, 0, .retry(2)),
            ("503 third attempt", response(503), 3, 0, .retry(4)),
            ("504 fifth attempt", response(504), 5, 0, .retry(16)),
            ("599 sixth attempt (capped)", response(599), 6, 0, .retry(30)),
            ("500 hundredth attempt (capped)", response(500), 100, 0, .retry(30)),
            ("transport failure", .transportFailure("connection refused"), 1, 0, .retry(1)),
            ("transport failure fourth attempt", .transportFailure("reset"), 4, 0, .retry(8)),
            // Retry-After is honoured on 5xx, even beyond the backoff cap.
            ("503 retry-after 3", response(503, ["retry-after": "3"]), 4, 0, .retry(3)),
            ("503 retry-after 45", response(503, ["retry-after": "45"]), 1, 0, .retry(45)),
            ("503 retry-after with blanks", response(503, ["retry-after": " 5 "]), 1, 0, .retry(5)),
            (
                "503 retry-after as a date falls back to backoff",
                response(503, ["retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"]), 2, 0, .retry(2)
            ),
            ("503 negative retry-after falls back to backoff", response(503, ["retry-after": "-5"]), 3, 0, .retry(4)),
            ("503 infinite retry-after falls back to backoff", response(503, ["retry-after": "inf"]), 1, 0, .retry(1)),
            // 429: Retry-After, else the reset time, else at least a minute.
            ("429 retry-after", response(429, ["retry-after": "7"]), 1, 0, .retry(7)),
            ("429 retry-after 0", response(429, ["retry-after": "0"]), 1, 0, .retry(0)),
            (
                "429 reset", response(429, ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1800000020"]), 1, 0,
                .retry(21)
            ),
            (
                "429 reset already past",
                response(429, ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1799999000"]), 1, 0, .retry(1)
            ),
            (
                "429 retry-after wins over reset",
                response(429, ["retry-after": "4", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1800000050"]),
                1, 0, .retry(4)
            ),
            ("429 without guidance", response(429), 1, 0, .retry(60)),
            ("429 without guidance, late attempt", response(429), 9, 0, .retry(60)),
            // Rate-limit 403s: the same, whichever sign gives them away.
            ("403 secondary with retry-after", response(403, ["retry-after": "30"], secondary), 1, 0, .retry(30)),
            ("403 retry-after only", response(403, ["retry-after": "10"]), 1, 0, .retry(10)),
            (
                "403 primary limit",
                response(403, ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1800000010"], primary), 1, 0,
                .retry(11)
            ),
            ("403 remaining 0 without reset", response(403, ["x-ratelimit-remaining": "0"]), 1, 0, .retry(60)),
            ("403 secondary without guidance", response(403, [:], secondary), 1, 0, .retry(60)),
            ("403 secondary without guidance, capital letters", response(403, [:], "RATE LIMIT"), 1, 0, .retry(60)),
            // Never past the budget: give up instead.
            ("403 secondary without guidance, 5s in", response(403, [:], secondary), 1, 5, .giveUp),
            ("429 retry-after an hour", response(429, ["retry-after": "3600"]), 1, 0, .giveUp),
            (
                "403 reset in an hour",
                response(403, ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1800003600"]), 1, 0, .giveUp
            ),
            ("503 backoff would overrun", response(502), 3, 58, .giveUp),
            ("503 backoff lands exactly on the budget", response(502), 3, 56, .retry(4)),
            ("503 budget already spent", response(500), 1, 60, .giveUp),
            ("503 retry-after exactly fills the budget", response(503, ["retry-after": "60"]), 1, 0, .retry(60)),
            ("503 retry-after one past the budget", response(503, ["retry-after": "61"]), 1, 0, .giveUp),
            ("transport failure past the budget", .transportFailure("timeout"), 6, 45, .giveUp),
        ] as [(String, RetryPolicy.Attempt, Int, Double, Expected)]
    )
    func decide(name: String, attempt: RetryPolicy.Attempt, attemptNumber: Int, elapsed: Double, expected: Expected) {
        let outcome = Self.policy.decide(
            attempt,
            attemptNumber: attemptNumber,
            elapsedSeconds: elapsed,
            nowEpochSeconds: Self.now
        )
        #expect(Self.classify(outcome) == expected, "\(name): \(outcome)")
    }

    /// No retry waits past the tick's deadline, whatever the budget says.
    @Test(arguments: [(100.0, true), (5.0, true), (2.0, false), (0.5, false)])
    func noWaitReachesPastTheDeadline(secondsLeft: Double, retries: Bool) {
        let outcome = RetryPolicy(budgetSeconds: 60)
            .decide(
                .response(status: 502, headers: [:], body: ""),
                attemptNumber: 2,
                elapsedSeconds: 1,
                nowEpochSeconds: 0,
                secondsLeft: secondsLeft
            )
        switch outcome {
        case .retry(let wait): #expect(retries && wait == 2)
        case .giveUp(let why): #expect(!retries && why.contains("past the tick's deadline"))
        case .deliver: Issue.record("a 502 is never delivered as is")
        }
    }

    @Test func givingUpSaysWhyAndHowLong() throws {
        let outcome = Self.policy.decide(
            Self.response(429, ["retry-after": "3600"]),
            attemptNumber: 1,
            elapsedSeconds: 0,
            nowEpochSeconds: Self.now
        )
        guard case .giveUp(let why) = outcome else {
            Issue.record("expected give up, got \(outcome)")
            return
        }
        #expect(why.contains("429"))
        #expect(why.contains("3600s"))
        #expect(why.contains("60s budget"))
    }

    /// Every status with no rate-limit signs: only 5xx and 429 are transient.
    @Test func everyStatusIsClassified() {
        for status in 100..<700 {
            let outcome = Self.policy.decide(
                Self.response(status),
                attemptNumber: 1,
                elapsedSeconds: 0,
                nowEpochSeconds: Self.now
            )
            let transient = (500...599).contains(status) || status == 429
            #expect((outcome != .deliver) == transient, "\(status): \(outcome)")
        }
    }

    /// Whatever the attempt, the wait never ends past the budget and is never negative.
    @Test(
        arguments: [
            response(500), response(503, ["retry-after": "20"]), response(429), response(429, ["retry-after": "13"]),
            response(403, [:], secondary),
            response(403, ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1800000025"]),
            .transportFailure("reset"),
        ] as [RetryPolicy.Attempt]
    )
    func noWaitEndsPastTheBudget(attempt: RetryPolicy.Attempt) {
        for budget in [0.0, 10, 60, 300] {
            let policy = RetryPolicy(budgetSeconds: budget, baseDelaySeconds: 0.5, maxDelaySeconds: 20)
            for attemptNumber in 1...12 {
                for elapsed in stride(from: 0.0, through: budget + 5, by: 0.5) {
                    switch policy.decide(
                        attempt,
                        attemptNumber: attemptNumber,
                        elapsedSeconds: elapsed,
                        nowEpochSeconds: Self.now
                    ) {
                    case .retry(let wait):
                        if wait < 0 || elapsed + wait > budget {
                            Issue.record(
                                "budget \(budget), attempt \(attemptNumber), elapsed \(elapsed): waits \(wait)"
                            )
                            return
                        }
                    case .giveUp: break
                    case .deliver:
                        Issue.record("a transient failure was delivered")
                        return
                    }
                }
            }
        }
    }

    @Test func backoffIsMonotoneAndUsesTheConfiguredBaseAndCap() {
        let policy = RetryPolicy(budgetSeconds: 1000, baseDelaySeconds: 0.25, maxDelaySeconds: 5)
        let waits = (1...10)
            .map { policy.decide(Self.response(500), attemptNumber: $0, elapsedSeconds: 0, nowEpochSeconds: 0) }
        #expect(waits == [0.25, 0.5, 1, 2, 4, 5, 5, 5, 5, 5].map { RetryPolicy.Outcome.retry(afterSeconds: $0) })
    }

    @Test func theDefaultsAreAMinuteOfBudgetFromOneSecondUpToThirty() {
        let policy = RetryPolicy()
        #expect(policy.budgetSeconds == 60 && policy.baseDelaySeconds == 1 && policy.maxDelaySeconds == 30)
    }

    /// (headers, body, rate limited)
    @Test(
        arguments: [
            ([:], "", false),
            ([:], #"{"message":"Resource not accessible by integration"}"#, false),
            (["x-ratelimit-remaining": "1"], "", false),
            (["x-ratelimit-reset": "1800000000"], "", false),
            (["x-ratelimit-remaining": "0"], "", true),
            (["retry-after": "1"], "", true),
            ([:], secondary, true),
            ([:], primary, true),
            ([:], "Rate Limit", true),
        ] as [([String: String], String, Bool)]
    )
    func rateLimited403(headers: [String: String], body: String, limited: Bool) {
        #expect(RetryPolicy.isRateLimited403(headers: headers, body: body) == limited)
    }
}
