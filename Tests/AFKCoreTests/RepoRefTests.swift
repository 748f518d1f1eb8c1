import AFKCore
import Foundation
import Testing

/// `owner/name` and `owner/name#N` references.
struct RepoRefTests {
    @Test(arguments: [
        ("acme/widgets", "acme", "widgets"),
        ("Acme-Org/my.repo_name", "Acme-Org", "my.repo_name"),
        ("a/b", "a", "b"),
        ("0/9", "0", "9"),
        ("-/_", "-", "_"),
        ("acme/.github", "acme", ".github"),
        ("acme/widgets.git", "acme", "widgets.git"),
        ("acme/...", "acme", "..."),
    ])
    func valid(text: String, owner: String, name: String) throws {
        let repo = try #require(RepoRef(parsing: text))
        #expect(repo.owner == owner && repo.name == name)
        #expect(repo.description == text)
        #expect(RepoRef(parsing: repo.description) == repo)
    }

    @Test(arguments: [
        "", "/", "acme", "acme/", "/widgets", "a/b/c", "acme//widgets", "acme/wid gets", " acme/widgets",
        "acme/widgets ",
        "../x", "./x", "acme/..", "acme/.", "acme/wid#gets", "acme/widgets#1", "acme\\widgets", "acme/wid~gets",
        "ac~me/widgets",
        "acme/wïdgets", "acme/widgets\n", "acme/wid:gets", "acme/wid%20gets", "acme/wid+gets",
        "https://github.com/acme/widgets",
    ])
    func invalid(text: String) {
        #expect(RepoRef(parsing: text) == nil, "\(text.debugDescription)")
    }

    @Test func slugAndOrderIgnoreCaseButTheConfiguredCasingIsKept() {
        let mixed = RepoRef(owner: "Acme", name: "Widgets")
        #expect(mixed.slug == "acme/widgets")
        #expect(mixed.description == "Acme/Widgets")
        #expect(RepoRef(parsing: "ACME/WIDGETS")?.slug == mixed.slug)
        let sorted = [RepoRef(owner: "b", name: "x"), RepoRef(owner: "A", name: "z"), RepoRef(owner: "a", name: "y")]
            .sorted()
        #expect(sorted.map(\.description) == ["a/y", "A/z", "b/x"])
    }

    @Test func codableRoundTrip() throws {
        let ref = IssueRef(repo: RepoRef(owner: "Acme", name: "widgets"), number: 12)
        let data = try JSONEncoder().encode(ref)
        #expect(try JSONDecoder().decode(IssueRef.self, from: data) == ref)
    }

    @Test(arguments: [
        ("acme/widgets#12", "acme/widgets", 12),
        ("acme/widgets#1", "acme/widgets", 1),
        ("Acme-Org/my.repo_name#987654", "Acme-Org/my.repo_name", 987654),
    ])
    func validIssueRefs(text: String, repo: String, number: Int) throws {
        let ref = try #require(IssueRef(parsing: text))
        #expect(ref.repo == RepoRef(parsing: repo))
        #expect(ref.number == number)
        #expect(ref.description == text)
        #expect(IssueRef(parsing: ref.description) == ref)
    }

    @Test(arguments: [
        "", "#12", "acme#12", "acme/widgets", "acme/widgets#", "acme/widgets#0", "acme/widgets#-3", "acme/widgets#x",
        "acme/widgets#12a",
        "acme/widgets# 12", "acme/widgets#1 ", "a/b/c#1", "acme/wid gets#1", "acme/widgets#1#2",
        "acme/widgets#99999999999999999999999",
    ])
    func invalidIssueRefs(text: String) {
        #expect(IssueRef(parsing: text) == nil, "\(text.debugDescription)")
    }

    @Test func issueRefsSortByRepositoryThenNumber() {
        let refs = ["b/x#1", "a/z#2", "a/z#10", "A/y#5", "a/z#1"].map { IssueRef(parsing: $0)! }
        #expect(refs.sorted().map(\.description) == ["A/y#5", "a/z#1", "a/z#2", "a/z#10", "b/x#1"])
    }

    /// (labels, asked for, carries it)
    @Test(
        arguments: [
            (["ready-for-agent"], "ready-for-agent", true),
            (["Ready-For-Agent"], "ready-for-agent", true),
            (["ready-for-agent"], "READY-FOR-AGENT", true),
            (["bug", "ready-for-agent"], "ready-for-agent", true),
            (["ready-for-agent-2"], "ready-for-agent", false),
            (["ready"], "ready-for-agent", false),
            ([], "ready-for-agent", false),
        ] as [([String], String, Bool)]
    )
    func labelsCompareCaseInsensitively(labels: [String], name: String, carries: Bool) {
        let issue = TrackerIssue(ref: IssueRef(parsing: "acme/widgets#1")!, title: "", labels: labels)
        #expect(issue.hasLabel(name) == carries)
    }
}

/// An issue given as its web address.
struct IssueURLTests {
    /// (text, parsed)
    static let table: [(String, String?)] = [
        ("https://github.com/acme/widgets/issues/12", "acme/widgets#12"),
        ("https://codeberg.org/acme/widgets/issues/3", "acme/widgets#3"),
        ("https://git.example.com/forgejo/acme/widgets/pulls/7", "acme/widgets#7"),
        ("https://github.com/acme/widgets/pull/9", "acme/widgets#9"),
        ("https://github.com/acme/widgets", nil),
        ("https://github.com/acme/widgets/issues/x", nil),
        ("https://github.com/acme/widgets/issues/0", nil),
        ("acme/widgets#5", "acme/widgets#5"),
    ]

    @Test(arguments: table) func parses(_ text: String, _ expected: String?) {
        #expect(IssueRef(parsing: text)?.description == expected)
    }
}
