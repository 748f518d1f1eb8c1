import Foundation

/// afk's one reading and writing of timestamps: RFC 3339 (https://www.rfc-editor.org/rfc/rfc3339).
///
/// afk writes UTC without fractional seconds (`2026-11-23T10:15:00Z`, as GitHub does). It reads
/// what the services send: GitHub's `Z` form, T3's JavaScript `toISOString()` with milliseconds,
/// and git's committer zone that Forgejo passes through (`2026-11-23T11:15:00+01:00`).
public enum Timestamp {
    /// The date `text` names, or nil when it is not an RFC 3339 date-time.
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        // Numeric offsets, with or without fractional seconds.
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds],
        ] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// `date` in UTC, whole seconds: `2026-11-23T10:15:00Z`.
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false))
    }
}
