import AFKAdapters
import AFKCore
import AFKTesting
import Foundation
import Testing

/// ``GitHubTracker``'s ``PullRequests`` on payloads shaped like recorded ones (PyGithub
/// `tests/ReplayData/PullRequest*.txt`, trimmed; `github-pull*.json`, `github-rules-*.json`).
struct GitHubPullRequestsTests {
    let repo = RepoRef(owner: "acme", name: "widgets")
    let pulls = "/repos/acme/widgets/pulls"
    let head = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
    let draft = PullRequestDraft(
        head: "afk/42-r2",
        base: "main",
        title: "Add the widget frobnicator (#42)",
        body: "Closes #42"
    )

    func tracker(_ transport: ScriptedTransport) -> GitHubTracker {
        GitHubTracker(
            baseURL: URL(string: "https://api.github.test")!,
            token: "ghp_secret",
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 30),
            logger: quietLogger,
            sleep: { _ in }
        )
    }

    func sent(_ transport: ScriptedTransport) async -> [String] {
        await transport.requests.map { "\($0.method) \($0.url.path)" }
    }

    /// A single pull request with `mergeable` and `mergeable_state` replaced.
    func pull(mergeable: String, state: String, draft: Bool = false) throws -> ServiceResponse {
        var text = String(decoding: try Fixture.data("github-pull"), as: UTF8.self)
        text = text.replacingOccurrences(of: #""mergeable": true"#, with: #""mergeable": \#(mergeable)"#)
        text = text.replacingOccurrences(of: #""mergeable_state": "clean""#, with: #""mergeable_state": \#(state)"#)
        if draft { text = text.replacingOccurrences(of: #""draft": false"#, with: #""draft": true"#) }
        return json(200, text)
    }

    // MARK: - Finding and reading

    @Test func findsByOwnerPrefixedHeadAndKeepsOnlyThisRepositorysBranch() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", pulls, try Fixture.ok("github-pulls-by-head"))
        let found = try await tracker(transport).pullRequest(from: "afk/42-r2", into: "main", in: repo)
        let pr = try #require(found)
        #expect(pr.number == 58)  // not the fork's #57, not #51 of another branch, newest of #58/#50
        #expect(pr.state == .open)
        #expect(pr.headSHA == head)
        #expect(pr.headBranch == "afk/42-r2")
        #expect(pr.mergeability == .computing)  // list items carry no mergeability
        #expect(pr.mergeCommitSHA == nil)
        let request = try #require(await transport.requests.first)
        #expect(request.method == "GET")
        #expect(request.query == ["head": "acme:afk/42-r2", "base": "main", "state": "all", "per_page": "100"])
    }

    @Test func findReadsAnOldMergedOneByMergedAt() async throws {
        let transport = ScriptedTransport()
        let text = String(decoding: try Fixture.data("github-pulls-by-head"), as: UTF8.self)
        await transport.on("GET", pulls, json(200, text))
        let all = try await tracker(transport).pullRequest(from: "afk/42-r1", into: "main", in: repo)
        #expect(all?.number == 51)
        #expect(all?.state == .merged)
        #expect(all?.mergeCommitSHA == "28ae6dd10ebccd5eaf8db8dacb5b699ee7f4a663")
    }

    @Test func findReturnsNilWhenNothingMatches() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", pulls, json(200, "[]"))
        #expect(try await tracker(transport).pullRequest(from: "afk/9-r1", into: "main", in: repo) == nil)
    }

    @Test func readsOneWithItsMergeability() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(pulls)/58", try Fixture.ok("github-pull"))
        let pr = try #require(try await tracker(transport).pullRequest(58, in: repo))
        #expect(pr.mergeability == .mergeable)
        #expect(pr.state == .open)
        #expect(pr.baseBranch == "main")
        #expect(pr.title == "Add the widget frobnicator (#42)")
        #expect(pr.htmlURL == "https://github.com/acme/widgets/pull/58")
        #expect(pr.mergeCommitSHA == nil)  // a test merge until merged
        #expect(await sent(transport) == ["GET \(pulls)/58"])
    }

    @Test func aMissingPullRequestIsNil() async throws {
        let transport = ScriptedTransport()
        #expect(try await tracker(transport).pullRequest(99, in: repo) == nil)
    }

    @Test(arguments: [
        ("true", #""clean""#, false, Mergeability.mergeable),
        ("true", #""unstable""#, false, .mergeable),
        ("true", #""has_hooks""#, false, .mergeable),
        ("true", #""behind""#, false, .behind),
        ("true", #""blocked""#, false, .blocked),
        ("false", #""dirty""#, false, .conflicting),
        ("null", #""unknown""#, false, .computing),
        ("null", "null", false, .computing),
        ("true", #""unknown""#, false, .computing),
        ("false", #""draft""#, false, .draft),
        ("true", #""clean""#, true, .draft),
        ("true", #""some_new_state""#, false, .mergeable),
        ("false", #""some_new_state""#, false, .conflicting),
    ])
    func mapsMergeableAndMergeableState(mergeable: String, state: String, draft: Bool, expected: Mergeability)
        async throws
    {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(pulls)/58", try pull(mergeable: mergeable, state: state, draft: draft))
        let pr = try #require(try await tracker(transport).pullRequest(58, in: repo))
        #expect(pr.mergeability == expected)
    }

    @Test func aMergedOneCarriesItsMergeCommit() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(pulls)/58", try Fixture.ok("github-pull-merged"))
        let pr = try #require(try await tracker(transport).pullRequest(58, in: repo))
        #expect(pr.state == .merged)
        #expect(pr.mergeCommitSHA == "28ae6dd10ebccd5eaf8db8dacb5b699ee7f4a663")
    }

    // MARK: - Opening

    @Test func opensWithHeadBaseTitleAndBody() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", pulls, try Fixture.ok("github-pull-created", status: 201))
        let pr = try await tracker(transport).openPullRequest(draft, in: repo)
        #expect(pr.number == 58)
        #expect(pr.mergeability == .computing)
        let request = try #require(await transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.url.path == pulls)
        let body = try #require(request.jsonBody)
        #expect(body["head"] as? String == "afk/42-r2")
        #expect(body["base"] as? String == "main")
        #expect(body["title"] as? String == draft.title)
        #expect(body["body"] as? String == "Closes #42")
        #expect(await transport.requests.count == 1)
    }

    @Test func anAlreadyExistingOneIsReturned() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", pulls, try Fixture.ok("github-pull-exists-422", status: 422))
        await transport.on("GET", pulls, try Fixture.ok("github-pulls-by-head"))
        let pr = try await tracker(transport).openPullRequest(draft, in: repo)
        #expect(pr.number == 58)
        #expect(await sent(transport) == ["POST \(pulls)", "GET \(pulls)"])
        #expect(await transport.requests.last?.query["head"] == "acme:afk/42-r2")
    }

    @Test func anotherValidationFailureNamesTheField() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", pulls, try Fixture.ok("github-pull-head-invalid-422", status: 422))
        let error = await #expect(throws: ServiceError.self) {
            try await tracker(transport).openPullRequest(draft, in: repo)
        }
        #expect(error?.kind == .unexpectedStatus(422))
        #expect(error?.message.contains("head: invalid") == true)
        #expect(error?.message.contains("afk/42-r2") == true)
        #expect(error?.message.contains("acme/widgets") == true)
        #expect(await transport.requests.count == 1)
    }

    /// A 502 after GitHub created it: looked up by head, never sent twice.
    @Test func aLostAnswerIsReconciledByHeadWithOnePost() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", pulls, json(502, "<html><body>502 Bad Gateway</body></html>"))
        await transport.on("GET", pulls, try Fixture.ok("github-pulls-by-head"))
        let pr = try await tracker(transport).openPullRequest(draft, in: repo)
        #expect(pr.number == 58)
        #expect(await sent(transport) == ["POST \(pulls)", "GET \(pulls)"])
        #expect(await transport.requests.filter { $0.method == "POST" }.count == 1)
    }

    @Test func aLostAnswerWithNothingCreatedIsSentOnceMore() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "POST",
            pulls,
            json(504, "Gateway Timeout"),
            try Fixture.ok("github-pull-created", status: 201)
        )
        await transport.on("GET", pulls, json(200, "[]"))
        let pr = try await tracker(transport).openPullRequest(draft, in: repo)
        #expect(pr.number == 58)
        #expect(await sent(transport) == ["POST \(pulls)", "GET \(pulls)", "POST \(pulls)"])
    }

    // MARK: - Reviews

    @Test func readsEveryPageOfReviews() async throws {
        let transport = ScriptedTransport()
        let page2 = "https://api.github.test/repositories/3544490/pulls/58/reviews?per_page=100&page=2"
        await transport.on(
            "GET",
            "\(pulls)/58/reviews",
            try Fixture.ok(
                "github-reviews-page1",
                headers: ["Link": "<\(page2)>; rel=\"next\", <\(page2)>; rel=\"last\""]
            )
        )
        await transport.on("GET", "/repositories/3544490/pulls/58/reviews", try Fixture.ok("github-reviews-page2"))
        let reviews = try await tracker(transport).reviews(of: 58, in: repo)
        #expect(
            reviews.map(\.state) == [.commented, .changesRequested, .dismissed, .approved, .pending, .commented]
        )
        #expect(
            reviews.map(\.author) == ["sfdye", "jzelinskie", "jzelinskie", "jzelinskie", "ghost-reviewer", "octocat"]
        )
        #expect(reviews[3].commitID == head)
        #expect(reviews[1].body == "Please add a test")
        #expect(reviews[0].id == 105_368_184)
        let requests = await transport.requests
        #expect(requests.first?.query == ["per_page": "100"])
        #expect(requests.last?.url.absoluteString == page2)
    }

    // MARK: - Branch rules

    func scriptRules(_ transport: ScriptedTransport, _ rules: ServiceResponse, branch: ServiceResponse) async {
        await transport.on("GET", "/repos/acme/widgets/rules/branches/main", rules)
        await transport.on("GET", "/repos/acme/widgets/branches/main", branch)
    }

    @Test func rulesetsOnly() async throws {
        let transport = ScriptedTransport()
        await scriptRules(
            transport,
            try Fixture.ok("github-rules-branch"),
            branch: try Fixture.ok("github-branch-unprotected")
        )
        let rules = try await tracker(transport).branchRules(of: "main", in: repo)
        #expect(
            rules
                == BranchRules(
                    requiresPullRequest: true,
                    requiredApprovals: 1,
                    requiredChecks: ["build", "test"],
                    strict: true,
                    mergeQueue: false
                )
        )
        #expect(
            await sent(transport) == [
                "GET /repos/acme/widgets/rules/branches/main", "GET /repos/acme/widgets/branches/main",
            ]
        )
        #expect(await transport.requests.allSatisfy { !$0.url.path.hasSuffix("/protection") })
    }

    @Test func classicProtectionOnly() async throws {
        let transport = ScriptedTransport()
        await scriptRules(transport, json(200, "[]"), branch: try Fixture.ok("github-branch-classic"))
        let rules = try await tracker(transport).branchRules(of: "main", in: repo)
        // Classic required reviews and "require a pull request" are admin-only: not visible.
        #expect(rules == BranchRules(requiredChecks: ["ci/woodpecker", "test"]))
    }

    @Test func rulesetsAndClassicProtectionCombine() async throws {
        let transport = ScriptedTransport()
        await scriptRules(
            transport,
            try Fixture.ok("github-rules-branch"),
            branch: try Fixture.ok("github-branch-classic")
        )
        let rules = try await tracker(transport).branchRules(of: "main", in: repo)
        #expect(rules.requiresPullRequest)
        #expect(rules.requiredApprovals == 1)
        #expect(rules.requiredChecks == ["build", "test", "ci/woodpecker"])
        #expect(rules.strict)
    }

    @Test(arguments: [403, 404]) func aRefusedRulesEndpointLeavesClassicProtection(status: Int) async throws {
        let transport = ScriptedTransport()
        await scriptRules(
            transport,
            json(status, #"{"message":"Resource not accessible by integration"}"#),
            branch: try Fixture.ok("github-branch-classic")
        )
        let rules = try await tracker(transport).branchRules(of: "main", in: repo)
        #expect(rules == BranchRules(requiredChecks: ["ci/woodpecker", "test"]))
    }

    @Test func aMergeQueueRuleIsReported() async throws {
        let transport = ScriptedTransport()
        await scriptRules(
            transport,
            try Fixture.ok("github-rules-merge-queue"),
            branch: try Fixture.ok("github-branch-unprotected")
        )
        let rules = try await tracker(transport).branchRules(of: "main", in: repo)
        #expect(rules.mergeQueue)
        #expect(!rules.requiresPullRequest)
    }

    @Test func branchNamesKeepTheirSlashesInPaths() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/repos/acme/widgets/rules/branches/release/2.x", json(200, "[]"))
        await transport.on(
            "GET",
            "/repos/acme/widgets/branches/release/2.x",
            try Fixture.ok("github-branch-unprotected")
        )
        _ = try await tracker(transport).branchRules(of: "release/2.x", in: repo)
        let urls = await transport.requests.map(\.url.absoluteString)
        #expect(
            urls == [
                "https://api.github.test/repos/acme/widgets/rules/branches/release/2.x?per_page=100",
                "https://api.github.test/repos/acme/widgets/branches/release/2.x",
            ]
        )
    }

    // MARK: - Updating the branch

    @Test func updateBranchIsAcceptedWithTheExpectedHead() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "PUT",
            "\(pulls)/58/update-branch",
            json(
                202,
                #"{"message":"Updating pull request branch.","url":"https://api.github.com/repos/acme/widgets/pulls/58"}"#
            )
        )
        let outcome = try await tracker(transport).updateBranch(of: 58, expectedHead: head, in: repo)
        #expect(outcome == .updating)
        let request = try #require(await transport.requests.first)
        #expect(request.method == "PUT")
        #expect(request.jsonBody?["expected_head_sha"] as? String == head)
    }

    @Test func updateBranchConflictAndRefusal() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "PUT",
            "\(pulls)/58/update-branch",
            json(422, #"{"message":"merge conflict between base and head","documentation_url":"x"}"#),
            json(422, #"{"message":"expected head sha didn't match current head ref.","documentation_url":"x"}"#)
        )
        let gh = tracker(transport)
        #expect(
            try await gh.updateBranch(of: 58, expectedHead: head, in: repo)
                == .conflict("merge conflict between base and head")
        )
        #expect(
            try await gh.updateBranch(of: 58, expectedHead: head, in: repo)
                == .declined("expected head sha didn't match current head ref.")
        )
    }

    // MARK: - Merging

    @Test func mergesWithMethodHeadGuardAndTitle() async throws {
        let transport = ScriptedTransport()
        await transport.on("PUT", "\(pulls)/58/merge", try Fixture.ok("github-merge-200"))
        let outcome = try await tracker(transport)
            .merge(58, head: head, method: .squash, title: "Add it (#42)", in: repo)
        #expect(outcome == .merged(sha: "688208b1a5a074871d0e9376119556897439697d"))
        let request = try #require(await transport.requests.first)
        #expect(request.method == "PUT")
        #expect(request.url.path == "\(pulls)/58/merge")
        let body = try #require(request.jsonBody)
        #expect(body["merge_method"] as? String == "squash")
        #expect(body["sha"] as? String == head)
        #expect(body["commit_title"] as? String == "Add it (#42)")
    }

    @Test func mergeRefusalsKeepTheForgesWords() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "PUT",
            "\(pulls)/58/merge",
            json(405, #"{"message":"Pull Request is not mergeable","documentation_url":"x"}"#),
            json(
                409,
                #"{"message":"Head branch was modified. Review and try the merge again.","documentation_url":"x"}"#
            ),
            json(422, #"{"message":"Validation Failed","errors":[],"documentation_url":"x"}"#)
        )
        let gh = tracker(transport)
        #expect(
            try await gh.merge(58, head: head, method: .merge, title: "t", in: repo)
                == .declined("Pull Request is not mergeable")
        )
        #expect(
            try await gh.merge(58, head: head, method: .merge, title: "t", in: repo)
                == .headChanged("Head branch was modified. Review and try the merge again.")
        )
        #expect(
            try await gh.merge(58, head: head, method: .merge, title: "t", in: repo) == .declined("Validation Failed")
        )
        #expect(await transport.requests.count == 3)
    }

    @Test func aLostMergeAnswerIsReadBack() async throws {
        let transport = ScriptedTransport()
        await transport.on("PUT", "\(pulls)/58/merge", json(502, "Bad Gateway"))
        await transport.on("GET", "\(pulls)/58", try Fixture.ok("github-pull-merged"))
        let outcome = try await tracker(transport).merge(58, head: head, method: .merge, title: "t", in: repo)
        #expect(outcome == .merged(sha: "28ae6dd10ebccd5eaf8db8dacb5b699ee7f4a663"))
        #expect(await sent(transport) == ["PUT \(pulls)/58/merge", "GET \(pulls)/58"])
    }

    @Test func aLostMergeAnswerOnAnUnmergedOneIsRethrown() async throws {
        let transport = ScriptedTransport()
        await transport.on("PUT", "\(pulls)/58/merge", json(504, "Gateway Timeout"))
        await transport.on("GET", "\(pulls)/58", try Fixture.ok("github-pull"))
        let error = await #expect(throws: ServiceError.self) {
            try await tracker(transport).merge(58, head: head, method: .merge, title: "t", in: repo)
        }
        #expect(error?.outcomeUnknown == true)
        #expect(await sent(transport) == ["PUT \(pulls)/58/merge", "GET \(pulls)/58"])
    }

    // MARK: - Deleting the branch

    @Test func deletesTheRefWithItsSlashes() async throws {
        let transport = ScriptedTransport()
        await transport.on("DELETE", "/repos/acme/widgets/git/refs/heads/afk/42-r2", ServiceResponse(status: 204))
        try await tracker(transport).deleteBranch("afk/42-r2", in: repo)
        #expect(
            await transport.requests.map(\.url.absoluteString) == [
                "https://api.github.test/repos/acme/widgets/git/refs/heads/afk/42-r2"
            ]
        )
    }

    @Test func aBranchAlreadyGoneIsNotAnError() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "DELETE",
            "/repos/acme/widgets/git/refs/heads/afk/42-r2",
            json(
                422,
                #"{"message":"Reference does not exist","documentation_url":"https://docs.github.com/rest/git/refs#delete-a-reference","status":"422"}"#
            )
        )
        try await tracker(transport).deleteBranch("afk/42-r2", in: repo)
    }

    @Test func anotherDeleteFailureIsReported() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "DELETE",
            "/repos/acme/widgets/git/refs/heads/main",
            json(422, #"{"message":"Cannot delete this protected branch"}"#)
        )
        let error = await #expect(throws: ServiceError.self) {
            try await tracker(transport).deleteBranch("main", in: repo)
        }
        #expect(error?.message.contains("deleting branch main of acme/widgets") == true)
    }
}
