import Foundation

/// The branch a run works on in `landing: pull_request`: `<prefix><number>-r<run>`
/// (`afk/12-r1`), deterministic so that any tick can find the run's pull request by its head.
public enum RunBranch {
    public static let defaultPrefix = "afk/"

    /// The line that names the run's branch in every turn afk sends, so an agent (and a runtime
    /// that reads it) knows where to push: `AFK-Branch: afk/12-r1`.
    public static let turnLinePrefix = "AFK-Branch: "

    public static func name(prefix: String = defaultPrefix, issue: Int, run: Int) -> String {
        "\(prefix)\(issue)-r\(run)"
    }

    /// The branch named by an `AFK-Branch:` line in a turn's text, if any.
    public static func named(inTurnText text: String) -> String? {
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix(turnLinePrefix) else { continue }
            let name = trimmed.dropFirst(turnLinePrefix.count).trimmingCharacters(in: .whitespaces)
            if !name.isEmpty { return name }
        }
        return nil
    }

    /// Whether `name` is usable as a git branch name afk made up from a prefix (no spaces, no
    /// `..`, no leading or trailing `/`, none of `~^:?*[\`).
    public static func isValidPrefix(_ prefix: String) -> Bool {
        guard !prefix.isEmpty, !prefix.hasPrefix("/"), !prefix.hasPrefix("-"), !prefix.contains("..") else {
            return false
        }
        let forbidden = Set(" ~^:?*[\\\t\n")
        return !prefix.contains(where: { forbidden.contains($0) || $0.isNewline })
    }
}
