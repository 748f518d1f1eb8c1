import Foundation

/// A commit on the repository's default branch, as the forge lists it.
public struct ForgeCommit: Hashable, Sendable {
    public let sha: String
    public let message: String
    /// Committer date (ISO 8601).
    public let committedAt: Date?

    public init(sha: String, message: String, committedAt: Date?) {
        self.sha = sha
        self.message = message
        self.committedAt = committedAt
    }
}

/// Finds the commit a run pushed, from forge evidence only.
///
/// The pushed commit is the newest commit on the default branch, committed after the run was
/// dispatched, whose message references the issue: `Closes/Fixes/Resolves #N` (any tense),
/// `owner/repo#N`, or the trailer `AFK-Issue: owner/repo#N`. A `Pushed-Commit: <sha>` line in a
/// comment is only a hint: it counts once that sha is among the default branch's commits since
/// dispatch. Commits on other branches are never listed here, so they never count.
public enum PushedCommit {
    public static func find(in commits: [ForgeCommit], issue: IssueRef, dispatchedAt: Date, hints: [String] = [])
        -> ForgeCommit?
    {
        let recent = commits.filter { commit in
            guard let date = commit.committedAt else { return false }
            return date >= dispatchedAt.addingTimeInterval(-1)  // second-granularity timestamps
        }
        let hinted = Set(hints.map { $0.lowercased() })
        // The forge lists newest first.
        return recent.first { commit in
            references(commit.message, issue: issue)
                || hinted.contains { hint in hint.count >= 7 && commit.sha.lowercased().hasPrefix(hint) }
        }
    }

    /// Whether a commit message references the issue.
    public static func references(_ message: String, issue: IssueRef) -> Bool {
        let text = message.lowercased()
        let full = "\(issue.repo.slug)#\(issue.number)"
        if containsReference(text, full) { return true }
        for verb in ["close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved"] {
            for separator in [" ", ": ", " :"] {
                if containsReference(text, "\(verb)\(separator)#\(issue.number)") { return true }
            }
        }
        return false
    }

    /// `needle` occurs with no word character before it and no digit after it.
    static func containsReference(_ text: String, _ needle: String) -> Bool {
        var searchStart = text.startIndex
        while let range = text.range(of: needle, range: searchStart..<text.endIndex) {
            let beforeOK =
                range.lowerBound == text.startIndex
                || !(text[text.index(before: range.lowerBound)].isLetter
                    || text[text.index(before: range.lowerBound)].isNumber
                    || text[text.index(before: range.lowerBound)] == "/"
                    || text[text.index(before: range.lowerBound)] == "-")
            let afterOK = range.upperBound == text.endIndex || !text[range.upperBound].isNumber
            if beforeOK && afterOK { return true }
            searchStart = range.upperBound
        }
        return false
    }

    /// `Pushed-Commit: <sha>` lines in comment bodies.
    public static func hints(in bodies: [String]) -> [String] {
        var found: [String] = []
        for body in bodies {
            for line in body.split(whereSeparator: \.isNewline) {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard trimmed.lowercased().hasPrefix("pushed-commit:") else { continue }
                let sha = trimmed.dropFirst("pushed-commit:".count).trimmingCharacters(in: .whitespaces)
                if sha.count >= 7, sha.count <= 40, sha.allSatisfy(\.isHexDigit) { found.append(sha) }
            }
        }
        return found
    }
}
