import Foundation

/// A request as the simulator's services see it: service prefix stripped, path segments percent-decoded.
struct SimRequest: Sendable {
    var method: String
    /// The service the path prefix selected.
    var service: SimService
    /// Path segments after the service prefix, percent-decoded.
    var segments: [String]
    /// Query items in request order (percent-decoded).
    var queryItems: [(name: String, value: String)]
    /// Header name (lower-cased) → value.
    var headers: [String: String]
    var body: Data

    /// `/`-joined decoded segments, with a leading `/`.
    var path: String { "/" + segments.joined(separator: "/") }

    var query: [String: String] {
        var out: [String: String] = [:]
        for item in queryItems { out[item.name] = item.value }
        return out
    }

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    var bodyText: String? { body.isEmpty ? nil : String(decoding: body, as: UTF8.self) }

    /// The `Authorization` header split into a lower-cased scheme and a credential.
    var authorization: (scheme: String, credential: String)? {
        guard let raw = header("authorization")?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        let parts = raw.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return (raw.lowercased(), "") }
        return (parts[0].lowercased(), parts[1].trimmingCharacters(in: .whitespaces))
    }
}

/// A response before it becomes a FlyingFox `HTTPResponse`.
struct SimResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: Data

    init(status: Int, headers: [(name: String, value: String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func json(_ status: Int, _ value: JSONValue, headers: [(name: String, value: String)] = []) -> SimResponse {
        SimResponse(
            status: status,
            headers: [("content-type", "application/json; charset=utf-8")] + headers,
            body: value.data
        )
    }

    /// Sets a header, replacing any existing value (case-insensitive).
    mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append((name, value))
    }

    func header(_ name: String) -> String? {
        headers.last { $0.name.lowercased() == name.lowercased() }?.value
    }

    static func phrase(for status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 409: "Conflict"
        case 410: "Gone"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status \(status)"
        }
    }
}

/// Clock formatting helpers.
enum SimClock {
    // Format styles, not `ISO8601DateFormatter`: each formatter built is an ICU formatter, and
    // the simulator formats several dates for every issue it serves.

    /// GitHub timestamps: `2026-01-01T00:00:00Z` (no fractional seconds).
    static func github(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    /// T3 timestamps: JavaScript `toISOString()`, `2026-01-01T00:00:00.000Z`.
    static func t3(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// A timestamp a client sent (`since=`, a scenario's `committed_at`): RFC 3339, fractional
    /// seconds optional, or a full date.
    static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        let formatter = ISO8601DateFormatter()  // numeric offsets and bare dates
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds], [.withFullDate],
        ] {
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// The fixed origin of derived scenario timestamps.
    static let origin = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    static func randomHex(_ count: Int) -> String {
        var out = ""
        for _ in 0..<count { out += String(Int.random(in: 0..<16), radix: 16) }
        return out
    }
}
