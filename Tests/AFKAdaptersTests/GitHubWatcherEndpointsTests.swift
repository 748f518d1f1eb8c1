import AFKAdapters
import AFKTesting
import AFKCore
import Foundation
import Testing

struct GitHubWatcherEndpointsTests {
    let repo = RepoRef(owner: "acme", name: "widgets")

    func tracker(_ transport: ScriptedTransport) -> GitHubTracker {
        GitHubTracker(
            baseURL: URL(string: "https://api.github.test")!,
            token: "ghp_secret",
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 5),
            logger: quietLogger,
            sleep: { _ in }
        )
    }

    @Test func defaultBranchComesFromTheRepository() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/repos/acme/widgets", try Fixture.ok("github-repo"))
        #expect(try await tracker(transport).defaultBranch(of: repo) == "trunk")
    }

    @Test func commitsAreListedOnTheBranchSinceDispatchAndMatchedToTheIssue() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/repos/acme/widgets/commits", try Fixture.ok("github-commits"))
        let since = try #require(Timestamp.parse("2026-11-23T10:00:00Z"))
        let commits = try await tracker(transport).commits(in: repo, branch: "trunk", since: since)
        #expect(commits.count == 3)
        let request = try #require(await transport.requests.first)
        #expect(request.query["sha"] == "trunk")
        #expect(request.query["since"] == "2026-11-23T10:00:00Z")
        let found = PushedCommit.find(in: commits, issue: IssueRef(repo: repo, number: 7), dispatchedAt: since)
        #expect(found?.sha == String(repeating: "a", count: 40))
        // The old commit mentioning #7 predates the dispatch; the unrelated one never counts.
        let later = try #require(Timestamp.parse("2026-11-23T10:40:00Z"))
        #expect(PushedCommit.find(in: commits, issue: IssueRef(repo: repo, number: 7), dispatchedAt: later) == nil)
    }

    /// The default branch is listed without naming it, so the watcher need not read the repository.
    @Test func theDefaultBranchIsListedWithoutSha() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/repos/acme/widgets/commits", try Fixture.ok("github-commits"))
        let since = try #require(Timestamp.parse("2026-11-23T10:00:00Z"))
        #expect(try await tracker(transport).commits(in: repo, branch: nil, since: since).count == 3)
        let requests = await transport.requests
        #expect(requests.map(\.url.path) == ["/repos/acme/widgets/commits"])
        #expect(requests.first?.query == ["since": "2026-11-23T10:00:00Z", "per_page": "100"])
    }

    @Test func emptyRepositoryMeansNoCommits() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/repos/acme/widgets/commits", json(409, #"{"message":"Git Repository is empty."}"#))
        #expect(try await tracker(transport).commits(in: repo, branch: "main", since: Date()).isEmpty)
    }

    @Test func ciReadsCheckRunsAndTheCombinedStatus() async throws {
        let sha = String(repeating: "a", count: 40)
        let transport = ScriptedTransport()
        await transport.on("GET", "/repos/acme/widgets/commits/\(sha)/check-runs", try Fixture.ok("github-check-runs"))
        await transport.on(
            "GET",
            "/repos/acme/widgets/commits/\(sha)/status",
            try Fixture.ok("github-status-empty"),
            try Fixture.ok("github-status-failure")
        )
        let gh = tracker(transport)
        let first = try await gh.ciStatus(of: sha, in: repo)
        #expect(first.checkRuns.map(\.name) == ["build", "lint", "e2e"])
        #expect(first.checkRuns.last?.conclusion == nil)
        // Actions-only repo: the combined status reports nothing; e2e still runs → pending.
        #expect(CIVerdict.fold(checkRuns: first.checkRuns, combined: first.combined) == .pending)
        let second = try await gh.ciStatus(of: sha, in: repo)
        #expect(
            CIVerdict.fold(checkRuns: second.checkRuns, combined: second.combined)
                == .red(failing: ["ci/deploy (error)"])
        )
    }

    @Test func writesForTheWatcher() async throws {
        let transport = ScriptedTransport()
        await transport.on("PATCH", "/repos/acme/widgets/issues/comments/9002", json(200, "{}"))
        await transport.on("DELETE", "/repos/acme/widgets/issues/7/labels/agent-in-progress", json(200, "[]"))
        await transport.on(
            "DELETE",
            "/repos/acme/widgets/issues/8/labels/agent-in-progress",
            json(404, #"{"message":"Label does not exist"}"#)
        )
        await transport.on("PATCH", "/repos/acme/widgets/issues/7", try Fixture.ok("github-issue-closed"))
        let gh = tracker(transport)
        try await gh.updateComment(9002, in: repo, body: "new body")
        try await gh.removeLabel("agent-in-progress", from: IssueRef(repo: repo, number: 7))
        try await gh.removeLabel("agent-in-progress", from: IssueRef(repo: repo, number: 8))  // already gone: fine
        try await gh.close(IssueRef(repo: repo, number: 7))
        let requests = await transport.requests
        #expect(requests[0].jsonBody?["body"] as? String == "new body")
        #expect(requests[3].jsonBody?["state"] as? String == "closed")
        #expect(requests[3].jsonBody?["state_reason"] as? String == "completed")
    }

    @Test func labelNamesAreEscapedInPaths() async throws {
        let transport = ScriptedTransport()
        await transport.on("DELETE", "/repos/acme/widgets/issues/7/labels/agent: busy/now", json(200, "[]"))
        try await tracker(transport).removeLabel("agent: busy/now", from: IssueRef(repo: repo, number: 7))
        let url = try #require(await transport.requests.first?.url.absoluteString)
        #expect(url.hasSuffix("/labels/agent:%20busy%2Fnow"))
    }
}
