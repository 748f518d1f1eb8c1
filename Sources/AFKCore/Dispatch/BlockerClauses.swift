import Foundation

/// Finds `Blocked by #N` and `blocked by owner/repo#N` clauses in an issue body.
///
/// A clause may list several references: `Blocked by #3, #4 and acme/api#9` (a serial comma,
/// `#3, #4, and #5`, or just spaces, `#3 #4`, too). Matching is case-insensitive and tolerates a
/// colon (`Blocked by: #3`), Markdown emphasis (`**Blocked by** #3`) and a line break after `by`.
/// A reference to the issue itself is ignored, and repeats collapse; repository names compare
/// case-insensitively for both.
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
                i == 0 || !(lower[i - 1].isLetter || lower[i - 1].isNumber)
            else {
                i += 1
                continue
            }
            var j = i + phrase.count
            guard skipSpaces(lower, &j, required: true), lower[j...].starts(with: "by") else {
                i += 1
                continue
            }
            j += 2
            // Tolerate a colon, Markdown emphasis (`**Blocked by** #3`) and one line break.
            var newlines = 0
            let filler: Set<Character> = [":", "*", "_", " ", "\t", "\r", "\n", "\r\n"]
            while j < lower.count, filler.contains(lower[j]) {
                if lower[j] == "\n" || lower[j] == "\r\n" {
                    newlines += 1
                    if newlines > 1 { break }
                }
                j += 1
            }
            // One or more references separated by `,`, `and` or `&`.
            var first = true
            while true {
                var k = j
                if !first {
                    _ = skipSpaces(lower, &k, required: false)
                    if k < lower.count, lower[k] == "," || lower[k] == "&" {
                        k += 1
                        // A serial comma: `#3, #4, and #5`.
                        var m = k
                        _ = skipSpaces(lower, &m, required: false)
                        if isAnd(lower, at: m) { k = m + 3 }
                    } else if isAnd(lower, at: k) {
                        k += 3
                    } else if k > j, k < lower.count, lower[k] == "#" {
                        // Space-separated: `Blocked by #3 #4`.
                    } else {
                        break
                    }
                }
                _ = skipSpaces(lower, &k, required: false)
                guard let (ref, end) = reference(chars, from: k, default: issue.repo) else { break }
                // Repository names compare case-insensitively: `Acme/Widgets#7` is `acme/widgets#7`.
                if !same(ref, issue), !found.contains(where: { same($0, ref) }) { found.append(ref) }
                j = end
                first = false
            }
            i = max(j, i + 1)
        }
        return found
    }

    private static func isWordChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }

    /// The word `and` at `k`, followed by something that is not part of a word.
    private static func isAnd(_ s: [Character], at k: Int) -> Bool {
        s[k...].starts(with: "and") && k + 3 < s.count && !isWordChar(s[k + 3])
    }

    private static func same(_ a: IssueRef, _ b: IssueRef) -> Bool {
        a.number == b.number && a.repo.slug == b.repo.slug
    }

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
            repoText.append(s[i])
            i += 1
        }
        guard i < s.count, s[i] == "#" else { return nil }
        i += 1
        var digits = ""
        while i < s.count, s[i].isASCII, s[i].isNumber {
            digits.append(s[i])
            i += 1
        }
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
