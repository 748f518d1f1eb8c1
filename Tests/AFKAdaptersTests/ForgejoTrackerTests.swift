import AFKAdapters
import AFKCore
import AFKTesting
import Foundation
import Testing

/// ``ForgejoTracker`` against payloads shaped by the Forgejo swagger (`forgejo-*.json`).
struct ForgejoTrackerTests {
    let repo = RepoRef(owner: "acme", name: "widgets")
    let personal = RepoRef(owner: "olivia", name: "dotfiles")
    let api = "/api/v1/repos/acme/widgets"
    let sha = String(repeating: "a", count: 40)

    func tracker(
        _ transport: ScriptedTransport,
        flavor: ForgejoTracker.Flavor = .forgejo,
        sleeps: SleepLog = SleepLog(),
        base: String = "https://forgejo.test"
    ) -> ForgejoTracker {
        ForgejoTracker(
            baseURL: URL(string: base)!,
            token: "fj_secret",
            flavor: flavor,
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 30),
            logger: quietLogger,
            sleep: { await sleeps.add($0) }
        )
    }

    /// The repository's labels, one page (Gitea/Forgejo send `X-Total-Count` on this listing).
    func scriptLabels(_ transport: ScriptedTransport, _ fixture: String = "forgejo-labels", path: String? = nil)
        async throws
    {
        await transport.on("GET", path ?? "\(api)/labels", try Fixture.ok(fixture, headers: ["X-Total-Count": "6"]))
    }

    func paths(_ transport: ScriptedTransport) async -> [String] {
        await transport.requests.map { "\($0.method) \($0.url.path)" }
    }

    // MARK: - Listing

    @Test func listsOpenIssuesAfterCheckingTheLabelExists() async throws {
        let transport = ScriptedTransport()
        try await scriptLabels(transport)
        await transport.on("GET", "\(api)/issues", try Fixture.ok("forgejo-issues", headers: ["X-Total-Count": "3"]))
        let fj = tracker(transport)
        #expect(fj.serviceName == "Forgejo")
        let issues = try await fj.openIssues(in: repo, labeled: "ready-for-agent")
        #expect(issues.map(\.number) == [7, 6, 5])
        #expect(issues.map(\.isPullRequest) == [false, true, false])
        #expect(issues[0].labels == ["ready-for-agent", "bug"])
        #expect(issues[0].body.hasPrefix("Blocked by #3"))
        #expect(issues[0].htmlURL == "https://forgejo.test/acme/widgets/issues/7")
        #expect(issues.map(\.commentCount) == [2, 2, 2])
        #expect(issues.map(\.nativeBlockerCount) == [nil, nil, nil])  // Forgejo does not count them
        #expect(issues[2].body == "")
        let requests = await transport.requests
        #expect(requests.map(\.url.path) == ["\(api)/labels", "\(api)/issues"])
        #expect(requests[0].query == ["page": "1", "limit": "50"])
        #expect(
            requests[1].query == [
                "state": "open", "type": "issues", "labels": "ready-for-agent", "page": "1", "limit": "50",
            ]
        )
        for request in requests {
            #expect(request.headers["Authorization"] == "token fj_secret")
            #expect(request.headers["Accept"] == "application/json")
            #expect(request.headers["User-Agent"] != nil)
        }
    }

    @Test func anUnknownLabelIsMisconfiguredAndNothingIsListed() async throws {
        // The issue filter ignores unknown names and then returns every issue (`routers/api/v1/repo/issue.go`).
        let transport = ScriptedTransport()
        try await scriptLabels(transport)
        await transport.on("GET", "\(api)/issues", try Fixture.ok("forgejo-issues"))
        let fj = tracker(transport)
        for _ in 0..<2 {
            do {
                _ = try await fj.openIssues(in: repo, labeled: "agent-ready")
                Issue.record("expected a failure")
            } catch {
                #expect(error.kind == .misconfigured)
                #expect(
                    error.message
                        == "label agent-ready does not exist in acme/widgets: create it (afk creates none implicitly)"
                )
            }
        }
        do {
            _ = try await fj.recentIssues(in: repo, labeled: "agent-ready", state: .closed, updatedSince: Date())
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .misconfigured)
        }
        // Read once, re-read once on the second miss (someone may just have created it); never listed.
        #expect(await paths(transport) == ["GET \(api)/labels", "GET \(api)/labels", "GET \(api)/labels"])
    }

    @Test func theLabelIndexIsReadOncePerRepositoryAndGivesTheRepositorysSpelling() async throws {
        let transport = ScriptedTransport()
        try await scriptLabels(transport)
        await transport.on("GET", "\(api)/issues", json(200, "[]", headers: ["X-Total-Count": "0"]))
        let fj = tracker(transport)
        _ = try await fj.openIssues(in: repo, labeled: "Ready-For-Agent")
        _ = try await fj.openIssues(in: repo, labeled: "agent-in-progress")
        #expect(try await fj.labelExists("needs-human", in: repo))
        let requests = await transport.requests
        #expect(requests.filter { $0.url.path.hasSuffix("/labels") }.count == 1)
        // Whether the server matches names case-insensitively depends on its database.
        #expect(requests[1].query["labels"] == "ready-for-agent")
        #expect(requests[2].query["labels"] == "agent-in-progress")
    }

    @Test func issuesWithoutTheLabelAreNeverReturned() async throws {
        // Deleted between the check and the listing: the server would answer with everything.
        let transport = ScriptedTransport()
        try await scriptLabels(transport)
        let unlabeled =
            #"[{"number":9,"title":"Unrelated","body":"","state":"open","labels":[],"pull_request":null,"html_url":"https://forgejo.test/acme/widgets/issues/9","repository":{"id":42,"name":"widgets","owner":"acme","full_name":"acme/widgets"}}]"#
        await transport.on("GET", "\(api)/issues", json(200, unlabeled, headers: ["X-Total-Count": "1"]))
        #expect(try await tracker(transport).openIssues(in: repo, labeled: "ready-for-agent").isEmpty)
    }

    @Test func labelNamesWithCommasCannotBeFiltered() async throws {
        let transport = ScriptedTransport()
        do {
            _ = try await tracker(transport).openIssues(in: repo, labeled: "ready,now")
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .misconfigured)
        }
        #expect(await transport.requests.isEmpty)
    }

    @Test func nextPagesAreRequestedByNumberAgainstTheConfiguredServer() async throws {
        // The Link header is built from ROOT_URL, which need not be the address afk uses.
        let transport = ScriptedTransport()
        try await scriptLabels(transport)
        let page2 =
            "https://git.public.example/api/v1/repos/acme/widgets/issues?labels=ready-for-agent&limit=50&page=2&state=open&type=issues"
        await transport.on(
            "GET",
            "\(api)/issues",
            query: "state=open&type=issues&labels=ready-for-agent&page=1&limit=50",
            try Fixture.ok(
                "forgejo-issues",
                headers: [
                    "Link": "<\(page2)>; rel=\"next\",<\(page2)>; rel=\"last\"", "X-Total-Count": "4",
                ]
            )
        )
        let last =
            #"[{"number":2,"title":"Old","body":"","state":"open","labels":[{"id":11,"name":"ready-for-agent","color":"0e8a16"}],"pull_request":null}]"#
        await transport.on(
            "GET",
            "\(api)/issues",
            query: "state=open&type=issues&labels=ready-for-agent&page=2&limit=50",
            json(
                200,
                last,
                headers: [
                    "Link":
                        "<https://git.public.example/api/v1/repos/acme/widgets/issues?page=1>; rel=\"first\",<https://git.public.example/api/v1/repos/acme/widgets/issues?page=1>; rel=\"prev\"",
                    "X-Total-Count": "4",
                ]
            )
        )
        let issues = try await tracker(transport).openIssues(in: repo, labeled: "ready-for-agent")
        #expect(issues.map(\.number) == [7, 6, 5, 2])
        let requests = await transport.requests
        #expect(requests.count == 3)
        #expect(requests.allSatisfy { $0.url.host == "forgejo.test" })
    }

    @Test func listingsWithoutLinkAreReadUpToTheirTotalCount() async throws {
        let transport = ScriptedTransport()
        let more =
            #"[{"id":31,"name":"release","color":"5319e7","exclusive":false,"is_archived":false,"description":"","url":"x"}]"#
        await transport.on(
            "GET",
            "\(api)/labels",
            query: "page=1&limit=50",
            try Fixture.ok("forgejo-labels", headers: ["X-Total-Count": "7"])
        )
        await transport.on(
            "GET",
            "\(api)/labels",
            query: "page=2&limit=50",
            json(200, more, headers: ["X-Total-Count": "7"])
        )
        #expect(try await tracker(transport).labelExists("release", in: repo))
        #expect(await transport.requests.count == 2)
    }

    @Test func recentIssuesSendStateAndSince() async throws {
        let transport = ScriptedTransport()
        try await scriptLabels(transport)
        await transport.on("GET", "\(api)/issues", try Fixture.ok("forgejo-issues", headers: ["X-Total-Count": "3"]))
        let since = try #require(Timestamp.parse("2026-11-23T08:00:00Z"))
        let issues = try await tracker(transport)
            .recentIssues(in: repo, labeled: "needs-human", state: .closed, updatedSince: since)
        #expect(issues.isEmpty)  // none of the fixture's issues carries needs-human
        let request = try #require(await transport.requests.last)
        #expect(
            request.query == [
                "state": "closed", "type": "issues", "labels": "needs-human", "since": "2026-11-23T08:00:00Z",
                "page": "1", "limit": "50",
            ]
        )
    }

    @Test func aMissingRepositoryIsMisconfigured() async throws {
        let transport = ScriptedTransport()  // everything 404s
        do {
            _ = try await tracker(transport).openIssues(in: repo, labeled: "ready-for-agent")
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .misconfigured)
            #expect(error.message.contains("does not exist or the token cannot read it"))
        }
    }

    // MARK: - One issue

    @Test func issueLookupMaps404ToNil() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/issues/3", try Fixture.ok("forgejo-issue-closed"))
        let fj = tracker(transport)
        let closed = try #require(try await fj.issue(IssueRef(repo: repo, number: 3)))
        #expect(closed.state == .closed)
        #expect(closed.labels == ["bug"])
        #expect(try await fj.issue(IssueRef(repo: repo, number: 99)) == nil)
    }

    @Test func nativeBlockersComeFromDependenciesWithTheirRepositories() async throws {
        let transport = ScriptedTransport()
        // No Link header and entries the token may not see are dropped: read until an empty page.
        await transport.on(
            "GET",
            "\(api)/issues/7/dependencies",
            try Fixture.ok("forgejo-dependencies"),
            json(200, "[]")
        )
        let fj = tracker(transport)
        let blockers = try #require(try await fj.nativeBlockers(of: IssueRef(repo: repo, number: 7)))
        #expect(
            blockers.map(\.0) == [
                IssueRef(repo: RepoRef(owner: "acme", name: "api"), number: 4), IssueRef(repo: repo, number: 3),
            ]
        )
        #expect(blockers.map(\.1) == [.open, .closed])
        #expect(await transport.requests.map(\.query["page"]) == ["1", "2"])
        // Dependencies switched off for the repository: nil, not an error.
        #expect(try await fj.nativeBlockers(of: IssueRef(repo: repo, number: 8)) == nil)
    }

    @Test func labelEventsComeFromTheWholeTimeline() async throws {
        let transport = ScriptedTransport()
        // Go sends `null` for an empty page.
        await transport.on(
            "GET",
            "\(api)/issues/7/timeline",
            try Fixture.ok("forgejo-timeline", headers: ["X-Total-Count": "8"]),
            json(200, "null", headers: ["X-Total-Count": "0"])
        )
        let events = try await tracker(transport)
            .labelEvents(of: IssueRef(repo: repo, number: 7), latestFor: "ready-for-agent")
        #expect(
            events == [
                LabelEvent(kind: .labeled, label: "ready-for-agent", actor: "bob"),
                LabelEvent(kind: .unlabeled, label: "ready-for-agent", actor: "bob"),
                LabelEvent(kind: .labeled, label: "ready-for-agent", actor: "mallory"),
                LabelEvent(kind: .labeled, label: "bug", actor: nil),  // the Ghost of a deleted account
                LabelEvent(kind: .labeled, label: "agent-paused", actor: nil),  // null user
            ]
        )
        #expect(TrustGate.labeler(of: "ready-for-agent", in: events) == .login("mallory"))
        // X-Total-Count on the timeline is the page's length, so page 2 is still read.
        #expect(await transport.requests.map(\.query["page"]) == ["1", "2"])
    }

    // MARK: - Permission

    @Test func permissionReadsTheAccessModeAndTreats404AsNotACollaborator() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/collaborators/mia/permission", try Fixture.ok("forgejo-permission-write"))
        let fj = tracker(transport)
        let mia = try await fj.permission(of: "mia", in: repo)
        #expect(mia == .role(permission: "write", roleName: "write"))
        #expect(TrustGate.verdict(labeler: .login("mia"), permission: mia) == .trusted(login: "mia"))
        #expect(try await fj.permission(of: "nobody", in: repo) == .notCollaborator)
    }

    @Test func withoutAdminTheOwnerAndListedCollaboratorsAreTrustedAndEveryoneElseFailsClosed() async throws {
        let transport = ScriptedTransport()
        let refusal = json(
            403,
            #"{"message":"Only admins can query all permissions, repo admins can query all repo permissions, collaborators can query only their own","url":"https://forgejo.test/api/swagger"}"#
        )
        let base = "/api/v1/repos/olivia/dotfiles"
        for login in ["Olivia", "mia", "stranger"] {
            await transport.on("GET", "\(base)/collaborators/\(login)/permission", refusal)
        }
        await transport.on("GET", base, try Fixture.ok("forgejo-repo-personal"))
        await transport.on(
            "GET",
            "\(base)/collaborators",
            try Fixture.ok("forgejo-collaborators", headers: ["X-Total-Count": "2"])
        )
        // A personal repository has no teams: Gitea and Forgejo answer 405.
        await transport.on("GET", "\(base)/teams", json(405, #"{"message":"repo is not owned by an organization"}"#))
        let fj = tracker(transport)

        let owner = try await fj.permission(of: "Olivia", in: personal)
        #expect(owner == .role(permission: "owner", roleName: "owner"))
        #expect(TrustGate.verdict(labeler: .login("Olivia"), permission: owner) == .trusted(login: "Olivia"))

        // Listed: adding the label took write access to the issues, so the collaborator had it.
        let mia = try await fj.permission(of: "mia", in: personal)
        #expect(mia == .role(permission: "write", roleName: "collaborator"))
        #expect(TrustGate.verdict(labeler: .login("mia"), permission: mia) == .trusted(login: "mia"))

        #expect(try await fj.permission(of: "stranger", in: personal) == .notCollaborator)
        // Nothing retried the refusal; each fallback read the repository and (past the owner) the list.
        #expect(
            await paths(transport) == [
                "GET \(base)/collaborators/Olivia/permission", "GET \(base)",
                "GET \(base)/collaborators/mia/permission", "GET \(base)", "GET \(base)/collaborators",
                "GET \(base)/collaborators/stranger/permission", "GET \(base)", "GET \(base)/collaborators",
                "GET \(base)/teams",
            ]
        )
    }

    @Test func inAnOrganizationMembersOfTheRepositorysWriteTeamsAreTrustedWhereTheAPIShowsThem() async throws {
        let transport = ScriptedTransport()
        for login in ["tess", "rita", "olaf"] {
            await transport.on(
                "GET",
                "\(api)/collaborators/\(login)/permission",
                json(403, #"{"message":"forbidden"}"#)
            )
        }
        await transport.on("GET", api, try Fixture.ok("forgejo-repo"))  // owned by the acme organization
        await transport.on("GET", "\(api)/collaborators", json(200, "[]", headers: ["X-Total-Count": "0"]))
        // Gitea/Forgejo `Team`: a unit-based team says `none` in `permission` and gives levels per unit.
        await transport.on(
            "GET",
            "\(api)/teams",
            json(
                200,
                #"""
                [{"id":3,"name":"readers","permission":"read","units_map":{"repo.code":"read","repo.issues":"write"}},
                 {"id":5,"name":"devs","permission":"none","units_map":{"repo.code":"write","repo.issues":"write"}},
                 {"id":1,"name":"Owners","permission":"owner","units_map":{"repo.code":"admin"}}]
                """#,
                headers: ["X-Total-Count": "3"]
            )
        )
        await transport.on("GET", "/api/v1/teams/5/members/tess", json(200, #"{"id":9,"login":"tess"}"#))
        await transport.on("GET", "/api/v1/teams/1/members/olaf", json(200, #"{"id":10,"login":"olaf"}"#))
        let fj = tracker(transport)

        let tess = try await fj.permission(of: "tess", in: repo)
        #expect(tess == .role(permission: "write", roleName: "team devs"))
        #expect(TrustGate.verdict(labeler: .login("tess"), permission: tess) == .trusted(login: "tess"))
        #expect(try await fj.permission(of: "olaf", in: repo) == .role(permission: "owner", roleName: "team Owners"))
        // In no write team (the readers team is never asked about): fail closed.
        #expect(try await fj.permission(of: "rita", in: repo) == .notCollaborator)
        #expect(await paths(transport).filter { $0.contains("/teams/") }.allSatisfy { !$0.contains("/teams/3/") })
    }

    @Test func inAnOrganizationNothingIsTrustedWhenTheTokenMayNotSeeTeamsOrCollaborators() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/collaborators/tess/permission", json(403, #"{"message":"forbidden"}"#))
        await transport.on("GET", api, try Fixture.ok("forgejo-repo"))
        await transport.on("GET", "\(api)/collaborators", json(403, #"{"message":"forbidden"}"#))
        await transport.on("GET", "\(api)/teams", json(403, #"{"message":"forbidden"}"#))
        #expect(try await tracker(transport).permission(of: "tess", in: repo) == .notCollaborator)
    }

    // MARK: - Comments and labels

    @Test func commentsAreReadWithoutPagingAndFeedRunHistoryOnlyFromTheBot() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/issues/7/comments", try Fixture.ok("forgejo-comments"))
        let comments = try await tracker(transport).comments(on: IssueRef(repo: repo, number: 7))
        #expect(comments.map(\.author) == ["carol", "afk-bot", "mallory"])
        #expect(comments.map(\.id) == [9001, 9002, 9003])
        let history = RunHistory(comments: comments, botLogin: "afk-bot")
        #expect(history.entries.map(\.record.run) == [1])
        #expect(history.nextRun == 2)
        let request = try #require(await transport.requests.first)
        #expect(request.url.query == nil)  // the endpoint takes no page/limit
    }

    @Test func createCommentExpects201() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "\(api)/issues/7/comments", try Fixture.ok("forgejo-comment-created", status: 201))
        let comment = try await tracker(transport).createComment(on: IssueRef(repo: repo, number: 7), body: "hello")
        #expect(comment.id == 9010)
        #expect(comment.author == "afk-bot")
        let request = try #require(await transport.requests.first)
        #expect(request.jsonBody?["body"] as? String == "hello")
        #expect(request.headers["Content-Type"] == "application/json")
    }

    @Test func addLabelsSendsIdsFromTheIndex() async throws {
        let transport = ScriptedTransport()
        try await scriptLabels(transport)
        await transport.on("POST", "\(api)/issues/7/labels", try Fixture.ok("forgejo-issue-labels"))
        try await tracker(transport).addLabels(["agent-in-progress"], to: IssueRef(repo: repo, number: 7))
        let post = try #require(await transport.requests.last)
        #expect(post.jsonBody?["labels"] as? [Int] == [12])
    }

    @Test func addLabelsReReadsAStaleIndexOnce() async throws {
        // The label was deleted and recreated: the server drops the old id without a word.
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "\(api)/labels",
            try Fixture.ok("forgejo-labels", headers: ["X-Total-Count": "6"]),
            try Fixture.ok("forgejo-labels-recreated", headers: ["X-Total-Count": "6"])
        )
        let without = #"[{"id":11,"name":"ready-for-agent","color":"0e8a16"}]"#
        let with =
            #"[{"id":11,"name":"ready-for-agent","color":"0e8a16"},{"id":22,"name":"agent-in-progress","color":"fbca04"}]"#
        await transport.on("POST", "\(api)/issues/7/labels", json(200, without), json(200, with))
        try await tracker(transport).addLabels(["agent-in-progress"], to: IssueRef(repo: repo, number: 7))
        let posts = await transport.requests.filter { $0.method == "POST" }
        #expect(posts.map { $0.jsonBody?["labels"] as? [Int] } == [[12], [22]])
    }

    @Test func addLabelsNeverCreatesAMissingLabel() async throws {
        let transport = ScriptedTransport()
        try await scriptLabels(transport)
        do {
            try await tracker(transport).addLabels(["agent-ready"], to: IssueRef(repo: repo, number: 7))
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .misconfigured)
            #expect(error.message.contains("create it"))
        }
        #expect(await transport.requests.allSatisfy { $0.method == "GET" })
    }

    @Test func removeLabelDeletesByIdAndToleratesAbsence() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "\(api)/labels",
            try Fixture.ok("forgejo-labels", headers: ["X-Total-Count": "6"]),
            try Fixture.ok("forgejo-labels-recreated", headers: ["X-Total-Count": "6"])
        )
        await transport.on("DELETE", "\(api)/issues/7/labels/12", ServiceResponse(status: 204))
        await transport.on("DELETE", "\(api)/issues/8/labels/12", json(422, #"{"message":"label does not exist"}"#))
        await transport.on("DELETE", "\(api)/issues/8/labels/22", ServiceResponse(status: 204))
        let fj = tracker(transport)
        try await fj.removeLabel("agent-in-progress", from: IssueRef(repo: repo, number: 7))
        // stale id: re-read, retried
        try await fj.removeLabel("agent-in-progress", from: IssueRef(repo: repo, number: 8))
        try await fj.removeLabel("never-existed", from: IssueRef(repo: repo, number: 7))  // nothing to remove
        let deletes = await transport.requests.filter { $0.method == "DELETE" }.map(\.url.path)
        #expect(deletes == ["\(api)/issues/7/labels/12", "\(api)/issues/8/labels/12", "\(api)/issues/8/labels/22"])
    }

    @Test func closeSendsOnlyTheStateAndExpects201() async throws {
        let transport = ScriptedTransport()
        await transport.on("PATCH", "\(api)/issues/7", try Fixture.ok("forgejo-issue-closed", status: 201))
        await transport.on("PATCH", "\(api)/issues/comments/9002", json(200, "{}"))
        await transport.on("PATCH", "\(api)/issues/comments/9003", ServiceResponse(status: 204))
        let fj = tracker(transport)
        try await fj.close(IssueRef(repo: repo, number: 7))
        try await fj.updateComment(9002, in: repo, body: "new body")
        try await fj.updateComment(9003, in: repo, body: "other body")
        let requests = await transport.requests
        #expect(requests[0].jsonBody?.keys.sorted() == ["state"])
        #expect(requests[0].jsonBody?["state"] as? String == "closed")
        #expect(requests[1].jsonBody?["body"] as? String == "new body")
    }

    // MARK: - Repository, token

    @Test func repositoryReadsAndTokenLogin() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", api, try Fixture.ok("forgejo-repo"))
        await transport.on("GET", "/api/v1/repos/olivia/dotfiles", try Fixture.ok("forgejo-repo-personal"))
        await transport.on("GET", "/api/v1/user", try Fixture.ok("forgejo-user"))
        let fj = tracker(transport)
        #expect(try await fj.defaultBranch(of: repo) == "trunk")
        #expect(try await fj.access(to: repo) == .write)
        #expect(try await fj.access(to: personal) == .readOnly)
        #expect(try await fj.access(to: RepoRef(owner: "acme", name: "gone")) == .notFound)
        #expect(try await fj.tokenLogin() == "afk-bot")
    }

    @Test func aTokenWithoutUserScopeHasNoLogin() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "/api/v1/user",
            json(403, #"{"message":"token does not have at least one of required scope(s): [read:user]"}"#)
        )
        #expect(try await tracker(transport).tokenLogin() == nil)
    }

    // MARK: - Watcher

    @Test func commitsOnTheBranchSinceDispatch() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/commits", try Fixture.ok("forgejo-commits", headers: ["X-Total-Count": "3"]))
        let since = try #require(Timestamp.parse("2026-11-23T10:00:00Z"))
        let commits = try await tracker(transport).commits(in: repo, branch: "trunk", since: since)
        // Forgejo ignores `since`; the commit from the 20th is dropped here. Offsets are honoured.
        #expect(commits.map(\.sha) == [String(repeating: "a", count: 40), String(repeating: "b", count: 40)])
        #expect(commits[0].committedAt == Timestamp.parse("2026-11-23T10:30:00Z"))
        #expect(commits[1].committedAt == Timestamp.parse("2026-11-23T10:10:00Z"))
        let request = try #require(await transport.requests.first)
        #expect(
            request.query == [
                "sha": "trunk", "since": "2026-11-23T10:00:00Z", "stat": "false", "verification": "false",
                "files": "false", "page": "1", "limit": "50",
            ]
        )
        let found = PushedCommit.find(in: commits, issue: IssueRef(repo: repo, number: 7), dispatchedAt: since)
        #expect(found?.sha == String(repeating: "a", count: 40))
    }

    @Test func theDefaultBranchIsListedWithoutSha() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/commits", try Fixture.ok("forgejo-commits", headers: ["X-Total-Count": "3"]))
        let since = try #require(Timestamp.parse("2026-11-23T10:00:00Z"))
        #expect(try await tracker(transport).commits(in: repo, branch: nil, since: since).count == 2)
        let request = try #require(await transport.requests.first)
        #expect(request.query["sha"] == nil)
        #expect(request.query["since"] == "2026-11-23T10:00:00Z")
    }

    @Test func anEmptyRepositoryHasNoCommits() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "\(api)/commits",
            json(409, #"{"message":"Git Repository is empty.","url":"https://forgejo.test/api/swagger"}"#)
        )
        #expect(try await tracker(transport).commits(in: repo, branch: "main", since: Date()).isEmpty)
    }

    @Test func ciWithoutStatusesOrActionsReportsNothing() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/commits/\(sha)/status", try Fixture.ok("forgejo-status-empty"))
        // No route for actions/runs: 404, a server without the Actions API.
        let ci = try await tracker(transport).ciStatus(of: sha, in: repo)
        #expect(ci.checkRuns.isEmpty)
        #expect(ci.combined == CIVerdict.CombinedStatus(state: "", totalCount: 0, statuses: []))
        #expect(CIVerdict.fold(checkRuns: ci.checkRuns, combined: ci.combined) == .pending)
        let requests = await transport.requests
        #expect(requests.map(\.url.path) == ["\(api)/commits/\(sha)/status", "\(api)/actions/runs"])
        #expect(requests[1].query["head_sha"] == sha)
    }

    @Test func aWarningStatusIsAFailure() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/commits/\(sha)/status", try Fixture.ok("forgejo-status-warning"))
        let ci = try await tracker(transport).ciStatus(of: sha, in: repo)
        #expect(ci.combined?.state == "failure")
        #expect(ci.combined?.statuses.map(\.state) == ["success", "failure"])
        #expect(
            CIVerdict.fold(checkRuns: ci.checkRuns, combined: ci.combined)
                == .red(failing: ["lint / swiftlint (push) (failure)"])
        )
    }

    @Test func skippedStatusesCountAsSuccess() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/commits/\(sha)/status", try Fixture.ok("forgejo-status-skipped"))
        let ci = try await tracker(transport, flavor: .gitea).ciStatus(of: sha, in: repo)
        #expect(ci.combined?.statuses.map(\.state) == ["success", "success"])
        #expect(CIVerdict.fold(checkRuns: ci.checkRuns, combined: ci.combined) == .green)
    }

    @Test func forgejoActionsRunsBecomeCheckRuns() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/commits/\(sha)/status", try Fixture.ok("forgejo-status-skipped"))
        await transport.on("GET", "\(api)/actions/runs", try Fixture.ok("forgejo-runs-forgejo"))
        let ci = try await tracker(transport).ciStatus(of: sha, in: repo)
        #expect(
            ci.checkRuns == [
                CIVerdict.CheckRun(name: "ci.yml #12", status: "completed", conclusion: "success"),
                CIVerdict.CheckRun(name: "lint.yml #13", status: "in_progress", conclusion: nil),
                CIVerdict.CheckRun(name: "deploy.yml #14", status: "queued", conclusion: nil),
            ]
        )
        #expect(CIVerdict.fold(checkRuns: ci.checkRuns, combined: ci.combined) == .pending)
    }

    @Test func giteaActionsRunsKeepTheirConclusion() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/commits/\(sha)/status", try Fixture.ok("forgejo-status-empty"))
        await transport.on("GET", "\(api)/actions/runs", try Fixture.ok("forgejo-runs-gitea"))
        let gt = tracker(transport, flavor: .gitea)
        #expect(gt.serviceName == "Gitea")
        let ci = try await gt.ciStatus(of: sha, in: repo)
        #expect(ci.checkRuns.map(\.name) == ["ci.yml #21", "e2e.yml #22"])
        #expect(
            CIVerdict.fold(checkRuns: ci.checkRuns, combined: ci.combined) == .red(failing: ["e2e.yml #22 (failure)"])
        )
    }

    @Test func runsOfOtherCommitsAreIgnoredAndUnknownStatesStayPending() async throws {
        // A server that ignores `head_sha` answers with the whole history.
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/commits/\(sha)/status", try Fixture.ok("forgejo-status-empty"))
        let runs = """
            {"total_count":40,"workflow_runs":[
              {"id":1,"run_number":3,"head_sha":"\(sha)","status":"unknown","workflow_id":"ci.yml"},
              {"id":2,"run_number":2,"head_sha":"\(String(repeating: "f", count: 40))","status":"failure","workflow_id":"ci.yml"}]}
            """
        await transport.on("GET", "\(api)/actions/runs", json(200, runs))
        let ci = try await tracker(transport).ciStatus(of: sha, in: repo)
        #expect(ci.checkRuns == [CIVerdict.CheckRun(name: "ci.yml #3", status: "unknown", conclusion: nil)])
        #expect(CIVerdict.fold(checkRuns: ci.checkRuns, combined: ci.combined) == .pending)
        #expect(await transport.requests.count == 2)  // no second page of someone else's runs
    }

    @Test func forbiddenActionsAreNoCheckRuns() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "\(api)/commits/\(sha)/status", try Fixture.ok("forgejo-status-warning"))
        await transport.on("GET", "\(api)/actions/runs", json(403, #"{"message":"forbidden"}"#))
        let ci = try await tracker(transport).ciStatus(of: sha, in: repo)
        #expect(ci.checkRuns.isEmpty)
    }

    // MARK: - Errors and transport

    @Test func badCredentialsStopWithoutRetryingAndNameTheFlavor() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "\(api)/labels",
            json(401, #"{"message":"user does not exist [uid: 0, name: ]","url":"https://forgejo.test/api/swagger"}"#)
        )
        do {
            _ = try await tracker(transport, flavor: .gitea).openIssues(in: repo, labeled: "ready-for-agent")
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .badCredentials)
            #expect(error.stopsTick)
            #expect(error.description.hasPrefix("Gitea:"))
            #expect(!error.description.contains("fj_secret"))
        }
        #expect(await transport.requests.count == 1)
    }

    @Test func writesRefusedFor403AreForbidden() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "POST",
            "\(api)/issues/7/comments",
            json(403, #"{"message":"user should have permission to write issues"}"#)
        )
        do {
            _ = try await tracker(transport).createComment(on: IssueRef(repo: repo, number: 7), body: "x")
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .forbidden)
        }
        #expect(await transport.requests.count == 1)
    }

    @Test func tooManyRequestsHonourRetryAfter() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "\(api)/issues/3",
            json(429, "Too Many Requests", headers: ["Retry-After": "4"]),
            try Fixture.ok("forgejo-issue-closed")
        )
        let sleeps = SleepLog()
        #expect(try await tracker(transport, sleeps: sleeps).issue(IssueRef(repo: repo, number: 3))?.number == 3)
        #expect(await sleeps.seconds == [4])
    }

    @Test func theBaseURLIsTheServerRoot() async throws {
        for base in [
            "https://forgejo.test", "https://forgejo.test/", "https://forgejo.test/api/v1",
            "https://forgejo.test/api/v1/",
        ] {
            let transport = ScriptedTransport()
            await transport.on("GET", "/api/v1/user", try Fixture.ok("forgejo-user"))
            #expect(try await tracker(transport, base: base).tokenLogin() == "afk-bot", "base \(base)")
        }
        let transport = ScriptedTransport()
        await transport.on("GET", "/git/api/v1/user", try Fixture.ok("forgejo-user"))
        #expect(try await tracker(transport, base: "https://example.test/git/").tokenLogin() == "afk-bot")
    }

    // MARK: - Swagger conformance

    /// Runs every adapter method, fallbacks included, and checks each request against the
    /// Forgejo (and Gitea) swagger: method, path, and query parameter names.
    @Test(arguments: ["forgejo", "gitea"])
    func everyRequestIsInTheSwagger(_ flavorName: String) async throws {
        let spec = try Swagger.load(flavorName)
        let transport = ScriptedTransport()
        let ref = IssueRef(repo: repo, number: 7)
        try await scriptLabels(transport)
        await transport.on("GET", "\(api)/issues", try Fixture.ok("forgejo-issues", headers: ["X-Total-Count": "3"]))
        await transport.on("GET", "\(api)/issues/7", try Fixture.ok("forgejo-issue-closed"))
        await transport.on(
            "GET",
            "\(api)/issues/7/dependencies",
            try Fixture.ok("forgejo-dependencies"),
            json(200, "[]")
        )
        await transport.on("GET", "\(api)/issues/7/timeline", try Fixture.ok("forgejo-timeline"), json(200, "[]"))
        await transport.on("GET", "\(api)/collaborators/mia/permission", try Fixture.ok("forgejo-permission-write"))
        await transport.on("GET", "\(api)/collaborators/nils/permission", json(403, #"{"message":"forbidden"}"#))
        await transport.on(
            "GET",
            "\(api)/collaborators",
            try Fixture.ok("forgejo-collaborators", headers: ["X-Total-Count": "2"])
        )
        await transport.on("GET", api, try Fixture.ok("forgejo-repo"))
        await transport.on("GET", "\(api)/teams", json(200, #"[{"id":5,"name":"devs","permission":"write"}]"#))
        await transport.on("GET", "\(api)/collaborators/quinn/permission", json(403, #"{"message":"forbidden"}"#))
        await transport.on("GET", "/api/v1/teams/5/members/quinn", json(404, #"{"message":"not found"}"#))
        await transport.on("GET", "\(api)/issues/7/comments", try Fixture.ok("forgejo-comments"))
        await transport.on("POST", "\(api)/issues/7/comments", try Fixture.ok("forgejo-comment-created", status: 201))
        await transport.on("PATCH", "\(api)/issues/comments/9010", json(200, "{}"))
        await transport.on("POST", "\(api)/issues/7/labels", try Fixture.ok("forgejo-issue-labels"))
        await transport.on("DELETE", "\(api)/issues/7/labels/12", ServiceResponse(status: 204))
        await transport.on("PATCH", "\(api)/issues/7", try Fixture.ok("forgejo-issue-closed", status: 201))
        await transport.on("GET", "\(api)/commits", try Fixture.ok("forgejo-commits", headers: ["X-Total-Count": "3"]))
        await transport.on("GET", "\(api)/commits/\(sha)/status", try Fixture.ok("forgejo-status-warning"))
        await transport.on("GET", "\(api)/actions/runs", try Fixture.ok("forgejo-runs-forgejo"))
        await transport.on("GET", "/api/v1/user", try Fixture.ok("forgejo-user"))

        let fj = tracker(transport, flavor: flavorName == "gitea" ? .gitea : .forgejo)
        _ = try await fj.openIssues(in: repo, labeled: "ready-for-agent")
        _ = try await fj.recentIssues(
            in: repo,
            labeled: "needs-human",
            state: .closed,
            updatedSince: Date(timeIntervalSince1970: 1_795_000_000)
        )
        _ = try await fj.issue(ref)
        _ = try await fj.nativeBlockers(of: ref)
        _ = try await fj.labelEvents(of: ref, latestFor: "ready-for-agent")
        _ = try await fj.permission(of: "mia", in: repo)
        _ = try await fj.permission(of: "nils", in: repo)  // 403 → repository, collaborators
        _ = try await fj.permission(of: "quinn", in: repo)  // not listed → teams, team members
        _ = try await fj.comments(on: ref)
        let comment = try await fj.createComment(on: ref, body: "hello")
        try await fj.updateComment(comment.id, in: repo, body: "edited")
        try await fj.addLabels(["agent-in-progress"], to: ref)
        try await fj.removeLabel("agent-in-progress", from: ref)
        try await fj.close(ref)
        _ = try await fj.defaultBranch(of: repo)
        _ = try await fj.commits(in: repo, branch: "trunk", since: Date(timeIntervalSince1970: 1_795_000_000))
        _ = try await fj.ciStatus(of: sha, in: repo)
        _ = try await fj.tokenLogin()
        _ = try await fj.access(to: repo)
        _ = try await fj.labelExists("bug", in: repo)

        let requests = await transport.requests
        let operations = Set(requests.map { "\($0.method) \($0.url.path)" })
        #expect(requests.allSatisfy { $0.url.path.hasPrefix("/api/v1/") })
        #expect(operations.count >= 19)
        #expect(operations.contains("GET /api/v1/teams/5/members/quinn"))
        for request in requests {
            let problems = spec.check(request)
            #expect(
                problems.isEmpty,
                "\(flavorName): \(request.method) \(request.url.absoluteString): \(problems.joined(separator: "; "))"
            )
        }
    }
}

extension ForgejoTrackerTests {
    /// The conformance check above is not vacuous.
    @Test func theSwaggerCheckRejectsWhatTheAPIDoesNotHave() throws {
        let spec = try Swagger.load("forgejo")
        let request = { (method: String, url: String) in ServiceRequest(method: method, url: URL(string: url)!) }
        #expect(
            spec.check(request("GET", "https://forgejo.test/api/v1/repos/acme/widgets/issues/7/events")) == [
                "no such path"
            ]
        )
        #expect(spec.check(request("DELETE", "https://forgejo.test/api/v1/user")).first?.hasPrefix("no DELETE") == true)
        #expect(spec.check(request("GET", "https://forgejo.test/repos/acme/widgets")) == ["path is not under /api/v1"])
        #expect(
            spec.check(request("GET", "https://forgejo.test/api/v1/repos/acme/widgets/issues?per_page=100")).count == 1
        )
        #expect(
            spec.check(request("GET", "https://forgejo.test/api/v1/repos/acme/widgets/issues/7/comments?page=2")).count
                == 1
        )
        #expect(
            spec.check(request("PATCH", "https://forgejo.test/api/v1/repos/acme/widgets/issues/comments/5")).isEmpty
        )
    }
}

/// The Gitea/Forgejo API v1 route tables (`Sources/AFKTesting/RouteTables`, extracted from the
/// official swagger by `scripts/extract-routes.py`) as this suite checks requests against them.
struct Swagger {
    let table: RouteTable
    /// Query parameters the adapter sends although the description does not list them, and why.
    let tolerated: [String: Set<String>]

    static func load(_ flavor: String) throws -> Swagger {
        let table = try RouteTable.load(flavor == "gitea" ? .gitea : .forgejo)
        #expect(table.basePath == "/api/v1")
        // Forgejo's `GET …/commits` has no `since` (Gitea's has): it is ignored there, and the
        // adapter filters by date itself.
        let tolerated = flavor == "forgejo" ? ["GET /repos/{owner}/{repo}/commits": Set(["since"])] : [:]
        return Swagger(table: table, tolerated: tolerated)
    }

    /// What is wrong with the request, if anything.
    func check(_ request: ServiceRequest) -> [String] {
        table.problems(method: request.method, url: request.url, tolerated: tolerated)
    }
}
