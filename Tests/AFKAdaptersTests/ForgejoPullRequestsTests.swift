import AFKAdapters
import AFKCore
import AFKTesting
import Foundation
import Testing

/// ``ForgejoTracker``'s ``PullRequests`` on payloads shaped by the Forgejo swagger and the answers
/// of `routers/api/v1/repo/pull.go` (`forgejo-pull*.json`, `forgejo-branch-*.json`).
struct ForgejoPullRequestsTests {
    let repo = RepoRef(owner: "acme", name: "widgets")
    let api = "/api/v1/repos/acme/widgets"
    let head = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
    let mergeCommit = "28ae6dd10ebccd5eaf8db8dacb5b699ee7f4a663"
    let draft = PullRequestDraft(
        head: "afk/42-r2",
        base: "main",
        title: "Add the widget frobnicator (#42)",
        body: "Closes #42"
    )

    func tracker(
        _ transport: ScriptedTransport,
        flavor: ForgejoTracker.Flavor = .forgejo,
        retryBudget: Double = 30
    ) -> ForgejoTracker {
        ForgejoTracker(
            baseURL: URL(string: "https://forgejo.test")!,
            token: "fj_secret",
            flavor: flavor,
            transport: transport,
            retry: RetryPolicy(budgetSeconds: retryBudget),
            logger: quietLogger,
            sleep: { _ in }
        )
    }

    func sent(_ transport: ScriptedTransport) async -> [String] {
        await transport.requests.map { "\($0.method) \($0.url.path)" }
    }

    let notFound = json(
        404,
        #"{"errors":null,"message":"The target couldn't be found.","url":"https://forgejo.test/api/swagger"}"#
    )

    // MARK: - Finding and reading

