import Foundation

/// A repository on the tracker, written `owner/name`.
///
/// Owners and names keep the casing they were configured with; ``slug`` gives the
/// lower-cased form used wherever an identifier must be stable across config edits.
public struct RepoRef: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let owner: String
    public let name: String

    public init(owner: String, name: String) {
        self.owner = owner
        self.name = name
    }

    /// Parses `owner/name`. Returns nil unless there are exactly two non-empty parts made of
    /// the characters GitHub and Forgejo allow (letters, digits, `-`, `_`, `.`).
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let owner = String(parts[0])
        let name = String(parts[1])
        guard Self.isValidComponent(owner), Self.isValidComponent(name) else { return nil }
        self.init(owner: owner, name: name)
    }

    static func isValidComponent(_ text: String) -> Bool {
        guard !text.isEmpty, text != ".", text != ".." else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": true
            default: false
            }
        }
    }

    public var description: String { "\(owner)/\(name)" }

    /// Lower-cased `owner/name`; trackers treat repository names case-insensitively.
    public var slug: String { description.lowercased() }

    public static func < (lhs: RepoRef, rhs: RepoRef) -> Bool { lhs.slug < rhs.slug }
}

/// One issue of one repository, written `owner/name#N`.
public struct IssueRef: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let repo: RepoRef
    public let number: Int

    public init(repo: RepoRef, number: Int) {
        self.repo = repo
        self.number = number
    }

    /// Parses `owner/name#N` (N a positive integer).
    /// `owner/name#N`, or an issue's web address (`https://github.com/owner/name/issues/N`, a
    /// Forgejo/Gitea `…/owner/name/issues/N`, a pull request's `…/pull/N`).
    public init?(parsing text: String) {
        if text.hasPrefix("https://") || text.hasPrefix("http://"), let url = URL(string: text) {
            let parts = url.path.split(separator: "/").map(String.init)
            guard parts.count >= 4, ["issues", "pull", "pulls"].contains(parts[parts.count - 2]),
                let number = Int(parts[parts.count - 1]), number > 0,
                let repo = RepoRef(parsing: parts[parts.count - 4] + "/" + parts[parts.count - 3])
            else { return nil }
            self.init(repo: repo, number: number)
            return
        }
        guard let hash = text.lastIndex(of: "#"),
            let repo = RepoRef(parsing: String(text[..<hash])),
            let number = Int(text[text.index(after: hash)...]), number > 0
        else { return nil }
        self.init(repo: repo, number: number)
    }

    public var description: String { "\(repo)#\(number)" }

    public static func < (lhs: IssueRef, rhs: IssueRef) -> Bool {
        lhs.repo == rhs.repo ? lhs.number < rhs.number : lhs.repo < rhs.repo
    }
}
