import AFKCore
import Testing

/// `Blocked by #N` / `blocked by owner/repo#N` clauses in an issue body.
struct BlockerClausesTests {
    static let here = IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7)

    /// `#N` means this repository; anything else is `owner/name#N`.
    static func ref(_ text: String) -> IssueRef {
        IssueRef(parsing: text.hasPrefix("#") ? "acme/widgets\(text)" : text)!
    }

    @Test(arguments: [
        // Single references.
        ("Blocked by #3", ["#3"]),
        ("blocked by #3", ["#3"]),
        ("BLOCKED BY #3", ["#3"]),
        ("bLoCkEd By #3", ["#3"]),
        ("blocked by acme/api#9", ["acme/api#9"]),
        ("Blocked by Other-Org/my.repo_2#41", ["Other-Org/my.repo_2#41"]),
        ("Blocked by #1234567", ["#1234567"]),
        // A colon and extra blanks are tolerated.
        ("Blocked by: #3", ["#3"]),
        ("Blocked by:#3", ["#3"]),
        ("Blocked  by   #3", ["#3"]),
        ("Blocked\tby\t#3", ["#3"]),
        ("Blocked by: acme/api#9", ["acme/api#9"]),
        // Markdown emphasis, a line break after `by`, space-separated lists.
        ("**Blocked by** #3", ["#3"]),
        ("_Blocked by_ #3", ["#3"]),
        ("Blocked by\n#3", ["#3"]),
        ("Blocked by\n\n#3", []),  // a paragraph break ends the clause
        ("Blocked by #3 #4", ["#3", "#4"]),
        ("Blocked by #3 in spirit", ["#3"]),
        // Lists.
        ("Blocked by #3, #4", ["#3", "#4"]),
        ("Blocked by #3,#4", ["#3", "#4"]),
        ("Blocked by #3 , #4", ["#3", "#4"]),
        ("Blocked by #3 and #4", ["#3", "#4"]),
        ("Blocked by #3 AND #4", ["#3", "#4"]),
        ("Blocked by #3 & #4", ["#3", "#4"]),
        ("Blocked by #3&#4", ["#3", "#4"]),
        ("Blocked by #3, #4 and acme/api#9 & #5", ["#3", "#4", "acme/api#9", "#5"]),
        ("Blocked by: acme/api#9, #3", ["acme/api#9", "#3"]),
        ("Blocked by #3, #4, and #5", ["#3", "#4", "#5"]),  // serial comma
        ("Blocked by #3, and acme/api#9", ["#3", "acme/api#9"]),
        // A list ends at the first thing that is not a separator and a reference.
        ("Blocked by #3 and more, see #4", ["#3"]),
        ("Blocked by #3 android #4", ["#3"]),
        ("Blocked by #3 andy/api#9", ["#3"]),
        ("Blocked by #3 and", ["#3"]),
        ("Blocked by #3,", ["#3"]),
        ("Blocked by #3, and", ["#3"]),
        ("Blocked by #3, android #4", ["#3"]),
        // Punctuation after a reference ends it.
        ("Blocked by #3.", ["#3"]),
        ("Blocked by #3; thanks", ["#3"]),
        ("Blocked by #3)", ["#3"]),
        ("(Blocked by #3)", ["#3"]),
        ("Blocked by #3\r\nNext line", ["#3"]),
        // Multiline bodies: clauses anywhere, several clauses, other references ignored.
        ("Intro.\n\n- [ ] blocked by #12\nMore text #13", ["#12"]),
        ("Blocked by #3\nBlocked by #4", ["#3", "#4"]),
        (
            "## Plan\nSee #1 and #2.\n\nThis is blocked by acme/api#9.\nAlso Blocked by: #5 & #6\n",
            ["acme/api#9", "#5", "#6"]
        ),
        ("See #1.\nblocked by #2", ["#2"]),
        // Duplicates collapse, first mention first.
        ("Blocked by #3\nBlocked by #3", ["#3"]),
        ("Blocked by #4, #3, #4", ["#4", "#3"]),
        ("Blocked by #3 and acme/widgets#3", ["#3"]),  // the same issue written in full
        ("Blocked by acme/api#9, ACME/API#9", ["acme/api#9"]),  // repository names are case-insensitive
        // The issue itself is ignored, however it is written.
        ("blocked by #7", []),
        ("Blocked by acme/widgets#7", []),
        ("Blocked by Acme/Widgets#7", []),
        ("Blocked by #7, #3", ["#3"]),
        ("Blocked by acme/api#7", ["acme/api#7"]),  // same number, other repository
        // Not clauses.
        ("unblocked by #3", []),
        ("Unblocked by #3", []),
        ("notblocked by #3", []),
        ("blocked_by #3", []),
        ("blockedby #3", []),
        ("blocked #3", []),
        ("blocks #3", []),
        ("Blocking #3", []),
        ("Blocked on #3", []),
        ("by #3", []),
        ("#3", []),
        ("", []),
        ("Blocked by", []),
        ("Blocked by ", []),
        // References that are not references.
        ("Blocked by #3a", []),
        ("Blocked by #3_", []),
        ("Blocked by #0", []),
        ("Blocked by #-3", []),
        ("Blocked by #", []),
        ("Blocked by # 3", []),
        ("Blocked by #99999999999999999999999", []),
        ("Blocked by #٣", []),  // non-ASCII digit
        ("Blocked by #3a, #4", []),
        // Bad repository references are ignored.
        ("Blocked by not/a/repo#3", []),
        ("Blocked by acme#3", []),
        ("Blocked by /api#3", []),
        ("Blocked by acme/#3", []),
        ("Blocked by acme/../#3", []),
        ("Blocked by ac!me/api#3", []),
        ("Blocked by https://github.com/acme/api/issues/3", []),
        // ...and end the list there, without losing what came before.
        ("Blocked by #3, not/a/repo#4, #5", ["#3"]),
        // A bad clause does not hide a later good one.
        ("Blocked by #3a\nBlocked by #4", ["#4"]),
        ("Blocked by nothing yet. Blocked by #4", ["#4"]),
    ])
    func clauses(body: String, expected: [String]) {
        #expect(BlockerClauses.parse(body: body, in: Self.here) == expected.map(Self.ref), "\(body.debugDescription)")
    }

    @Test func referencesWithoutARepositoryBelongToTheIssuesRepository() {
        let other = IssueRef(repo: RepoRef(owner: "Globex", name: "core"), number: 1)
        #expect(
            BlockerClauses.parse(body: "Blocked by #3 and acme/api#9", in: other) == [
                IssueRef(repo: RepoRef(owner: "Globex", name: "core"), number: 3),
                IssueRef(repo: RepoRef(owner: "acme", name: "api"), number: 9),
            ]
        )
    }

    @Test func nonASCIITextAroundAClauseDoesNotDisturbIt() {
        let body = "İstanbul ẞtraße — 🚧 Blocked by #3 and #4 — ǅ"
        #expect(BlockerClauses.parse(body: body, in: Self.here) == [Self.ref("#3"), Self.ref("#4")])
    }

    @Test func longListsAreReadCompletely() {
        let numbers = Array(10..<60)
        let body = "Blocked by " + numbers.map { "#\($0)" }.joined(separator: ", ")
        #expect(BlockerClauses.parse(body: body, in: Self.here) == numbers.map { Self.ref("#\($0)") })
    }
}
