import Foundation

/// Finds `Blocked by #N` and `blocked by owner/repo#N` clauses in an issue body.
///
/// A clause may list several references: `Blocked by #3, #4 and acme/api#9`. Matching is
/// case-insensitive and tolerates a colon (`Blocked by: #3`). A reference to the issue itself
/// is ignored.
public enum BlockerClauses {
    public static func parse(body: String, in issue: IssueRef) -> [IssueRef] {
        var found: [IssueRef] = []
        let lower = Array(body.lowercased())
        let chars = Array(body)
        guard lower.count == chars.count else { return [] }
        let phrase = Array("blocked")
        var i = 0
        while i + phrase.count <= lower.count {
            guard Array(lower[i..<(i + phrase.count)]) == phrase,
                  i == 0 || !isWordChar(lower[i - 1])
            else { i += 1; continue }
            var j = i + phrase.count
            guard skipSpaces(lower, &j, required: true), lower[j...].starts(with: "by") else { i += 1; continue }
            j += 2
            if j < lower.count, lower[j] == ":" { j += 1 }
            // One or more references separated by `,`, `and` or `&`.
            var first = true
            while true {
                var k = j
                if !first {
                    _ = skipSpaces(lower, &k, required: false)
                    if k < lower.count, lower[k] == "," || lower[k] == "&" {
                        k += 1
                    } else if lower[k...].starts(with: "and"), k + 3 < lower.count, !isWordChar(lower[k + 3]) {
                        k += 3
                    } else { break }
                }
                _ = skipSpaces(lower, &k, required: false)
                guard let (ref, end) = reference(chars, from: k, default: issue.repo) else { break }
                if ref != issue, !found.contains(ref) { found.append(ref) }
                j = end
                first = false
            }
            i = max(j, i + 1)
        }
        return found
    }

    private static func isWordChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }

    @discardableResult
    private static func skipSpaces(_ s: [Character], _ i: inout Int, required: Bool) -> Bool {
        let start = i
        while i < s.count, s[i] == " " || s[i] == "\t" { i += 1 }
        return !required || i > start
    }

    /// `#N` or `owner/name#N` starting at `start`.
    private static func reference(_ s: [Character], from start: Int, default repo: RepoRef) -> (IssueRef, Int)? {
        var i = start
        var repoText = ""
        while i < s.count, s[i] != "#", s[i] != " ", s[i] != "\n", s[i] != ",", s[i] != "\t" {
            repoText.append(s[i]); i += 1
        }
        guard i < s.count, s[i] == "#" else { return nil }
        i += 1
        var digits = ""
        while i < s.count, s[i].isASCII, s[i].isNumber { digits.append(s[i]); i += 1 }
        guard let number = Int(digits), number > 0 else { return nil }
        if i < s.count, isWordChar(s[i]) { return nil }
        let target: RepoRef
        if repoText.isEmpty {
            target = repo
        } else {
            guard let parsed = RepoRef(parsing: repoText) else { return nil }
            target = parsed
        }
        return (IssueRef(repo: target, number: number), i)
    }
}
