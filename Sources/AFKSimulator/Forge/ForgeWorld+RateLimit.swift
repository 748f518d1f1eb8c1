import Foundation

/// The GitHub view's primary rate limits: per token, a `core` bucket (hourly) and a `search` bucket (per
/// minute), counted down on every authorised request and reported in the `x-ratelimit-*` headers
/// (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#checking-the-status-of-your-rate-limit).
/// `GET /rate_limit` spends nothing (https://docs.github.com/en/rest/rate-limit/rate-limit).
extension ForgeWorld {
    static let primaryRateLimitDoc =
        "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit"

    /// The bucket a request to `segments` spends: `search` for `/search/…`, nothing for `/rate_limit`, `core`
    /// for the rest.
    static func rateResource(_ segments: [String]) -> String? {
        if segments.first == "search" { return "search" }
        if segments == ["rate_limit"] { return nil }
        return "core"
    }

    /// Starts a new window for a bucket whose reset time has passed.
    mutating func rollRateWindows(now: Date) {
        let epoch = Int(now.timeIntervalSince1970)
        if epoch >= rateReset {
            rateUsed = [:]
            rateReset = epoch + 3600
        }
        if epoch >= fleet.searchReset {
            fleet.searchUsed = [:]
            fleet.searchReset = epoch + 60
        }
    }

    /// `limit`, `used`, `remaining` and `reset` of a bucket for `login` (nil: unauthenticated, 60 an hour).
    func rateStatus(_ resource: String, login: String?) -> (limit: Int, used: Int, remaining: Int, reset: Int) {
        let limit: Int
        let used: Int
        let reset: Int
        if resource == "search" {
            limit = login == nil ? 10 : fleet.limits.search
            used = fleet.searchUsed[login ?? "", default: 0]
            reset = fleet.searchReset
        } else {
            limit = login == nil ? 60 : fleet.limits.core
            used = rateUsed[login ?? "", default: 0]
            reset = rateReset
        }
        return (limit, min(used, max(limit, 0)), max(0, limit - used), reset)
    }

    /// Spends one request of the bucket `request` belongs to, or answers the primary-limit 403 when the bucket
    /// is empty (the body GitHub sends, `x-ratelimit-remaining: 0`).
    mutating func spendRateLimit(_ request: SimRequest, login: String, now: Date) -> SimResponse? {
        rollRateWindows(now: now)
        guard let resource = Self.rateResource(request.segments) else { return nil }
        guard rateStatus(resource, login: login).remaining > 0 else {
            return .json(
                403,
                .obj([
                    "message": .string("API rate limit exceeded for user ID \(Self.userID(for: login))."),
                    "documentation_url": .string(Self.primaryRateLimitDoc),
                    "status": .string("403"),
                ])
            )
        }
        if resource == "search" {
            fleet.searchUsed[login, default: 0] += 1
        } else {
            rateUsed[login, default: 0] += 1
        }
        return nil
    }

    /// The `x-ratelimit-*` headers of a bucket.
    func rateLimitHeaders(_ resource: String, login: String?) -> [(String, String)] {
        let status = rateStatus(resource, login: login)
        return [
            ("x-ratelimit-limit", String(status.limit)),
            ("x-ratelimit-remaining", String(status.remaining)),
            ("x-ratelimit-used", String(status.used)),
            ("x-ratelimit-reset", String(status.reset)),
            ("x-ratelimit-resource", resource),
        ]
    }

    /// `GET /rate_limit`: every bucket's status; the top-level `rate` (closing down) repeats `core`
    /// (https://docs.github.com/en/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user).
    func rateLimitObject(login: String) -> JSONValue {
        func bucket(_ resource: String) -> JSONValue {
            let status = rateStatus(resource, login: login)
            return .obj([
                "limit": .num(status.limit), "used": .num(status.used), "remaining": .num(status.remaining),
                "reset": .num(status.reset),
            ])
        }
        return .obj(["resources": .obj(["core": bucket("core"), "search": bucket("search")]), "rate": bucket("core")])
    }

    /// Sets a bucket's limit for every token and, when given, what remains of it now and when it resets.
    mutating func setRateLimit(_ resource: String, limit: Int, remaining: Int?, resetIn: TimeInterval?, now: Date) {
        let logins = Set(tokens.values)
        if resource == "search" {
            fleet.limits.search = limit
            if let remaining { for login in logins { fleet.searchUsed[login] = max(0, limit - remaining) } }
            if let resetIn { fleet.searchReset = Int(now.addingTimeInterval(resetIn).timeIntervalSince1970) }
        } else {
            fleet.limits.core = limit
            if let remaining { for login in logins { rateUsed[login] = max(0, limit - remaining) } }
            if let resetIn { rateReset = Int(now.addingTimeInterval(resetIn).timeIntervalSince1970) }
        }
        fleet.limitsConfigured = true
    }
}
