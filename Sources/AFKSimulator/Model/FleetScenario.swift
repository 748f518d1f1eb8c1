import Foundation

/// The primary rate limits of the GitHub view, per token and window: `core` (every authorised REST request but
/// `GET /rate_limit`, hourly) and `search` (`GET /search/…`, per minute)
/// (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api and
/// https://docs.github.com/en/rest/search/search#rate-limit).
///
/// JSON (under `github`): `"rate_limit": {"core": 5000, "search": 30}`; either key may be left out.
public struct SimRateLimits: Sendable, Codable, Equatable {
    /// Requests per hour per token in the `core` bucket (GitHub: 5,000 for a user or an App installation).
    public var core: Int
    /// Requests per minute per token in the `search` bucket (GitHub: 30 authenticated).
    public var search: Int

    /// Creates the limits; the defaults are GitHub's for an authenticated user.
    public init(core: Int = 5000, search: Int = 30) {
        self.core = core
        self.search = search
    }

    enum CodingKeys: String, CodingKey { case core, search }

    /// Decodes with defaults for absent keys.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        core = try c.value(.core, or: 5000)
        search = try c.value(.search, or: 30)
    }
}

/// How long each service takes to answer a request: the network and server time the real services add.
///
/// JSON (top level): `"latency_ms": 50` (every service but the control endpoints) or
/// `"latency_ms": {"default": 50, "t3": 10}` (per ``SimService`` raw value, `default` for the rest).
public struct SimLatency: Sendable, Codable, Equatable {
    /// Milliseconds for services not listed in ``services`` (the `/_sim` control endpoints excepted).
    public var milliseconds: Int
    /// Milliseconds per service, overriding ``milliseconds``.
    public var services: [SimService: Int]

    /// Creates a latency setting.
    public init(milliseconds: Int = 0, services: [SimService: Int] = [:]) {
        self.milliseconds = milliseconds
        self.services = services
    }

    /// The delay of one request to `service`.
    func milliseconds(for service: SimService) -> Int {
        if let own = services[service] { return max(0, own) }
        return service == .sim || service == .unknown ? 0 : max(0, milliseconds)
    }

    /// Whether no request is delayed.
    var isZero: Bool { milliseconds <= 0 && services.values.allSatisfy { $0 <= 0 } }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes a number or an object of numbers.
    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let all = try? single.decode(Int.self) {
            self.init(milliseconds: all)
            return
        }
        let c = try decoder.container(keyedBy: Key.self)
        var all = 0
        var services: [SimService: Int] = [:]
        for key in c.allKeys {
            let value = try c.decode(Int.self, forKey: key)
            if key.stringValue == "default" {
                all = value
            } else if let service = SimService(rawValue: key.stringValue) {
                services[service] = value
            } else {
                throw DecodingError.dataCorruptedError(
                    forKey: key,
                    in: c,
                    debugDescription: "latency_ms names no service: \(key.stringValue)."
                )
            }
        }
        self.init(milliseconds: all, services: services)
    }

    /// Encodes a number when no service has its own value, an object otherwise.
    public func encode(to encoder: any Encoder) throws {
        if services.isEmpty {
            var c = encoder.singleValueContainer()
            try c.encode(milliseconds)
            return
        }
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(milliseconds, forKey: Key(stringValue: "default"))
        for (service, value) in services.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try c.encode(value, forKey: Key(stringValue: service.rawValue))
        }
    }
}