    @Test func findsByBaseAndHead() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/pulls/main/afk/42-r2", try Fixture.ok("forgejo-pull"))
        let pr = try #require(try await tracker(transport).pullRequest(from: "afk/42-r2", into: "main", in: repo))
        #expect(pr.number == 7)
        #expect(pr.state == .open)
        #expect(pr.headSHA == head)
        #expect(pr.mergeability == .mergeable)
        #expect(
            await transport.requests.map(\.url.absoluteString) == [
                "https://forgejo.test/api/v1/repos/acme/widgets/pulls/main/afk/42-r2"
            ]
        )
    }

    /// The route has no state filter: an old merged one comes back as it is.
    @Test func findReturnsAnOldMergedOneAsItIs() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/pulls/main/afk/42-r2", try Fixture.ok("forgejo-pull-merged"))
        let pr = try #require(try await tracker(transport).pullRequest(from: "afk/42-r2", into: "main", in: repo))
        #expect(pr.state == .merged)
        #expect(pr.mergeCommitSHA == mergeCommit)
    }

    @Test func aNotFoundOnANewServerIsNil() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/pulls/main/afk/42-r2", notFound)
        await transport.on("GET", "/api/v1/version", json(200, #"{"version":"11.0.1+gitea-1.22.0"}"#))
        let gitea = ScriptedTransport()
        await gitea.on("GET", "\(api)/pulls/main/afk/42-r2", notFound)
        await gitea.on("GET", "/api/v1/version", json(200, #"{"version":"1.22.3"}"#))
        let fj = tracker(transport)
        #expect(try await fj.pullRequest(from: "afk/42-r2", into: "main", in: repo) == nil)
        #expect(try await fj.pullRequest(from: "afk/42-r2", into: "main", in: repo) == nil)
        // The version is read once per tracker.
        #expect(
            await sent(transport) == [
                "GET \(api)/pulls/main/afk/42-r2", "GET /api/v1/version", "GET \(api)/pulls/main/afk/42-r2",
            ]
        )
        #expect(try await tracker(gitea, flavor: .gitea).pullRequest(from: "afk/42-r2", into: "main", in: repo) == nil)
    }

    /// Gitea before 1.22 and Forgejo before 7 have no such route: the newest pages of the listing
    /// are searched instead, for this repository's own branch.
    @Test(arguments: ["1.21.11-0", "1.21.4", "not a version"])
    func anOldServerIsSearchedByListing(version: String) async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/pulls/main/afk/42-r2", notFound)
        await transport.on("GET", "/api/v1/version", json(200, #"{"version":"\#(version)"}"#))
        await transport.on("GET", "\(api)/pulls", try Fixture.ok("forgejo-pulls", headers: ["X-Total-Count": "4"]))
        let fj = tracker(transport)
        let pr = try #require(try await fj.pullRequest(from: "afk/42-r2", into: "main", in: repo))
        #expect(pr.number == 7)  // not the fork's #8, newer than the merged #4
        let listing = try #require(await transport.requests.last)
        #expect(listing.query == ["state": "all", "page": "1", "limit": "50"])
        // Known old: the route is not tried again.
        _ = try await fj.pullRequest(from: "afk/42-r2", into: "main", in: repo)
        #expect(await sent(transport).suffix(1) == ["GET \(api)/pulls"])
    }

    @Test func theListingIsBoundedToAFewPages() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/pulls/main/afk/1-r1", notFound)
        await transport.on("GET", "/api/v1/version", notFound)
        let other = String(decoding: try Fixture.data("forgejo-pulls"), as: UTF8.self)
            .replacingOccurrences(of: "afk/42-r2", with: "afk/77-r1")
        await transport.on("GET", "\(api)/pulls", json(200, other, headers: ["X-Total-Count": "900"]))
        #expect(try await tracker(transport).pullRequest(from: "afk/1-r1", into: "main", in: repo) == nil)
        #expect(await transport.requests.filter { $0.url.path == "\(api)/pulls" }.count == 3)
    }

    @Test func readsOneWithItsMergeability() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "\(api)/pulls/7",
            try Fixture.ok("forgejo-pull"),
            try Fixture.ok("forgejo-pull-checking")
        )
        let fj = tracker(transport)
        let pr = try #require(try await fj.pullRequest(7, in: repo))
        #expect(pr.mergeability == .mergeable)
        #expect(pr.htmlURL == "https://forgejo.test/acme/widgets/pulls/7")
        #expect(pr.mergeCommitSHA == nil)
        // false: a conflict, a check still running, or a WIP title.
        #expect(try await fj.pullRequest(7, in: repo)?.mergeability == .notMergeable)
        #expect(try await tracker(ScriptedTransport()).pullRequest(7, in: repo) == nil)
    }

    @Test func aDraftIsADraft() async throws {
        let transport = ScriptedTransport()
        let text = String(decoding: try Fixture.data("forgejo-pull"), as: UTF8.self)
            .replacingOccurrences(of: #""draft": false"#, with: #""draft": true"#)
        await transport.on("GET", "\(api)/pulls/7", json(200, text))
        #expect(try await tracker(transport).pullRequest(7, in: repo)?.mergeability == .draft)
    }

    // MARK: - Opening

    @Test func opensWithHeadBaseTitleAndBody() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "\(api)/pulls", try Fixture.ok("forgejo-pull", status: 201))
        let pr = try await tracker(transport).openPullRequest(draft, in: repo)
        #expect(pr.number == 7)
        let request = try #require(await transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.headers["Authorization"] == "token fj_secret")
        let body = try #require(request.jsonBody)
        #expect(body["head"] as? String == "afk/42-r2")
        #expect(body["base"] as? String == "main")
        #expect(body["title"] as? String == draft.title)
        #expect(body["body"] as? String == "Closes #42")
    }

    @Test func aDuplicateIsReadByTheIssueIDItNames() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "\(api)/pulls", try Fixture.ok("forgejo-pull-exists-409", status: 409))
        await transport.on("GET", "\(api)/pulls/7", try Fixture.ok("forgejo-pull"))
        let pr = try await tracker(transport).openPullRequest(draft, in: repo)
        #expect(pr.number == 7)
        #expect(await sent(transport) == ["POST \(api)/pulls", "GET \(api)/pulls/7"])
    }

    @Test func nothingToMergeIsRefusedInTheForgesWords() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "POST",
            "\(api)/pulls",
            json(
                422,
                #"{"message":"Invalid PullRequest: There are no changes between the head and the base","url":"https://forgejo.test/api/swagger"}"#
            )
        )
        let error = await #expect(throws: ServiceError.self) {
            try await tracker(transport).openPullRequest(draft, in: repo)
        }
        #expect(error?.kind == .unexpectedStatus(422))
        #expect(error?.message.contains("There are no changes between the head and the base") == true)
        #expect(await transport.requests.count == 1)
    }

    @Test func anUnknownHeadIsRefused() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "\(api)/pulls", notFound)
        let error = await #expect(throws: ServiceError.self) {
            try await tracker(transport).openPullRequest(draft, in: repo)
        }
        #expect(error?.message.contains("afk/42-r2") == true)
        #expect(error?.message.contains("does not exist") == true)
    }

    @Test func aLostAnswerIsReconciledByHeadWithOnePost() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "\(api)/pulls", json(502, "Bad Gateway"))
        await transport.on("GET", "\(api)/pulls/main/afk/42-r2", try Fixture.ok("forgejo-pull"))
        let pr = try await tracker(transport).openPullRequest(draft, in: repo)
        #expect(pr.number == 7)
        #expect(await sent(transport) == ["POST \(api)/pulls", "GET \(api)/pulls/main/afk/42-r2"])
    }

    /// An old merged pull request of the same branch is not what the lost request created.
    @Test func aLostAnswerIgnoresAnOldMergedOne() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "POST",
            "\(api)/pulls",
            json(502, "Bad Gateway"),
            try Fixture.ok("forgejo-pull", status: 201)
        )
        await transport.on("GET", "\(api)/pulls/main/afk/42-r2", try Fixture.ok("forgejo-pull-merged"))
        let pr = try await tracker(transport).openPullRequest(draft, in: repo)
        #expect(pr.state == .open)
        #expect(
            await sent(transport) == ["POST \(api)/pulls", "GET \(api)/pulls/main/afk/42-r2", "POST \(api)/pulls"]
        )
    }

    // MARK: - Reviews

    @Test func mapsReviewStatesAndDismissal() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "\(api)/pulls/7/reviews",
            try Fixture.ok("forgejo-reviews", headers: ["X-Total-Count": "6"])
        )
        let reviews = try await tracker(transport).reviews(of: 7, in: repo)
        #expect(reviews.map(\.state) == [.dismissed, .commented, .approved, .pending, .pending, .changesRequested])
        #expect(reviews.map(\.author) == ["olivia", "olivia", "olivia", "bruno", "carla", "dan"])
        #expect(reviews[2].commitID == head)
        #expect(reviews[0].body == "Please add a test")
        #expect(await transport.requests.first?.query == ["page": "1", "limit": "50"])
    }

    @Test func readsEveryPageOfReviews() async throws {
        let transport = ScriptedTransport()
        let page = String(decoding: try Fixture.data("forgejo-reviews"), as: UTF8.self)
        await transport.on(
            "GET",
            "\(api)/pulls/7/reviews",
            query: "page=1&limit=50",
            json(
                200,
                page,
                headers: [
                    "Link":
                        #"<https://elsewhere.test/api/v1/repos/acme/widgets/pulls/7/reviews?page=2&limit=50>; rel="next""#
                ]
            )
        )
        await transport.on(
            "GET",
            "\(api)/pulls/7/reviews",
            query: "page=2&limit=50",
            json(200, page, headers: ["Link": ""])
        )
        let reviews = try await tracker(transport).reviews(of: 7, in: repo)
        #expect(reviews.count == 12)
        #expect(await transport.requests.map(\.url.host) == ["forgejo.test", "forgejo.test"])
    }

    // MARK: - Branch rules

    @Test func protectedBranchRules() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/branches/main", try Fixture.ok("forgejo-branch-protected"))
        let rules = try await tracker(transport).branchRules(of: "main", in: repo)
        #expect(
            rules
                == BranchRules(
                    requiresPullRequest: true,
                    requiredApprovals: 2,
                    requiredChecks: ["woodpecker/pr", "test"],
                    strict: false,
                    mergeQueue: false
                )
        )
        #expect(await sent(transport) == ["GET \(api)/branches/main"])  // never branch_protections
    }

    @Test func unprotectedBranchHasNoRules() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/branches/main", try Fixture.ok("forgejo-branch-unprotected"))
        #expect(try await tracker(transport).branchRules(of: "main", in: repo) == .none)
    }

    // MARK: - Updating the branch

    @Test func updatesByMergeAfterCheckingTheHead() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/pulls/7", try Fixture.ok("forgejo-pull"))
        await transport.on("POST", "\(api)/pulls/7/update", ServiceResponse(status: 200))
        let fj = tracker(transport)
        #expect(try await fj.updateBranch(of: 7, expectedHead: head, in: repo) == .updating)
        #expect(await sent(transport) == ["GET \(api)/pulls/7", "POST \(api)/pulls/7/update"])
        #expect(await transport.requests.last?.query == ["style": "merge"])
        let moved = try await fj.updateBranch(of: 7, expectedHead: String(repeating: "b", count: 40), in: repo)
        guard case .declined = moved else {
            Issue.record("expected declined, got \(moved)")
            return
        }
        #expect(await transport.requests.count == 3)  // nothing sent for a moved head
    }

    @Test func updateConflict() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/pulls/7", try Fixture.ok("forgejo-pull"))
        await transport.on("POST", "\(api)/pulls/7/update", json(409, #"{"message":"merge conflict","url":"x"}"#))
        #expect(
            try await tracker(transport).updateBranch(of: 7, expectedHead: head, in: repo)
                == .conflict("merge conflict")
        )
    }

    // MARK: - Merging

    @Test func mergesWithDoTitleAndHeadThenReadsTheMergeCommit() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "\(api)/pulls/7/merge", ServiceResponse(status: 200))
        await transport.on("GET", "\(api)/pulls/7", try Fixture.ok("forgejo-pull-merged"))
        let outcome = try await tracker(transport)
            .merge(7, head: head, method: .squash, title: "Add it (#42)", in: repo)
        #expect(outcome == .merged(sha: mergeCommit))
        #expect(await sent(transport) == ["POST \(api)/pulls/7/merge", "GET \(api)/pulls/7"])
        let request = try #require(await transport.requests.first)
        let body = try #require(request.jsonBody)
        #expect(body["Do"] as? String == "squash")
        #expect(body["MergeTitleField"] as? String == "Add it (#42)")
        #expect(body["head_commit_id"] as? String == head)
        #expect(body["merge_title_field"] == nil)
        let text = String(decoding: try #require(request.body), as: UTF8.self)
        #expect(text.contains(#""Do""#))
    }

    @Test func aMergeWhoseReadBackFailsIsStillMerged() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "\(api)/pulls/7/merge", ServiceResponse(status: 200))
        await transport.on("GET", "\(api)/pulls/7", json(500, "boom"))
        let outcome = try await tracker(transport, retryBudget: 0.5)
            .merge(7, head: head, method: .merge, title: "t", in: repo)
        #expect(outcome == .merged(sha: nil))
    }

    @Test func mergeRefusals() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "POST",
            "\(api)/pulls/7/merge",
            json(405, #"{"message":"Please try again later","url":"x"}"#),
            json(409, #"{"message":"head out of date","url":"x"}"#),
            json(409, #"{"message":"merge push out of date","url":"x"}"#),
            notFound
        )
        let fj = tracker(transport)
        #expect(
            try await fj.merge(7, head: head, method: .merge, title: "t", in: repo)
                == .declined("Please try again later")
        )
        #expect(
            try await fj.merge(7, head: head, method: .merge, title: "t", in: repo) == .headChanged("head out of date")
        )
        #expect(
            try await fj.merge(7, head: head, method: .merge, title: "t", in: repo)
                == .declined("merge push out of date")
        )
        #expect(
            try await fj.merge(7, head: head, method: .merge, title: "t", in: repo)
                == .declined("the pull request is closed (HTTP 404)")
        )
        #expect(await transport.requests.count == 4)
    }

    @Test func aLostMergeAnswerIsReadBack() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "\(api)/pulls/7/merge", json(504, "Gateway Timeout"))
        await transport.on("GET", "\(api)/pulls/7", try Fixture.ok("forgejo-pull-merged"))
        let outcome = try await tracker(transport).merge(7, head: head, method: .merge, title: "t", in: repo)
        #expect(outcome == .merged(sha: mergeCommit))
        #expect(await transport.requests.filter { $0.method == "POST" }.count == 1)
    }

    @Test func aLostMergeAnswerOnAnUnmergedOneIsRethrown() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "\(api)/pulls/7/merge", json(502, "Bad Gateway"))
        await transport.on("GET", "\(api)/pulls/7", try Fixture.ok("forgejo-pull"))
        let error = await #expect(throws: ServiceError.self) {
            try await tracker(transport).merge(7, head: head, method: .merge, title: "t", in: repo)
        }
        #expect(error?.outcomeUnknown == true)
    }

    /// Forgejo answers 403 *after* merging when deleting the branch by the repository's default fails.
    @Test func aForbiddenAfterTheMergeIsMerged() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "POST",
            "\(api)/pulls/7/merge",
            json(403, #"{"message":"user not allowed to delete branch","url":"x"}"#)
        )
        await transport.on("GET", "\(api)/pulls/7", try Fixture.ok("forgejo-pull-merged"))
        #expect(
            try await tracker(transport).merge(7, head: head, method: .merge, title: "t", in: repo)
                == .merged(sha: mergeCommit)
        )
    }

    // MARK: - Deleting the branch

    @Test func deletesTheBranchAndToleratesOneGone() async throws {
        let transport = ScriptedTransport()
        await transport.on("DELETE", "\(api)/branches/afk/42-r2", ServiceResponse(status: 204), notFound)
        let fj = tracker(transport)
        try await fj.deleteBranch("afk/42-r2", in: repo)
        try await fj.deleteBranch("afk/42-r2", in: repo)
        #expect(
            await transport.requests.map(\.url.absoluteString) == [
                "https://forgejo.test/api/v1/repos/acme/widgets/branches/afk/42-r2",
                "https://forgejo.test/api/v1/repos/acme/widgets/branches/afk/42-r2",
            ]
        )
    }
}
