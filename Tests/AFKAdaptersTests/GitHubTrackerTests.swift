import AFKAdapters
import AFKTesting
import AFKCore
import Foundation
import Testing

struct GitHubTrackerTests {
    let repo = RepoRef(owner: "acme", name: "widgets")
    let base = URL(string: "https://api.github.test")!

    func tracker(_ transport: ScriptedTransport, sleeps: SleepLog = SleepLog()) -> GitHubTracker {
        GitHubTracker(
            baseURL: base,
            token: "ghp_secret",
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 30),
            logger: quietLogger,
            sleep: { await sleeps.add($0) }
        )
    }

    @Test func listsOpenIssuesWithDocumentedHeadersAndFlagsPullRequests() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/repos/acme/widgets/issues", try Fixture.ok("github-issues"))
        let issues = try await tracker(transport).openIssues(in: repo, labeled: "ready-for-agent")
        #expect(issues.map(\.number) == [7, 6, 5])
        #expect(issues.map(\.isPullRequest) == [false, true, false])
        #expect(issues[0].labels == ["ready-for-agent", "priority:2"])
        #expect(issues[0].body.hasPrefix("Blocked by #3"))
        #expect(issues[2].body == "")  // null body
        // The counts that spare a tick the run history and the native blockers of an issue without either.
        #expect(issues.map(\.commentCount) == [3, 0, 0])
        #expect(issues.map(\.nativeBlockerCount) == [1, 0, 0])
        let request = try #require(await transport.requests.first)
        #expect(request.headers["Authorization"] == "Bearer ghp_secret")
        #expect(request.headers["Accept"] == "application/vnd.github+json")
        #expect(request.headers["X-GitHub-Api-Version"] == "2022-11-28")
        #expect(request.headers["User-Agent"] != nil)
        #expect(request.query == ["state": "open", "labels": "ready-for-agent", "per_page": "100"])
    }

    /// A GitHub without issue dependencies (older Enterprise Server) has no summary, and a count
    /// afk cannot read is one it does not know: the lists are then read.
    /// A personal token's answered permission lookup proves push access: GitHub refuses it to others.
    @Test func aTokensPermissionLookupProvesWriteAccess() {
        #expect(tracker(ScriptedTransport()).permissionReadProvesWriteAccess)
    }

    @Test func countsThatAreMissingOrUnreadableAreUnknown() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "/repos/acme/widgets/issues",
            json(
                200,
                """
                [{"number": 1, "title": "a", "state": "open", "labels": []},
                 {"number": 2, "title": "b", "state": "open", "labels": [], "comments": "many",
                  "issue_dependencies_summary": {"blocked_by": 0}},
                 {"number": 3, "title": "c", "state": "open", "labels": [], "comments": null,
                  "issue_dependencies_summary": null}]
                """
            )
        )
        let issues = try await tracker(transport).openIssues(in: repo, labeled: "ready-for-agent")
        #expect(issues.map(\.number) == [1, 2, 3])
        #expect(issues.map(\.commentCount) == [nil, nil, nil])
        #expect(issues.map(\.nativeBlockerCount) == [nil, nil, nil])
    }

    @Test func followsLinkNextAcrossPages() async throws {
        let transport = ScriptedTransport()
        let page2 =
            "https://api.github.test/repositories/1/issues?state=open&labels=ready-for-agent&per_page=100&page=2"
        await transport.on(
            "GET",
            "/repos/acme/widgets/issues",
            try Fixture.ok(
                "github-issues",
                headers: [
                    "Link": "<\(page2)>; rel=\"next\", <\(page2)>; rel=\"last\""
                ]
            )
        )
        await transport.on(
            "GET",
            "/repositories/1/issues",
            json(
                200,
                "[]",
                headers: [
                    "Link":
                        "<https://api.github.test/repositories/1/issues?page=1>; rel=\"prev\", <https://api.github.test/repositories/1/issues?page=1>; rel=\"first\""
                ]
            )
        )
        let issues = try await tracker(transport).openIssues(in: repo, labeled: "ready-for-agent")
        #expect(issues.count == 3)
        #expect(await transport.requests.map(\.url.absoluteString).last == page2)
    }

    @Test func labelNamesAreEscapedInQueries() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/repos/acme/widgets/issues", json(200, "[]"))
        _ = try await tracker(transport).openIssues(in: repo, labeled: "agent: in progress&x")
        let request = try #require(await transport.requests.first)
        #expect(request.query["labels"] == "agent: in progress&x")
    }

    @Test func labelEventsKeepOnlyLabelChangesWithTheirActors() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/repos/acme/widgets/issues/7/events", try Fixture.ok("github-events"))
        let events = try await tracker(transport)
            .labelEvents(of: IssueRef(repo: repo, number: 7), latestFor: "ready-for-agent")
        #expect(
            events == [
                LabelEvent(kind: .labeled, label: "ready-for-agent", actor: "bob"),
                LabelEvent(kind: .unlabeled, label: "ready-for-agent", actor: "bob"),
                LabelEvent(kind: .labeled, label: "ready-for-agent", actor: "mallory"),
                LabelEvent(kind: .labeled, label: "bug", actor: nil),
            ]
        )
        // The latest application is by mallory: the gate judges her, not bob.
        #expect(TrustGate.labeler(of: "ready-for-agent", in: events) == .login("mallory"))
    }

    @Test func longEventHistoriesAreReadFromTheEnd() async throws {
        let transport = ScriptedTransport()
        let page = { (n: Int) in "https://api.github.test/repositories/1/issues/7/events?per_page=100&page=\(n)" }
        await transport.on(
            "GET",
            "/repos/acme/widgets/issues/7/events",
            json(
                200,
                "[]",
                headers: [
                    "Link": "<\(page(2))>; rel=\"next\", <\(page(5))>; rel=\"last\""
                ]
            )
        )
        let labeled =
            #"[{"id":9,"event":"labeled","actor":{"login":"alice"},"label":{"name":"ready-for-agent","color":"x"},"created_at":"2026-11-20T00:00:00Z","commit_id":null,"commit_url":null,"node_id":"n","url":"u","performed_via_github_app":null}]"#
        await transport.on(
            "GET",
            "/repositories/1/issues/7/events",
            query: "per_page=100&page=5",
            json(
                200,
                "[]",
                headers: [
                    "Link": "<\(page(4))>; rel=\"prev\", <\(page(1))>; rel=\"first\""
                ]
            )
        )
        await transport.on(
            "GET",
            "/repositories/1/issues/7/events",
            query: "per_page=100&page=4",
            json(
                200,
                labeled,
                headers: [
                    "Link": "<\(page(3))>; rel=\"prev\", <\(page(5))>; rel=\"next\""
                ]
            )
        )
        let events = try await tracker(transport)
            .labelEvents(of: IssueRef(repo: repo, number: 7), latestFor: "ready-for-agent")
        #expect(TrustGate.labeler(of: "ready-for-agent", in: events) == .login("alice"))
        // Page 1, then 5 and 4; pages 2 and 3 are never read.
        #expect(await transport.requests.count == 3)
    }

    @Test func permissionReadsTheLegacyRoleAndTreats404AsNotACollaborator() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "/repos/acme/widgets/collaborators/mia/permission",
            try Fixture.ok("github-permission-maintain")
        )
        let gh = tracker(transport)
        let mia = try await gh.permission(of: "mia", in: repo)
        #expect(mia == .role(permission: "write", roleName: "maintain"))
        #expect(TrustGate.verdict(labeler: .login("mia"), permission: mia) == .trusted(login: "mia"))
        #expect(try await gh.permission(of: "stranger", in: repo) == .notCollaborator)
    }

    @Test func commentsFeedRunHistoryOnlyFromTheBot() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/repos/acme/widgets/issues/7/comments", try Fixture.ok("github-comments"))
        let comments = try await tracker(transport).comments(on: IssueRef(repo: repo, number: 7))
        #expect(comments.map(\.author) == ["carol", "afk-bot", "mallory"])
        let history = RunHistory(comments: comments, botLogin: "afk-bot")
        #expect(history.entries.map(\.record.run) == [1])
        #expect(history.nextRun == 2)  // mallory's forged run 9 changes nothing
    }

    @Test func nativeBlockersComeWithTheirRepositoryAndState() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "/repos/acme/widgets/issues/7/dependencies/blocked_by",
            try Fixture.ok("github-blocked-by")
        )
        let blockers = try #require(try await tracker(transport).nativeBlockers(of: IssueRef(repo: repo, number: 7)))
        #expect(blockers.count == 1)
        #expect(blockers.first?.0 == IssueRef(repo: RepoRef(owner: "acme", name: "api"), number: 4))
        #expect(blockers.first?.1 == .open)
        // No dependency feature on this server: nil, not an error.
        #expect(try await tracker(transport).nativeBlockers(of: IssueRef(repo: repo, number: 8)) == nil)
    }

    @Test func issueLookupMaps404ToNil() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/repos/acme/widgets/issues/3", try Fixture.ok("github-issue-closed"))
        let gh = tracker(transport)
        #expect(try await gh.issue(IssueRef(repo: repo, number: 3))?.state == .closed)
        #expect(try await gh.issue(IssueRef(repo: repo, number: 99)) == nil)
    }

    @Test func writesUseTheDocumentedBodies() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "/repos/acme/widgets/issues/7/labels", json(200, "[]"))
        await transport.on(
            "POST",
            "/repos/acme/widgets/issues/7/comments",
            try Fixture.ok("github-comment-created", status: 201)
        )
        let gh = tracker(transport)
        let ref = IssueRef(repo: repo, number: 7)
        try await gh.addLabels(["agent-in-progress"], to: ref)
        let comment = try await gh.createComment(on: ref, body: "hello")
        #expect(comment.id == 9010)
        let requests = await transport.requests
        #expect(requests[0].jsonBody?["labels"] as? [String] == ["agent-in-progress"])
        #expect(requests[1].jsonBody?["body"] as? String == "hello")
        #expect(requests[1].headers["Content-Type"] == "application/json")
    }

    @Test func retriesServerErrorsAndSecondaryRateLimitsHonouringRetryAfter() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "/repos/acme/widgets/issues",
            json(502, "bad gateway"),
            json(
                403,
                #"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","status":"403"}"#,
                headers: ["retry-after": "7"]
            ),
            json(200, "[]")
        )
        let sleeps = SleepLog()
        _ = try await tracker(transport, sleeps: sleeps).openIssues(in: repo, labeled: "ready-for-agent")
        #expect(await transport.requests.count == 3)
        #expect(await sleeps.seconds == [1, 7])
    }

    @Test func badCredentialsStopWithoutRetrying() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "/repos/acme/widgets/issues",
            json(401, #"{"message":"Bad credentials","status":"401"}"#)
        )
        await #expect(throws: ServiceError.self) {
            _ = try await tracker(transport).openIssues(in: repo, labeled: "ready-for-agent")
        }
        do {
            _ = try await tracker(transport).openIssues(in: repo, labeled: "ready-for-agent")
        } catch {
            #expect(error.kind == .badCredentials)
            #expect(error.stopsTick)
            #expect(error.description.hasPrefix("GitHub:"))
            #expect(!error.description.contains("ghp_secret"))
        }
        #expect(await transport.requests.count == 2)  // one per call, no retries
    }

    @Test func plainForbiddenIsNotRetried() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "POST",
            "/repos/acme/widgets/issues/7/labels",
            json(403, #"{"message":"Resource not accessible by personal access token","status":"403"}"#)
        )
        do {
            try await tracker(transport).addLabels(["x"], to: IssueRef(repo: repo, number: 7))
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .forbidden)
            #expect(error.message.contains("Resource not accessible"))
        }
        #expect(await transport.requests.count == 1)
    }

    @Test func primaryRateLimitFarInTheFutureGivesUpAtOnce() async throws {
        let transport = ScriptedTransport()
        let reset = Int(Date().timeIntervalSince1970) + 3000
        await transport.on(
            "GET",
            "/repos/acme/widgets/issues",
            json(
                403,
                #"{"message":"API rate limit exceeded"}"#,
                headers: [
                    "x-ratelimit-remaining": "0", "x-ratelimit-reset": "\(reset)",
                ]
            )
        )
        let sleeps = SleepLog()
        do {
            _ = try await tracker(transport, sleeps: sleeps).openIssues(in: repo, labeled: "ready-for-agent")
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .unavailable)
        }
        #expect(await sleeps.seconds.isEmpty)
    }
}
