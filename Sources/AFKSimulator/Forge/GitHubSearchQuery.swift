import Foundation

/// The `q` of GitHub's `GET /search/issues`, parsed into the qualifiers afk uses
/// (https://docs.github.com/en/search-github/searching-on-github/searching-issues-and-pull-requests):
/// `is:issue|pr|open|closed` (and `type:issue|pr`, read the same way), `state:open|closed`, `label:NAME` or
/// `label:"two words"` (several `label:` are ANDed, `label:a,b` ORs; `-label:` excludes), `repo:owner/name` and
/// `org:`/`user:` (several are ORed), `updated:` and `created:` with `>`, `>=`, `<`, `<=`, `a..b` or a bare
/// date, and free text matched in the title and body (`in:title` / `in:body` narrow it). Other qualifiers are
/// accepted and ignored; `AND`, `OR` and `NOT` are counted (the limit is five) and otherwise ignored.
struct GitHubSearchQuery: Sendable, Equatable {
    /// `true`: pull requests only, `false`: issues only, nil: both.
    var pullRequests: Bool?
    /// Contradictory kinds (`is:issue is:pr`): nothing matches.
    var matchesNothing = false
    var state: String?
    /// Each inner list is one `label:` (any of its names); every list must match. Lower-cased.
    var labelGroups: [[String]] = []
    /// `-label:` names, lower-cased.
    var excludedLabels: [String] = []
    /// `repo:` values as written (`owner/name`).
    var repos: [String] = []
    /// `org:` and `user:` values.
    var owners: [String] = []
    var updated: [DateBound] = []
    var created: [DateBound] = []
    /// Free-text words, lower-cased.
    var words: [String] = []
    /// Where free text is matched: `title`, `body` (both when empty).
    var textIn: Set<String> = []
    /// `AND`, `OR` and `NOT` operators.
    var operators = 0
    /// Characters of free text (operators and qualifiers not counted).
    var textLength = 0

    /// One comparison of a date qualifier.
    struct DateBound: Sendable, Equatable {
        enum Op: Sendable, Equatable { case greater, greaterOrEqual, less, lessOrEqual }
        var op: Op
        var date: Date

        func admits(_ value: Date) -> Bool {
            switch op {
            case .greater: value > date
            case .greaterOrEqual: value >= date
            case .less: value < date
            case .lessOrEqual: value <= date
            }
        }
    }

    /// Qualifiers GitHub knows that this simulator does not filter on.
    static let ignoredQualifiers: Set<String> = [
        "sort", "no", "author", "assignee", "mentions", "involves", "commenter", "milestone", "comments", "reason",
        "archived", "draft", "linked", "team", "language", "closed", "review", "status", "head", "base", "project",
        "interactions", "reactions", "merged", "in-title", "reviewed-by", "review-requested", "user-review-requested",
        "team-review-requested", "app", "has",
    ]

    init(_ q: String) {
        for raw in Self.tokens(q) {
            var token = raw
            while token.hasPrefix("(") { token.removeFirst() }
            while token.hasSuffix(")") && !token.hasSuffix("\")") { token.removeLast() }
            if token.isEmpty { continue }
            if ["AND", "OR", "NOT"].contains(token) {
                operators += 1
                continue
            }
            let negated = token.hasPrefix("-") && token.contains(":")
            let body = negated ? String(token.dropFirst()) : token
            if let colon = body.firstIndex(of: ":") {
                let key = body[..<colon].lowercased()
                let value = Self.unquoted(String(body[body.index(after: colon)...]))
                if apply(key, value, negated: negated) { continue }
            }
            let word = Self.unquoted(token)
            textLength += (textLength > 0 ? 1 : 0) + word.count
            words.append(word.lowercased())
        }
        // The advanced syntax (github.com's default since 2025): a space means AND, so two scopes
        // not joined by OR name an issue in two repositories at once, which none is.
        let scopes = repos.count + owners.count
        if scopes > 1, operators < scopes - 1 { matchesNothing = true }
    }

