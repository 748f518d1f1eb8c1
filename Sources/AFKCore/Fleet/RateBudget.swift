/// Whether a tick may start one more repository without spending the share of the tracker's rate
/// limit it must leave alone (the reserve: for the other tick and for humans sharing the token).
public struct RateBudget: Hashable, Sendable {
    /// Requests left untouched by this tick.
    public let reserve: Int
    /// What one repository is expected to cost, at most.
    public let costPerRepository: Int

    public init(reserve: Int, costPerRepository: Int) {
        self.reserve = reserve
        self.costPerRepository = costPerRepository
    }

    public enum Verdict: Hashable, Sendable {
        case start
        /// Not this tick: the reason, in words.
        case deferred(String)
    }

    /// - Parameter remaining: the tracker's last `x-ratelimit-remaining`; nil when it never said
    ///   (Forgejo and Gitea send no such header): nothing to budget.
    public func verdict(remaining: Int?) -> Verdict {
        guard let remaining else { return .start }
        guard remaining - costPerRepository >= reserve else {
            return .deferred(
                "the tracker's rate limit has \(remaining) requests left, and starting another repository could take it below the reserve of \(reserve)"
            )
        }
        return .start
    }
}
