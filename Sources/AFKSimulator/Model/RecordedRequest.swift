import Foundation

/// One request the simulator received (including rejected and faulted ones). Token values are never stored.
public struct RecordedRequest: Sendable, Codable, Equatable {
    /// Sequence number within the log (1-based, never reused until the log is cleared).
    public var seq: Int
    /// HTTP method, upper-case.
    public var method: String
    /// Path without the service prefix (`/github`, `/forgejo`, `/_sim`, …), percent-decoded per segment (Forgejo
    /// paths keep their `/api/v1`).
    public var path: String
    /// Query items (the last value wins on repeated names).
    public var query: [String: String]
    /// The service the path prefix selected (``SimService/unknown`` for a path under none).
    public var service: SimService
    /// Request body as UTF-8 text, or `nil` when empty.
    public var body: String?
    /// Response status (0 while the request is still being handled).
    public var status: Int
    /// Whether an `Authorization` header was present.
    public var hadAuthorization: Bool
    /// Whether a fault answered or delayed this request.
    public var faulted: Bool

    /// Creates a record.
    public init(
        seq: Int = 0,
        method: String,
        path: String,
        query: [String: String] = [:],
        service: SimService,
        body: String? = nil,
        status: Int = 0,
        hadAuthorization: Bool = false,
        faulted: Bool = false
    ) {
        self.seq = seq
        self.method = method
        self.path = path
        self.query = query
        self.service = service
        self.body = body
        self.status = status
        self.hadAuthorization = hadAuthorization
        self.faulted = faulted
    }

    enum CodingKeys: String, CodingKey {
        case seq, method, path, query, service, body, status, faulted
        case hadAuthorization = "had_authorization"
    }
}

/// A scripted misbehaviour: answer matching requests with a status, and/or delay them.
///
/// Faults are matched in injection order before normal handling; each match decrements ``times``.
/// - `status` set, `applyAfterDelay == false`: sleep `delaySeconds`, then answer `status`/`headers`/`body`
///   **without** applying the request's effect.
/// - `status` set, `applyAfterDelay == true`: sleep, apply the request normally, then answer with the
///   fault's status/headers/body instead of the real response (a "lost response").
/// - `status == nil`: sleep, then handle normally (a slow server).
public struct Fault: Sendable, Codable, Equatable {
    /// The service to match; `nil` matches ``SimService/github`` and ``SimService/t3`` only (never the other
    /// services, the doorbell sinks or the control endpoints).
    public var service: SimService?
    /// HTTP method to match, or `nil` for any.
    public var method: String?
    /// Substring of the path (sans service prefix); with `*` it is a glob over the whole path. `nil` matches all.
    public var pathContains: String?
    /// Only requests whose body contains this text (e.g. a T3 command `type`).
    public var bodyContains: String?
    /// Status to answer with, or `nil` to only delay.
    public var status: Int?
    /// Extra response headers (e.g. `Retry-After`, `x-ratelimit-remaining`).
    public var headers: [String: String]
    /// Response body.
    public var body: String?
    /// Seconds to sleep before answering.
    public var delaySeconds: Double
    /// How many requests this fault applies to.
    public var times: Int
    /// See the type documentation.
    public var applyAfterDelay: Bool

    /// Creates a fault.
    public init(
        service: SimService? = nil,
        method: String? = nil,
        pathContains: String? = nil,
        status: Int? = nil,
        headers: [String: String] = [:],
        body: String? = nil,
        delaySeconds: Double = 0,
        times: Int = 1,
        applyAfterDelay: Bool = false,
        bodyContains: String? = nil
    ) {
        self.bodyContains = bodyContains
        self.service = service
        self.method = method
        self.pathContains = pathContains
        self.status = status
        self.headers = headers
        self.body = body
        self.delaySeconds = delaySeconds
        self.times = times
        self.applyAfterDelay = applyAfterDelay
    }

    /// GitHub's secondary rate limit: 403 with `Retry-After`
    /// (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits).
    public static func githubSecondaryRateLimit(
        method: String? = nil,
        pathContains: String? = nil,
        retryAfter: Int = 60,
        times: Int = 1
    ) -> Fault {
        Fault(
            service: .github,
            method: method,
            pathContains: pathContains,
            status: 403,
            headers: ["Retry-After": String(retryAfter)],
            body:
                #"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"403"}"#,
            times: times
        )
    }

    /// GitHub's primary rate limit exhausted: 403 with `x-ratelimit-remaining: 0` and a reset time.
    public static func githubPrimaryRateLimit(resetEpoch: Int, times: Int = 1) -> Fault {
        Fault(
            service: .github,
            status: 403,
            headers: ["x-ratelimit-remaining": "0", "x-ratelimit-reset": String(resetEpoch)],
            body:
                #"{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit","status":"403"}"#,
            times: times
        )
    }

    enum CodingKeys: String, CodingKey {
        case service, method, status, headers, body, times
        case pathContains = "path_contains"
        case bodyContains = "body_contains"
        case delaySeconds = "delay_seconds"
        case applyAfterDelay = "apply_after_delay"
    }

    /// Decodes with defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        service = try c.decodeIfPresent(SimService.self, forKey: .service)
        method = try c.decodeIfPresent(String.self, forKey: .method)
        pathContains = try c.decodeIfPresent(String.self, forKey: .pathContains)
        bodyContains = try c.decodeIfPresent(String.self, forKey: .bodyContains)
        status = try c.decodeIfPresent(Int.self, forKey: .status)
        headers = try c.value(.headers, or: [:])
        body = try c.decodeIfPresent(String.self, forKey: .body)
        delaySeconds = try c.value(.delaySeconds, or: 0)
        times = try c.value(.times, or: 1)
        applyAfterDelay = try c.value(.applyAfterDelay, or: false)
    }

    func matches(service requestService: SimService, method requestMethod: String, path: String, body: String) -> Bool {
        if let bodyContains, !body.contains(bodyContains) { return false }
        if let service {
            guard service == requestService else { return false }
        } else if requestService != .github, requestService != .t3 {
            return false
        }
        if let method, method.uppercased() != requestMethod.uppercased() { return false }
        guard let pattern = pathContains, !pattern.isEmpty else { return true }
        if pattern.contains("*") { return Glob.matches(pattern: pattern, text: path) }
        return path.contains(pattern)
    }
}

enum Glob {
    /// `*` matches any run of characters (including `/`); everything else is literal.
    static func matches(pattern: String, text: String) -> Bool {
        let p = Array(pattern)
        let t = Array(text)
        var pi = 0
        var ti = 0
        var star = -1
        var mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] != "*", p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