    /// Applies a qualifier; false when `key` is none GitHub knows (the token is then free text).
    private mutating func apply(_ key: String, _ value: String, negated: Bool) -> Bool {
        let lower = value.lowercased()
        switch key {
        case "is", "type", "state":
            switch lower {
            case "issue": setKind(pullRequests: negated)
            case "pr", "pull-request": setKind(pullRequests: !negated)
            case "open", "closed": state = negated ? (lower == "open" ? "closed" : "open") : lower
            default: break
            }
        case "label":
            let names = value.split(separator: ",").map { Self.unquoted(String($0)).lowercased() }
                .filter { !$0.isEmpty }
            if negated { excludedLabels += names } else if !names.isEmpty { labelGroups.append(names) }
        case "repo":
            if !negated { repos.append(value) }
        case "org", "user":
            if !negated { owners.append(value) }
        case "updated", "created":
            let bounds = Self.dateBounds(value)
            if key == "updated" { updated += bounds } else { created += bounds }
        case "in":
            for place in lower.split(separator: ",") { textIn.insert(String(place)) }
        default:
            return Self.ignoredQualifiers.contains(key)
        }
        return true
    }

    private mutating func setKind(pullRequests wanted: Bool) {
        if let pullRequests, pullRequests != wanted { matchesNothing = true }
        pullRequests = wanted
    }

    /// Whitespace-separated tokens; a double-quoted stretch (`label:"help wanted"`) stays in one token.
    static func tokens(_ q: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        for character in q {
            if character == "\"" { quoted.toggle() }
            if character.isWhitespace && !quoted {
                if !current.isEmpty { out.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    static func unquoted(_ text: String) -> String {
        text.count >= 2 && text.hasPrefix("\"") && text.hasSuffix("\"") ? String(text.dropFirst().dropLast()) : text
    }

    /// `>=2026-01-01T00:00:00Z`, `>…`, `<…`, `<=…`, `a..b` (`*` open), or a bare date (that whole day).
    static func dateBounds(_ value: String) -> [DateBound] {
        for (prefix, op) in [
            (">=", DateBound.Op.greaterOrEqual), ("<=", .lessOrEqual), (">", .greater), ("<", .less),
        ] where value.hasPrefix(prefix) {
            return SimClock.parse(String(value.dropFirst(prefix.count))).map { [DateBound(op: op, date: $0)] } ?? []
        }
        if let range = value.range(of: "..") {
            let low = String(value[..<range.lowerBound])
            let high = String(value[range.upperBound...])
            var bounds: [DateBound] = []
            if low != "*", let date = SimClock.parse(low) { bounds.append(DateBound(op: .greaterOrEqual, date: date)) }
            if high != "*", let date = SimClock.parse(high) { bounds.append(DateBound(op: .lessOrEqual, date: date)) }
            return bounds
        }
        guard let date = SimClock.parse(value) else { return [] }
        if value.contains("T") { return [DateBound(op: .greaterOrEqual, date: date)] }
        return [
            DateBound(op: .greaterOrEqual, date: date), DateBound(op: .less, date: date.addingTimeInterval(86_400)),
        ]
    }

    /// Whether an indexed document of an issue (or pull request, `isPullRequest`) matches, scope aside.
    func matches(_ document: ForgeFleet.Document, isPullRequest: Bool, createdAt: String?) -> Bool {
        if matchesNothing { return false }
        if let pullRequests, pullRequests != isPullRequest { return false }
        if let state, document.state != state { return false }
        let have = Set(document.labels.map { $0.lowercased() })
        guard labelGroups.allSatisfy({ group in group.contains(where: have.contains) }) else { return false }
        guard !excludedLabels.contains(where: have.contains) else { return false }
        if !updated.isEmpty {
            guard let stamp = document.updatedAt.flatMap(SimClock.parse), updated.allSatisfy({ $0.admits(stamp) })
            else { return false }
        }
        if !created.isEmpty {
            guard let stamp = createdAt.flatMap(SimClock.parse), created.allSatisfy({ $0.admits(stamp) }) else {
                return false
            }
        }
        if !words.isEmpty {
            let inTitle = textIn.isEmpty || textIn.contains("title")
            let inBody = textIn.isEmpty || textIn.contains("body")
            let title = document.title.lowercased()
            let body = document.body.lowercased()
            for word in words where !((inTitle && title.contains(word)) || (inBody && body.contains(word))) {
                return false
            }
        }
        return true
    }
}
