import Foundation

/// What a repository's dashboard issue remembers between ticks, kept in a hidden marker in its
/// body (the tracker is afk's only store): whether dispatching is paused there, the issue to
/// dispatch next, the commands already acted on, and a short log of what the controls did.
///
/// ```
/// <!-- afk:dashboard {"schema":1,"paused":false,…} -->
/// ```
public struct DashboardState: Hashable, Sendable, Codable {
    public static let marker = "<!-- afk:dashboard "
    public static let currentSchema = 1
    /// Log lines kept.
    public static let logLength = 10
    /// Command comment ids remembered (older ones are far past any tick that could see them again).
    public static let handledLength = 100

    public var schema = currentSchema
    public var paused = false
    /// Who paused it and when, in words.
    public var pausedBy: String?
    /// The issue to dispatch first when the repository is free.
    public var dispatchNext: Int?
    /// When a human last resumed dispatching (ISO 8601): ended runs before it no longer count
    /// towards the circuit breaker.
    public var resumedAt: String?
    /// When the breaker opened and rang its doorbell (once); nil while closed.
    public var breakerOpenedAt: String?
    /// Comment ids of `/afk` commands already acted on (or refused).
    public var handled: [Int64] = []
    /// The newest first: what the controls and commands did.
    public var log: [String] = []

    enum CodingKeys: String, CodingKey {
        case schema, paused, handled, log
        case pausedBy = "paused_by"
        case dispatchNext = "dispatch_next"
        case resumedAt = "resumed_at"
        case breakerOpenedAt = "breaker_opened_at"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schema = try c.decodeIfPresent(Int.self, forKey: .schema) ?? Self.currentSchema
        paused = try c.decodeIfPresent(Bool.self, forKey: .paused) ?? false
        pausedBy = try c.decodeIfPresent(String.self, forKey: .pausedBy)
        dispatchNext = try c.decodeIfPresent(Int.self, forKey: .dispatchNext)
        resumedAt = try c.decodeIfPresent(String.self, forKey: .resumedAt)
        breakerOpenedAt = try c.decodeIfPresent(String.self, forKey: .breakerOpenedAt)
        handled = try c.decodeIfPresent([Int64].self, forKey: .handled) ?? []
        log = try c.decodeIfPresent([String].self, forKey: .log) ?? []
    }

    /// The state in a dashboard body; a fresh state when the body has no readable marker (a
    /// dashboard edited beyond recognition starts over rather than stopping afk).
    public static func parse(body: String) -> DashboardState {
        guard let start = body.range(of: marker),
            let end = body.range(of: "-->", range: start.upperBound..<body.endIndex)
        else { return DashboardState() }
        let json = body[start.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespaces)
        return (try? JSONDecoder().decode(DashboardState.self, from: Data(json.utf8))) ?? DashboardState()
    }

    /// Whether `body` is a dashboard afk wrote.
    public static func isDashboard(_ body: String) -> Bool { body.contains(marker) }

    public func encodedMarker() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        return Self.marker + json.replacingOccurrences(of: "--", with: "-\\u002d") + " -->"
    }

    /// Adds a log line (newest first), keeping ``logLength``.
    public mutating func note(_ line: String) {
        log.insert(line, at: 0)
        if log.count > Self.logLength { log.removeLast(log.count - Self.logLength) }
    }

    /// Remembers a command as acted on, keeping ``handledLength``.
    public mutating func handle(_ commentID: Int64) {
        guard !handled.contains(commentID) else { return }
        handled.append(commentID)
        if handled.count > Self.handledLength { handled.removeFirst(handled.count - Self.handledLength) }
    }
}

/// A control on the dashboard: a checkbox a person with write access ticks.
public enum DashboardControl: Hashable, Sendable {
    case pause
    case resume
    /// Retry a frozen or escalated run: hand the issue back to afk (run N+1).
    case retry(Int)
    /// Dispatch this issue first when the repository is free.
    case dispatchNext(Int)

    /// The hidden id after the checkbox's text.
    public var id: String {
        switch self {
        case .pause: "pause"
        case .resume: "resume"
        case .retry(let n): "retry \(n)"
        case .dispatchNext(let n): "next \(n)"
        }
    }

    init?(id: String) {
        let parts = id.split(separator: " ")
        switch (parts.first, parts.count) {
        case ("pause", 1): self = .pause
        case ("resume", 1): self = .resume
        case ("retry", 2):
            guard let n = Int(parts[1]) else { return nil }
            self = .retry(n)
        case ("next", 2):
            guard let n = Int(parts[1]) else { return nil }
            self = .dispatchNext(n)
        default: return nil
        }
    }

    static let idPrefix = "<!-- afk:control "

    /// The ticked controls in a dashboard body, in the order they appear.
    public static func ticked(in body: String) -> [DashboardControl] {
        var found: [DashboardControl] = []
        for line in body.split(whereSeparator: \.isNewline) {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard
                text.hasPrefix("- [x]") || text.hasPrefix("- [X]") || text.hasPrefix("* [x]")
                    || text.hasPrefix("* [X]"),
                let start = text.range(of: idPrefix),
                let end = text.range(of: "-->", range: start.upperBound..<text.endIndex)
            else { continue }
            let id = text[start.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespaces)
            if let control = DashboardControl(id: id), !found.contains(control) { found.append(control) }
        }
        return found
    }

    /// The checkbox line for this control, unticked.
    public func line(_ text: String) -> String { "- [ ] \(text) \(Self.idPrefix)\(id) -->" }
}
