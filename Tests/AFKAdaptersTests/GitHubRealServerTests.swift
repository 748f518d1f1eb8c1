@testable import AFKAdapters
import AFKTesting
import AFKCore
import Foundation
import Testing

/// What api.github.com does that the OpenAPI description alone does not show, on payloads taken
/// from recorded exchanges (PyGithub `tests/ReplayData`, octokit/fixtures).
struct GitHubRealServerTests {
    let repo = RepoRef(owner: "acme", name: "widgets")
    static let sha = "6bc9ecc8c849df4e45e60c1e6a5df8876180a20a"

    func tracker(_ transport: ScriptedTransport) -> GitHubTracker {
        GitHubTracker(
            baseURL: URL(string: "https://api.github.test")!,
            token: "ghp_secret",
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 0),
            logger: quietLogger,
            sleep: { _ in }
        )
    }

    /// A page of `count` check runs shaped like the recorded ones (`CheckRun.testGetCheckRunsForRef`),
    /// numbered from `first`; `failing` names the ones that failed.
    static func checkRunsPage(total: Int, first: Int, count: Int, failing: Set<Int> = []) throws -> ServiceResponse {
        let recorded = try #require(
            try JSONSerialization.jsonObject(with: Fixture.data("github-check-runs-recorded")) as? [String: Any]
        )
        let template = try #require((recorded["check_runs"] as? [[String: Any]])?.first)
        let runs = (first..<first + count)
            .map { n -> [String: Any] in
                var run = template
                run["id"] = 1_039_891_953 + n
                run["name"] = "test (matrix \(n))"
                run["conclusion"] = failing.contains(n) ? "failure" : "success"
                return run
            }
        let body = try JSONSerialization.data(withJSONObject: ["total_count": total, "check_runs": runs])
        return ServiceResponse(status: 200, body: body)
    }

    /// GitHub's `Link` as recorded: `/repositories/{id}/…` URLs, `next` and `last`.
    static func link(page: Int, last: Int) -> [String: String] {
        let base = "https://api.github.test/repositories/3544490/commits/\(sha)/check-runs?per_page=100"
        var parts: [String] = []
        if page < last { parts.append("<\(base)&page=\(page + 1)>; rel=\"next\"") }
        parts.append("<\(base)&page=\(last)>; rel=\"last\"")
        return ["Link": parts.joined(separator: ", ")]
    }

    func scriptChecks(_ transport: ScriptedTransport, pages: [ServiceResponse]) async {
        await transport.on("GET", "/repos/acme/widgets/commits/\(Self.sha)/check-runs", pages[0])
        for (index, page) in pages.enumerated().dropFirst() {
            await transport.on(
                "GET",
                "/repositories/3544490/commits/\(Self.sha)/check-runs",
                query: "per_page=100&page=\(index + 1)",
                page
            )
        }
        await transport.on(
            "GET",
            "/repos/acme/widgets/commits/\(Self.sha)/status",
            json(200, #"{"state":"pending","total_count":0,"statuses":[],"sha":"\#(Self.sha)"}"#)
        )
    }

    /// A matrix build of 150 check runs whose only failure is on page 2: red, never green.
    @Test func aFailureOnPage2OfTheCheckRunsIsRed() async throws {
        let transport = ScriptedTransport()
        var first = try Self.checkRunsPage(total: 150, first: 0, count: 100)
        first.headers = Self.link(page: 1, last: 2).reduce(into: [:]) { $0[$1.key.lowercased()] = $1.value }
        await scriptChecks(
            transport,
            pages: [first, try Self.checkRunsPage(total: 150, first: 100, count: 50, failing: [130])]
        )
        let evidence = try await tracker(transport).ciStatus(of: Self.sha, in: repo)
        #expect(evidence.checkRuns.count == 150)
        #expect(CIVerdict.fold(evidence) == .red(failing: ["test (matrix 130) (failure)"]))
    }

    /// Past the pages afk reads, the rest counts as unread: at best pending.
    @Test func checkRunsPastThePagesReadAreNeverGreen() async throws {
        let transport = ScriptedTransport()
        let last = GitHubTracker.maxCIPages + 2
        var pages: [ServiceResponse] = []
        for page in 1...last {
            var response = try Self.checkRunsPage(total: last * 100, first: (page - 1) * 100, count: 100)
            response.headers = Self.link(page: page, last: last)
                .reduce(into: [:]) { $0[$1.key.lowercased()] = $1.value }
            pages.append(response)
        }
        await scriptChecks(transport, pages: pages)
        let evidence = try await tracker(transport).ciStatus(of: Self.sha, in: repo)
        #expect(evidence.checkRuns.count == GitHubTracker.maxCIPages * 100)
        #expect(CIVerdict.fold(evidence) == .pending)
    }

    /// The recorded 403 for a token without push access is a configuration problem naming the
    /// role needed, not "the token lacks a permission".
    @Test func aTokenWithoutPushAccessIsTold() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "/repos/acme/widgets/collaborators/alice/permission",
            try Fixture.ok("github-permission-no-push-403", status: 403)
        )
        let error = await #expect(throws: ServiceError.self) {
            try await tracker(transport).permission(of: "alice", in: repo)
        }
        #expect(error?.kind == .misconfigured)
        #expect(
            error?.message.contains("needs push access (the write, maintain or admin role) to acme/widgets") == true,
            "\(error?.message ?? "")"
        )
        #expect(await transport.requests.count == 1, "a 403 without rate-limit signs is not retried")
    }

    /// `permissions` as recorded for a pull-only token and a write token: triage is not enough.
    @Test(arguments: [
        (#"{"admin":false,"maintain":false,"push":false,"triage":false,"pull":true}"#, RepoAccess.readOnly),
        (#"{"admin":false,"maintain":false,"push":false,"triage":true,"pull":true}"#, .readOnly),
        (#"{"admin":false,"maintain":false,"push":true,"triage":true,"pull":true}"#, .write),
        (#"{"admin":false,"maintain":true,"push":true,"triage":true,"pull":true}"#, .write),
    ])
    func accessNeedsPush(permissions: String, expected: RepoAccess) async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "/repos/acme/widgets",
            json(200, #"{"default_branch":"main","permissions":\#(permissions)}"#)
        )
        #expect(try await tracker(transport).access(to: repo) == expected)
        let recorded = ScriptedTransport()
        await recorded.on("GET", "/repos/acme/widgets", try Fixture.ok("github-repo-pull-only"))
        #expect(try await tracker(recorded).access(to: repo) == .readOnly)
    }

    /// Every label field is optional in the schema: a label object without a name is left out,
    /// the issue and its other labels are read.
    @Test func aLabelWithoutANameIsSkipped() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/repos/acme/widgets/issues", try Fixture.ok("github-issues-nameless-label"))
        let issues = try await tracker(transport).openIssues(in: repo, labeled: "ready-for-agent")
        #expect(issues.count == 1)
        #expect(issues.first?.labels == ["dependencies", "ready-for-agent", "priority:1"])
    }

    /// `afk labels sync`: 201 as recorded by octokit/fixtures; a 422 `already_exists` (a label made
    /// meanwhile) is done too.
    @Test func creatingALabelIsDoneWhenItExists() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "POST",
            "/repos/acme/widgets/labels",
            try Fixture.ok("github-label-created", status: 201),
            try Fixture.ok("github-label-exists-422", status: 422)
        )
        let gh = tracker(transport)
        let label = LabelDefinition(
            name: "ready-for-human",
            color: "d93f0b",
            description: "afk handed this run back to a human"
        )
        try await gh.createLabel(label, in: repo)
        try await gh.createLabel(label, in: repo)
        let body = try #require(await transport.requests.first?.jsonBody)
        #expect(body["name"] as? String == "ready-for-human")
        #expect(body["color"] as? String == "d93f0b")
    }

    /// A 502 after the label was made: read before sending again.
    @Test func aLabelWhoseCreationOutcomeIsUnknownIsLookedUp() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "/repos/acme/widgets/labels", json(502, "<html>Bad Gateway</html>"))
        await transport.on("GET", "/repos/acme/widgets/labels/ready-for-human", try Fixture.ok("github-label-created"))
        try await tracker(transport)
            .createLabel(LabelDefinition(name: "ready-for-human", color: "d93f0b", description: "x"), in: repo)
        #expect(await transport.requests.filter { $0.method == "POST" }.count == 1)
    }
}
