import Foundation

/// Reads the `priority:N` labels that order the ready queue.
public enum Priority {
    /// The lowest `N` among labels of the form `priority:N` (N a non-negative integer, blanks
    /// around it tolerated); nil when the issue carries none. `priority:high` is not a priority.
    public static func of(labels: [String]) -> Int? {
        labels.compactMap(value(of:)).min()
    }

    static func value(of label: String) -> Int? {
        let prefix = "priority:"
        guard label.lowercased().hasPrefix(prefix) else { return nil }
        let rest = label.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
        guard !rest.isEmpty, rest.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(rest)
    }
}
