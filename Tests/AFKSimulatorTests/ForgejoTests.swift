import AFKSimulator
import AFKTesting
import Foundation
import Testing

extension Simulator {
    /// `forgejoURL` + `/api/v1` + a path like `/repos/acme/widgets/issues?state=all`.
    func fj(_ pathAndQuery: String) async throws -> URL {
        try #require(URL(string: await forgejoURL.absoluteString + "/api/v1" + pathAndQuery))
    }
}

/// Parses a Gitea/Forgejo `Link` header (`<url>; rel="next",<url>; rel="last"`: comma without a space).
func parseForgejoLinks(_ header: String?) -> [String: String] {
    guard let header else { return [:] }
    var out: [String: String] = [:]
    for part in header.split(separator: ",") {
        let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.count == 2, pieces[0].hasPrefix("<"), pieces[0].hasSuffix(">") else { continue }
        let rel = pieces[1].replacingOccurrences(of: "rel=", with: "").replacingOccurrences(of: "\"", with: "")
        out[rel] = String(pieces[0].dropFirst().dropLast())
    }
    return out
}

@Suite struct ForgejoTests {
    static let mainSHA1 = String(repeating: "a", count: 40)
    static let scenarioJSON = #"""
        { "github": { "tokens": {"ghp_admin": "alice", "ghp_bot": "afk-bot", "ghp_rita": "rita", "ghp_root": "root", "ghp_acme": "acme"},
            "repos": [{ "owner": "acme", "name": "widgets", "default_branch": "main",
              "collaborators": {"alice": "admin", "bob": "write", "mia": "maintain", "rita": "read", "nina": "none", "afk-bot": "write"},
              "labels": ["ready-for-agent", "agent-in-progress", "priority:1", {"name": "area/ui", "color": "123456", "id": 42}],
              "issues": [{ "number": 1, "title": "Add a widget", "body": "Blocked by #3", "labels": ["ready-for-agent"], "author": "alice",
                "label_events": [{"event": "labeled", "label": "ready-for-agent", "actor": "alice", "created_at": "2026-01-01T01:01:00Z"},
                                 {"event": "labeled", "label": "priority:1", "actor": null, "created_at": "2026-01-01T01:02:00Z"},
                                 {"event": "unlabeled", "label": "priority:1", "actor": "bob", "created_at": "2026-01-01T01:03:00Z"}],
                "blocked_by": [3, "acme/gadgets#4"],
                "comments": [{"user": "bob", "body": "hi", "created_at": "2026-01-01T02:00:00Z"},
                             {"user": "alice", "body": "later", "created_at": "2026-01-03T00:00:00Z"}] },
                { "number": 2, "title": "PR with label", "labels": ["ready-for-agent", "priority:1"], "is_pull_request": true, "author": "bob" },
                { "number": 3, "title": "Blocker", "labels": ["priority:1"] },
                { "number": 4, "title": "Closed one", "state": "closed", "labels": ["ready-for-agent"] },
                { "number": 5, "title": "UI work", "labels": ["area/ui", "ready-for-agent"] }],
              "branches": { "main": [
                  {"sha": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "message": "Initial commit", "committed_at": "2026-01-01T00:00:00Z", "author": "alice"},
                  {"message": "Add widgets\n\nCloses #1", "committed_at": "2026-01-02T00:00:00Z"},
                  {"message": "Tweak widgets", "committed_at": "2026-01-03T00:00:00Z", "author": "bob"}],
                "feature": [{"message": "Feature work", "committed_at": "2026-01-04T00:00:00Z"}] },
              "check_runs": {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": [{"name": "build", "status": "completed", "conclusion": "success"}]},
              "statuses": {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": [{"context": "ci/deploy", "state": "success"}]} },
              { "owner": "acme", "name": "gadgets", "issues": [{ "number": 4, "title": "Gadget blocker" }] },
              { "owner": "acme", "name": "empty" }] },
          "forgejo": {"site_admins": ["root"]} }
        """#

    static func scenario(flavor: String = "forgejo", version: String = "12.0.0") throws -> Scenario {
        var scenario = try Scenario.decode(fromJSON: Data(scenarioJSON.utf8))
        scenario.forgejo.flavor = flavor
        scenario.forgejo.version = version
        return scenario
    }

    func get(_ sim: Simulator, _ path: String, token: String = Fixtures.botToken) async throws -> Reply {
        try await HTTP.send("GET", sim.fj(path), token: token, scheme: "token")
    }

    func send(
        _ sim: Simulator,
        _ method: String,
        _ path: String,
        _ body: String? = nil,
        token: String = Fixtures.botToken
    ) async throws -> Reply {
        try await HTTP.send(method, sim.fj(path), token: token, scheme: "token", body: body)
    }

    func nums(_ sim: Simulator, _ path: String) async throws -> [Int64] {
        numbers(try await get(sim, path))
    }

    func numbers(_ reply: Reply) -> [Int64] {
        reply.json?.arrayValue?.compactMap { $0["number"]?.intValue } ?? []
    }

    // MARK: Auth, version, user, repository

    @Test func authSchemesAndErrorShape() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let base = await sim.forgejoURL.absoluteString
            let missing = try await HTTP.send("GET", sim.fj("/repos/acme/widgets"))
            #expect(missing.status == 401)
            #expect(
                missing.json == .obj(["message": .string("token is required"), "url": .string(base + "/api/swagger")])
            )
            #expect(missing.header("content-type") == "application/json;charset=utf-8")
            let unknown = try await HTTP.send("GET", sim.fj("/repos/acme/widgets"), token: "nope", scheme: "token")
            #expect(unknown.status == 401)
            for scheme in ["token", "bearer", "Bearer", "BEARER"] {
                let ok = try await HTTP.send(
                    "GET",
                    sim.fj("/repos/acme/widgets"),
                    token: Fixtures.botToken,
                    scheme: scheme
                )
                #expect(ok.status == 200, "scheme \(scheme)")
                #expect(ok.headers.keys.allSatisfy { !$0.lowercased().hasPrefix("x-ratelimit") })
            }
            // Forgejo wants the literal lower-case `token`.
            let capital = try await HTTP.send(
                "GET",
                sim.fj("/repos/acme/widgets"),
                token: Fixtures.botToken,
                scheme: "Token"
            )
            #expect(capital.status == 401)
            let basic = Data("afk-bot:\(Fixtures.botToken)".utf8).base64EncodedString()
            let viaBasic = try await HTTP.send("GET", sim.fj("/user"), headers: ["Authorization": "Basic \(basic)"])
            #expect(viaBasic.json?["login"]?.stringValue == "afk-bot")
            let version = try await HTTP.send("GET", sim.fj("/version"))
            #expect(version.json == .obj(["version": .string("12.0.0+gitea-1.22.0")]))
            let log = await sim.requests()
            #expect(log.allSatisfy { $0.service == .forgejo })
            #expect(log.first?.path == "/api/v1/repos/acme/widgets")
        }
        try await withSimulator(try Self.scenario(flavor: "gitea", version: "1.25.0")) { sim in
            let capital = try await HTTP.send(
                "GET",
                sim.fj("/repos/acme/widgets"),
                token: Fixtures.botToken,
                scheme: "Token"
            )
            #expect(capital.status == 200)  // Gitea: case-insensitive
            let version = try await HTTP.send("GET", sim.fj("/version"))
            #expect(version.json?["version"]?.stringValue == "1.25.0")
        }
    }

    @Test func repositoryAndUser() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let reply = try await get(sim, "/repos/ACME/Widgets")
            #expect(reply.status == 200)
            let repo = try #require(reply.json)
            for key in [
                "id", "owner", "name", "full_name", "description", "empty", "private", "html_url", "url", "clone_url",
                "default_branch", "permissions", "has_issues", "has_pull_requests", "open_issues_count",
                "internal_tracker",
            ] {
                #expect(repo.has(key), "Repository is missing \(key)")
            }
            #expect(repo["default_branch"]?.stringValue == "main")
            #expect(repo["full_name"]?.stringValue == "acme/widgets")
            #expect(repo["owner"]?["login"]?.stringValue == "acme")
            #expect(repo["permissions"] == .obj(["admin": .bool(false), "push": .bool(true), "pull": .bool(true)]))
            #expect(repo["open_issues_count"]?.intValue == 3)
            #expect(!repo.has("node_id") && !repo.has("visibility"))
            let admin = try await get(sim, "/repos/acme/widgets", token: Fixtures.adminToken)
            #expect(admin.json?["permissions"]?["admin"]?.boolValue == true)
            let me = try await get(sim, "/user")
            #expect(me.json?["login"]?.stringValue == "afk-bot")
            #expect(me.json?["active"]?.boolValue == true)
            for key in [
                "id", "login", "login_name", "full_name", "email", "avatar_url", "html_url", "is_admin", "created",
                "visibility",
            ] {
                #expect(me.json?.has(key) == true, "User is missing \(key)")
            }
            let root = try await get(sim, "/user", token: "ghp_root")
            #expect(root.json?["is_admin"]?.boolValue == true)
            let missing = try await get(sim, "/repos/acme/nope")
            #expect(missing.status == 404)
            #expect(missing.json?["message"]?.stringValue == "The target couldn't be found.")
        }
    }

    // MARK: Issues

    @Test func issuesIncludePullRequestsUnlessTypeIssues() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let all = try await get(sim, "/repos/acme/widgets/issues")
            #expect(all.status == 200)
            #expect(numbers(all) == [5, 3, 2, 1])
            #expect(all.header("X-Total-Count") == "4")
            #expect(try await nums(sim, "/repos/acme/widgets/issues?type=issues") == [5, 3, 1])
            #expect(try await nums(sim, "/repos/acme/widgets/issues?type=pulls") == [2])
            #expect(try await nums(sim, "/repos/acme/widgets/issues?state=closed") == [4])
            #expect(try await nums(sim, "/repos/acme/widgets/issues?state=all&sort=oldest") == [1, 2, 3, 4, 5])
            let items = try #require(all.json?.arrayValue)
            let pr = try #require(items.first { $0["number"]?.intValue == 2 })
            let meta = try #require(pr["pull_request"])
            #expect(
                meta["merged"]?.boolValue == false && meta["merged_at"] == .null && meta["draft"]?.boolValue == false
            )
            #expect(meta["html_url"]?.stringValue?.hasSuffix("/forgejo/acme/widgets/pulls/2") == true)
            let issue = try #require(items.first { $0["number"]?.intValue == 1 })
            #expect(issue["pull_request"] == .null)
            for key in [
                "id", "url", "html_url", "number", "user", "original_author", "title", "body", "ref", "assets",
                "labels",
                "milestone", "assignee", "assignees", "state", "is_locked", "comments", "created_at", "updated_at",
                "closed_at", "due_date", "pull_request", "repository",
            ] {
                #expect(issue.has(key), "Issue is missing \(key)")
            }
            #expect(!issue.has("state_reason") && !issue.has("author_association") && !issue.has("locked"))
            #expect(
                issue["repository"]
                    == .obj([
                        "id": issue["repository"]?["id"] ?? .null, "name": .string("widgets"), "owner": .string("acme"),
                        "full_name": .string("acme/widgets"),
                    ])
            )
            #expect(issue["comments"]?.intValue == 2)
            let label = try #require(issue["labels"]?.arrayValue?.first)
            for key in ["id", "name", "exclusive", "is_archived", "color", "description", "url"] {
                #expect(label.has(key), "Label \(key)")
            }
            #expect(label["id"]?.intValue != nil)
            let single = try await get(sim, "/repos/acme/widgets/issues/2")
            #expect(single.json?["pull_request"]?.has("merged") == true)
            #expect(try await get(sim, "/repos/acme/widgets/issues/99").status == 404)
        }
    }

    @Test func labelFilterQuirks() async throws {
        try await withSimulator(try Self.scenario()) { (sim: Simulator) async throws in
            // ANDed.
            #expect(try await nums(sim, "/repos/acme/widgets/issues?labels=ready-for-agent,priority:1") == [2])
            #expect(try await nums(sim, "/repos/acme/widgets/issues?labels=area%2Fui") == [5])
            // Unknown names are dropped…
            #expect(try await nums(sim, "/repos/acme/widgets/issues?labels=nope,priority:1") == [3, 2])
            // …and when none exists, no label filter at all: every issue comes back.
            #expect(try await nums(sim, "/repos/acme/widgets/issues?labels=nope") == [5, 3, 2, 1])
            #expect(
                try await nums(sim, "/repos/acme/widgets/issues?labels=nope,also-nope&state=all") == [5, 4, 3, 2, 1]
            )
            // Names resolve only among this repository's labels (gadgets has none).
            #expect(try await nums(sim, "/repos/acme/gadgets/issues?labels=ready-for-agent") == [4])
            // `since` filters on updated_at.
            await sim.addComment("acme", "widgets", 3, "bump", user: "bob")
            let since = SimClockForTests.stamp(Date().addingTimeInterval(-60))
            #expect(try await nums(sim, "/repos/acme/widgets/issues?since=\(since)") == [3])
            #expect(try await get(sim, "/repos/acme/widgets/issues?since=yesterday").status == 422)
        }
    }

    @Test func paginationUsesPageAndLimit() async throws {
        var scenario = Fixtures.many(60)
        scenario.forgejo = ForgejoScenario()
        try await withSimulator(scenario) { sim in
            let first = try await get(sim, "/repos/acme/big/issues?limit=25")
            #expect(numbers(first) == Array((36...60).reversed()))
            #expect(first.header("X-Total-Count") == "60")
            let links = parseForgejoLinks(first.header("Link"))
            #expect(Set(links.keys) == ["next", "last"])
            let base = await sim.forgejoURL.absoluteString
            let next = try #require(links["next"])
            #expect(next == base + "/api/v1/repos/acme/big/issues?limit=25&page=2")
            #expect(links["last"] == base + "/api/v1/repos/acme/big/issues?limit=25&page=3")
            let middle = try await HTTP.send(
                "GET",
                #require(URL(string: next)),
                token: Fixtures.botToken,
                scheme: "token"
            )
            #expect(numbers(middle) == Array((11...35).reversed()))
            #expect(Set(parseForgejoLinks(middle.header("Link")).keys) == ["next", "last", "first", "prev"])
            let last = try await get(sim, "/repos/acme/big/issues?limit=25&page=3")
            #expect(numbers(last).count == 10)
            #expect(Set(parseForgejoLinks(last.header("Link")).keys) == ["first", "prev"])
            // Default 30; `per_page` is not a Gitea parameter; `limit` is capped at 50.
            #expect(try await nums(sim, "/repos/acme/big/issues").count == 30)
            #expect(try await nums(sim, "/repos/acme/big/issues?per_page=5").count == 30)
            #expect(try await nums(sim, "/repos/acme/big/issues?limit=100").count == 50)
            #expect(first.headers.keys.allSatisfy { !$0.lowercased().hasPrefix("x-ratelimit") })
        }
    }

    // MARK: Timeline, comments

    @Test func timelineLabelEntriesCarryBodyOneOrEmpty() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let reply = try await get(sim, "/repos/acme/widgets/issues/1/timeline")
            #expect(reply.status == 200)
            let items = try #require(reply.json?.arrayValue)
            #expect(items.compactMap { $0["type"]?.stringValue } == ["label", "label", "label", "comment", "comment"])
            #expect(items.compactMap { $0["body"]?.stringValue } == ["1", "1", "", "hi", "later"])
            #expect(items[0]["user"]?["login"]?.stringValue == "alice")
            #expect(items[0]["label"]?["name"]?.stringValue == "ready-for-agent")
            #expect(items[1]["user"]?["login"]?.stringValue == "Ghost")
            #expect(items[2]["user"]?["login"]?.stringValue == "bob")
            #expect(items[3]["label"] == .null)
            for key in [
                "id", "type", "html_url", "issue_url", "pull_request_url", "user", "body", "created_at", "updated_at",
                "label", "assignee", "dependent_issue", "old_title", "new_title", "ref_action",
            ] {
                #expect(items[0].has(key), "TimelineComment is missing \(key)")
            }
            #expect(reply.header("X-Total-Count") == "5")
            let paged = try await get(sim, "/repos/acme/widgets/issues/1/timeline?page=2&limit=2")
            #expect(paged.json?.arrayValue?.compactMap { $0["body"]?.stringValue } == ["", "hi"])
            let since = try await get(sim, "/repos/acme/widgets/issues/1/timeline?since=2026-01-02T00:00:00Z")
            #expect(since.json?.arrayValue?.compactMap { $0["body"]?.stringValue } == ["later"])

            // Mutations through the API and through the Swift helpers land in the same timeline.
            let added = try await send(
                sim,
                "POST",
                "/repos/acme/widgets/issues/1/labels",
                #"{"labels":["agent-in-progress"]}"#
            )
            #expect(added.status == 200)
            await sim.addLabel("acme", "widgets", 1, "priority:1", actor: "alice")
            let closed = try await send(sim, "PATCH", "/repos/acme/widgets/issues/3", #"{"state":"closed"}"#)
            #expect(closed.status == 201)
            let after = try await get(sim, "/repos/acme/widgets/issues/1/timeline")
            let tail = try #require(after.json?.arrayValue?.suffix(2))
            #expect(tail.map { $0["label"]?["name"]?.stringValue } == ["agent-in-progress", "priority:1"])
            #expect(tail.map { $0["user"]?["login"]?.stringValue } == ["afk-bot", "alice"])
            #expect(tail.map { $0["body"]?.stringValue } == ["1", "1"])
            let three = try await get(sim, "/repos/acme/widgets/issues/3/timeline")
            #expect(three.json?.arrayValue?.last?["type"]?.stringValue == "close")
            #expect(three.json?.arrayValue?.last?["user"]?["login"]?.stringValue == "afk-bot")
        }
    }

    @Test func commentsTakeOnlySinceAndBefore() async throws {
        var scenario = try Self.scenario()
        scenario.github.repos[0].issues[2].comments = (1...40).map { SimComment(user: "bob", body: "c\($0)") }
        try await withSimulator(scenario) { sim in
            let all = try await get(sim, "/repos/acme/widgets/issues/3/comments?page=2&limit=5")
            #expect(all.status == 200)
            #expect(all.json?.arrayValue?.count == 40)  // no paging: everything
            #expect(all.header("Link") == nil)
            let since = try await get(sim, "/repos/acme/widgets/issues/1/comments?since=2026-01-02T00:00:00Z")
            #expect(since.json?.arrayValue?.compactMap { $0["body"]?.stringValue } == ["later"])
            let before = try await get(sim, "/repos/acme/widgets/issues/1/comments?before=2026-01-02T00:00:00Z")
            #expect(before.json?.arrayValue?.compactMap { $0["body"]?.stringValue } == ["hi"])

            let created = try await send(
                sim,
                "POST",
                "/repos/acme/widgets/issues/1/comments",
                #"{"body":"afk was here"}"#
            )
            #expect(created.status == 201)
            let comment = try #require(created.json)
            for key in [
                "id", "html_url", "pull_request_url", "issue_url", "user", "original_author", "body", "assets",
                "created_at", "updated_at",
            ] {
                #expect(comment.has(key), "Comment is missing \(key)")
            }
            #expect(!comment.has("author_association") && !comment.has("node_id"))
            #expect(comment["user"]?["login"]?.stringValue == "afk-bot")
            #expect(comment["pull_request_url"]?.stringValue == "")
            #expect(comment["issue_url"]?.stringValue?.hasSuffix("/forgejo/acme/widgets/issues/1") == true)
            let id = try #require(comment["id"]?.intValue)
            #expect(await sim.issue("acme", "widgets", 1)?.comments.last?.body == "afk was here")
            let empty = try await send(sim, "POST", "/repos/acme/widgets/issues/1/comments", #"{"body":""}"#)
            #expect(empty.status == 422)

            let edited = try await send(
                sim,
                "PATCH",
                "/repos/acme/widgets/issues/comments/\(id)",
                #"{"body":"edited"}"#
            )
            #expect(edited.status == 200)
            #expect(edited.json?["body"]?.stringValue == "edited")
            let deprecated = try await send(
                sim,
                "PATCH",
                "/repos/acme/widgets/issues/1/comments/\(id)",
                #"{"body":"again"}"#
            )
            #expect(deprecated.status == 200)
            #expect(await sim.issue("acme", "widgets", 1)?.comments.last?.body == "again")
            let fetched = try await get(sim, "/repos/acme/widgets/issues/comments/\(id)")
            #expect(fetched.json?["body"]?.stringValue == "again")
            // Someone else's comment, by a reader: 403.
            let foreign = try await send(
                sim,
                "PATCH",
                "/repos/acme/widgets/issues/comments/\(id)",
                #"{"body":"x"}"#,
                token: "ghp_rita"
            )
            #expect(foreign.status == 403)
            #expect(
                try await send(sim, "PATCH", "/repos/acme/widgets/issues/comments/1", #"{"body":"x"}"#).status == 404
            )
        }
    }

    // MARK: Labels

    @Test func labelsByIdOrNameNeverCreated() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let labels = try await get(sim, "/repos/acme/widgets/labels")
            #expect(labels.header("X-Total-Count") == "4")
            let list = try #require(labels.json?.arrayValue)
            #expect(
                list.compactMap { $0["name"]?.stringValue } == [
                    "agent-in-progress", "area/ui", "priority:1", "ready-for-agent",
                ]
            )
            let ui = try #require(list.first { $0["name"]?.stringValue == "area/ui" })
            #expect(ui["id"]?.intValue == 42 && ui["color"]?.stringValue == "123456")
            let inProgress = try #require(
                list.first { $0["name"]?.stringValue == "agent-in-progress" }?["id"]?.intValue
            )
            #expect(try await get(sim, "/repos/acme/widgets/labels/42").json?["name"]?.stringValue == "area/ui")
            #expect(try await get(sim, "/repos/acme/widgets/labels/1").status == 404)

            let byID = try await send(
                sim,
                "POST",
                "/repos/acme/widgets/issues/3/labels",
                #"{"labels":[\#(inProgress), 999]}"#
            )
            #expect(byID.status == 200)
            #expect(
                byID.json?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["agent-in-progress", "priority:1"]
            )
            let byName = try await send(
                sim,
                "POST",
                "/repos/acme/widgets/issues/3/labels",
                #"{"labels":["area/ui","brand-new"]}"#
            )
            #expect(byName.status == 200)
            #expect(
                byName.json?.arrayValue?.compactMap { $0["name"]?.stringValue } == [
                    "agent-in-progress", "area/ui", "priority:1",
                ]
            )
            // Unknown names and ids were ignored, not created.
            #expect(try await get(sim, "/repos/acme/widgets/labels").json?.arrayValue?.count == 4)
            let mixed = try await send(
                sim,
                "POST",
                "/repos/acme/widgets/issues/3/labels",
                #"{"labels":["area/ui", 42]}"#
            )
            #expect(mixed.status == 400)
            #expect(mixed.json?["message"]?.stringValue == "labels should be an array of strings or integers")
            let reader = try await send(
                sim,
                "POST",
                "/repos/acme/widgets/issues/3/labels",
                #"{"labels":[42]}"#,
                token: "ghp_rita"
            )
            #expect(reader.status == 403)

            // DELETE takes the numeric id only.
            let byNameDelete = try await send(sim, "DELETE", "/repos/acme/widgets/issues/3/labels/area%2Fui")
            #expect(byNameDelete.status == 422)
            let removed = try await send(sim, "DELETE", "/repos/acme/widgets/issues/3/labels/42")
            #expect(removed.status == 204)
            #expect(removed.body.isEmpty)
            #expect(await sim.issue("acme", "widgets", 3)?.labels == ["priority:1", "agent-in-progress"])
            let timeline = try await get(sim, "/repos/acme/widgets/issues/3/timeline")
            let entries = try #require(timeline.json?.arrayValue)
            #expect(entries.map { $0["body"]?.stringValue } == ["1", "1", ""])
            #expect(entries.last?["label"]?["id"]?.intValue == 42)
            #expect(entries.allSatisfy { $0["user"]?["login"]?.stringValue == "afk-bot" })
            // Not on the issue: still 204, nothing recorded.
            #expect(try await send(sim, "DELETE", "/repos/acme/widgets/issues/3/labels/42").status == 204)
            #expect(try await get(sim, "/repos/acme/widgets/issues/3/timeline").json?.arrayValue?.count == 3)
        }
    }

    @Test func labelNamesDependOnServerVersion() async throws {
        for (flavor, version, names) in [
            ("forgejo", "7.0.5", false), ("forgejo", "8.0.0", true), ("gitea", "1.22.6", false),
            ("gitea", "1.23.0", true),
        ] {
            try await withSimulator(try Self.scenario(flavor: flavor, version: version)) { sim in
                let reply = try await send(
                    sim,
                    "POST",
                    "/repos/acme/widgets/issues/3/labels",
                    #"{"labels":["area/ui"]}"#
                )
                #expect(reply.status == (names ? 200 : 422), "\(flavor) \(version)")
                let ids = try await send(sim, "POST", "/repos/acme/widgets/issues/3/labels", #"{"labels":[42]}"#)
                #expect(ids.status == 200, "\(flavor) \(version)")
            }
        }
    }

    // MARK: Close, dependencies

    @Test func closeAnswers201AndRefusesOpenDependencies() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let blocked = try await send(sim, "PATCH", "/repos/acme/widgets/issues/1", #"{"state":"closed"}"#)
            #expect(blocked.status == 412)
            #expect(
                blocked.json?["message"]?.stringValue
                    == "cannot close this issue because it still has open dependencies"
            )
            let deps = try await get(sim, "/repos/acme/widgets/issues/1/dependencies")
            #expect(
                deps.json?.arrayValue?.compactMap { $0["repository"]?["full_name"]?.stringValue } == [
                    "acme/widgets", "acme/gadgets",
                ]
            )
            #expect(numbers(deps) == [3, 4])
            #expect(try await nums(sim, "/repos/acme/widgets/issues/3/blocks") == [1])
            #expect(try await nums(sim, "/repos/acme/widgets/issues/1/dependencies?limit=1&page=2") == [4])

            await sim.setIssueState("acme", "widgets", 3, state: "closed", actor: "alice")
            await sim.setIssueState("acme", "gadgets", 4, state: "closed", actor: "alice")
            let closed = try await send(sim, "PATCH", "/repos/acme/widgets/issues/1", #"{"state":"closed"}"#)
            #expect(closed.status == 201)
            #expect(closed.json?["state"]?.stringValue == "closed")
            #expect(closed.json?["closed_at"]?.stringValue != nil)
            #expect(closed.json?.has("state_reason") == false)
            #expect(await sim.issue("acme", "widgets", 1)?.state == "closed")
            let events = await sim.issue("acme", "widgets", 1)?.events ?? []
            #expect(events.last?.event == "closed" && events.last?.actor == "afk-bot")
            let reader = try await send(
                sim,
                "PATCH",
                "/repos/acme/widgets/issues/5",
                #"{"state":"closed"}"#,
                token: "ghp_rita"
            )
            #expect(reader.status == 403)
        }
    }

    // MARK: Permissions

    @Test func permissionEndpointIs403UnlessAdminOrSelf() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let other = try await get(sim, "/repos/acme/widgets/collaborators/alice/permission")
            #expect(other.status == 403)
            #expect(other.json?["message"]?.stringValue?.hasPrefix("Only admins can query all permissions") == true)
            let me = try await get(sim, "/repos/acme/widgets/collaborators/afk-bot/permission")
            #expect(me.status == 200)
            #expect(me.json?["permission"]?.stringValue == "write" && me.json?["role_name"]?.stringValue == "write")
            #expect(me.json?["user"]?["login"]?.stringValue == "afk-bot")
            let expectations: [(String, String)] = [
                ("alice", "admin"), ("bob", "write"), ("mia", "write"), ("rita", "read"), ("nina", "read"),
                ("acme", "owner"),
                ("root", "admin"),
            ]
            for (login, permission) in expectations {
                let reply = try await get(
                    sim,
                    "/repos/acme/widgets/collaborators/\(login)/permission",
                    token: Fixtures.adminToken
                )
                #expect(reply.json?["permission"]?.stringValue == permission, "\(login)")
            }
            let owner = try await get(sim, "/repos/acme/widgets/collaborators/bob/permission", token: "ghp_acme")
            #expect(owner.json?["permission"]?.stringValue == "write")
            let siteAdmin = try await get(sim, "/repos/acme/widgets/collaborators/rita/permission", token: "ghp_root")
            #expect(siteAdmin.json?["permission"]?.stringValue == "read")
            let unknown = try await get(
                sim,
                "/repos/acme/widgets/collaborators/ghost-user/permission",
                token: Fixtures.adminToken
            )
            #expect(unknown.status == 404)

            let collaborators = try await get(sim, "/repos/acme/widgets/collaborators")
            #expect(
                collaborators.json?.arrayValue?.compactMap { $0["login"]?.stringValue } == [
                    "afk-bot", "alice", "bob", "mia", "rita",
                ]
            )
            #expect(collaborators.header("X-Total-Count") == "5")
            let paged = try await get(sim, "/repos/acme/widgets/collaborators?limit=2&page=3")
            #expect(paged.json?.arrayValue?.compactMap { $0["login"]?.stringValue } == ["rita"])
        }
    }

    // MARK: Commits, statuses, runs

    @Test func commitsNewestFirstInGiteaShape() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let reply = try await get(sim, "/repos/acme/widgets/commits")
            #expect(reply.status == 200)
            let items = try #require(reply.json?.arrayValue)
            #expect(
                items.map { $0["commit"]?["message"]?.stringValue } == [
                    "Tweak widgets\n", "Add widgets\n\nCloses #1\n", "Initial commit\n",
                ]
            )
            let newest = try #require(items.first)
            for key in [
                "sha", "url", "html_url", "created", "commit", "author", "committer", "parents", "files", "stats",
            ] {
                #expect(newest.has(key), "Commit is missing \(key)")
            }
            for key in ["message", "author", "committer", "tree", "url", "verification"] {
                #expect(newest["commit"]?.has(key) == true, "RepoCommit is missing \(key)")
            }
            #expect(!newest.has("node_id") && !newest.has("comments_url"))
            #expect(newest["commit"]?["author"]?["name"]?.stringValue == "bob")
            #expect(newest["commit"]?["committer"]?["date"]?.stringValue == "2026-01-03T00:00:00Z")
            #expect(newest["parents"]?.arrayValue?.first?["sha"]?.stringValue == items[1]["sha"]?.stringValue)
            #expect(newest["parents"]?.arrayValue?.first?.has("created") == true)
            #expect(reply.header("X-Total-Count") == "3")
            let lean = try await get(
                sim,
                "/repos/acme/widgets/commits?stat=false&verification=false&files=false&limit=1"
            )
            #expect(lean.json?.arrayValue?.first?["files"] == .null && lean.json?.arrayValue?.first?["stats"] == .null)
            #expect(lean.json?.arrayValue?.first?["commit"]?["verification"] == .null)
            #expect(lean.header("X-HasMore") == "true")
            #expect(parseForgejoLinks(lean.header("Link"))["next"]?.contains("limit=1") == true)
            let feature = try await get(sim, "/repos/acme/widgets/commits?sha=feature")
            #expect(feature.json?.arrayValue?.first?["commit"]?["message"]?.stringValue == "Feature work\n")
            // Forgejo has no `since`: it is ignored.
            #expect(
                try await get(sim, "/repos/acme/widgets/commits?since=2026-01-02T12:00:00Z").json?.arrayValue?.count
                    == 3
            )
            #expect(try await get(sim, "/repos/acme/widgets/commits?sha=nope").status == 404)
            let empty = try await get(sim, "/repos/acme/empty/commits")
            #expect(empty.status == 409)
            #expect(empty.json?["message"]?.stringValue == "Git Repository is empty.")
            // Pushed commits (Swift helper) show up.
            let sha = await sim.pushCommit("acme", "widgets", branch: "main", message: "Pushed")
            #expect(
                try await get(sim, "/repos/acme/widgets/commits?limit=1").json?.arrayValue?.first?["sha"]?.stringValue
                    == sha
            )
        }
        try await withSimulator(try Self.scenario(flavor: "gitea", version: "1.25.0")) { sim in
            let since = try await get(
                sim,
                "/repos/acme/widgets/commits?since=2026-01-02T00:00:00Z&until=2026-01-02T12:00:00Z"
            )
            #expect(
                since.json?.arrayValue?.map { $0["commit"]?["message"]?.stringValue } == ["Add widgets\n\nCloses #1\n"]
            )
        }
    }

    @Test func combinedStatusForgejo() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let sha = await sim.pushCommit("acme", "widgets", branch: "main", message: "CI me")
            let none = try await get(sim, "/repos/acme/widgets/commits/\(sha)/status")
            #expect(none.status == 200)
            #expect(none.json?["state"]?.stringValue == "")
            #expect(none.json?["statuses"] == .null && none.json?["total_count"]?.intValue == 0)

            await sim.setStatus("acme", "widgets", sha: sha, context: "ci/build", state: "success")
            await sim.setStatus("acme", "widgets", sha: sha, context: "ci/lint", state: "warning", description: "style")
            let warning = try await get(sim, "/repos/acme/widgets/commits/main/status")
            #expect(warning.json?["state"]?.stringValue == "warning")
            #expect(warning.json?["sha"]?.stringValue == sha)
            let statuses = try #require(warning.json?["statuses"]?.arrayValue)
            #expect(statuses.compactMap { $0["status"]?.stringValue } == ["success", "warning"])
            #expect(statuses.allSatisfy { !$0.has("state") })
            for key in [
                "id", "status", "context", "description", "target_url", "creator", "created_at", "updated_at", "url",
            ] {
                #expect(statuses[0].has(key), "CommitStatus is missing \(key)")
            }
            #expect(statuses[1]["description"]?.stringValue == "style")
            #expect(warning.json?["repository"]?["full_name"]?.stringValue == "acme/widgets")

            await sim.setStatus("acme", "widgets", sha: sha, context: "ci/deploy", state: "pending")
            #expect(
                try await get(sim, "/repos/acme/widgets/commits/\(sha)/status").json?["state"]?.stringValue == "warning"
            )
            await sim.setStatus("acme", "widgets", sha: sha, context: "ci/lint", state: "error")
            let error = try await get(sim, "/repos/acme/widgets/commits/\(sha)/status")
            #expect(error.json?["state"]?.stringValue == "failure")
            #expect(error.json?["total_count"]?.intValue == 3)
            let all = try await get(sim, "/repos/acme/widgets/commits/\(sha)/statuses")
            #expect(all.json?.arrayValue?.count == 4)
            #expect(all.json?.arrayValue?.first?["status"]?.stringValue == "error")
        }
    }

    @Test func combinedStatusGitea() async throws {
        try await withSimulator(try Self.scenario(flavor: "gitea", version: "1.25.0")) { sim in
            let sha = await sim.pushCommit("acme", "widgets", branch: "main", message: "CI me")
            let none = try await get(sim, "/repos/acme/widgets/commits/\(sha)/status")
            #expect(none.json?["state"]?.stringValue == "pending")
            #expect(none.json?["statuses"] == .array([]))
            await sim.setStatus("acme", "widgets", sha: sha, context: "ci/build", state: "success")
            #expect(
                try await get(sim, "/repos/acme/widgets/commits/\(sha)/status").json?["state"]?.stringValue == "success"
            )
            await sim.setStatus("acme", "widgets", sha: sha, context: "ci/skip", state: "skipped")
            #expect(
                try await get(sim, "/repos/acme/widgets/commits/\(sha)/status").json?["state"]?.stringValue == "success"
            )
            await sim.setStatus("acme", "widgets", sha: sha, context: "ci/lint", state: "warning")
            let failure = try await get(sim, "/repos/acme/widgets/commits/\(sha)/status")
            #expect(failure.json?["state"]?.stringValue == "failure")
            #expect(failure.json?["url"]?.stringValue?.hasSuffix("/commits/\(sha)/status") == true)
            #expect(try await get(sim, "/repos/acme/widgets/commits/nope/status").status == 404)
        }
    }

    @Test func actionRunsFromCheckRuns() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let sha = await sim.pushCommit("acme", "widgets", branch: "main", message: "Run CI")
            await sim.setCheckRun("acme", "widgets", sha: sha, name: "build", status: "in_progress", conclusion: nil)
            await sim.setCheckRun("acme", "widgets", sha: sha, name: "lint", conclusion: "failure")
            let reply = try await get(sim, "/repos/acme/widgets/actions/runs?head_sha=\(sha)")
            #expect(reply.status == 200)
            let runs = try #require(reply.json?["workflow_runs"]?.arrayValue)
            #expect(reply.json?["total_count"]?.intValue == 2)
            #expect(runs.compactMap { $0["status"]?.stringValue } == ["failure", "running"])
            #expect(runs.allSatisfy { !$0.has("conclusion") && $0["head_sha"]?.stringValue == sha })
            #expect(runs.compactMap { $0["workflow_id"]?.stringValue } == ["lint.yml", "build.yml"])
            for key in [
                "id", "name", "run_number", "event", "status", "head_branch", "head_sha", "workflow_id", "url",
                "triggering_actor",
            ] {
                #expect(runs[0].has(key), "RepoActionRun is missing \(key)")
            }
            #expect(runs[0]["head_branch"]?.stringValue == "main" && runs[0]["event"]?.stringValue == "push")
            let all = try await get(sim, "/repos/acme/widgets/actions/runs")
            #expect(all.json?["total_count"]?.intValue == 3)
            let success = try await get(sim, "/repos/acme/widgets/actions/runs?status=success")
            #expect(success.json?["workflow_runs"]?.arrayValue?.first?["head_sha"]?.stringValue == Self.mainSHA1)
            #expect(try await get(sim, "/repos/acme/widgets/actions/runs?status=completed").status == 400)
        }
        try await withSimulator(try Self.scenario(flavor: "gitea", version: "1.25.0")) { sim in
            let sha = await sim.pushCommit("acme", "widgets", branch: "main", message: "Run CI")
            await sim.setCheckRun("acme", "widgets", sha: sha, name: "build", status: "in_progress", conclusion: nil)
            await sim.setCheckRun("acme", "widgets", sha: sha, name: "lint", conclusion: "failure")
            let reply = try await get(sim, "/repos/acme/widgets/actions/runs?head_sha=\(sha)")
            let runs = try #require(reply.json?["workflow_runs"]?.arrayValue)
            #expect(runs.compactMap { $0["status"]?.stringValue } == ["completed", "in_progress"])
            #expect(runs[0]["conclusion"]?.stringValue == "failure" && !runs[1].has("conclusion"))
            #expect(runs[0].has("display_title") && runs[0].has("path") && runs[0].has("html_url"))
        }
        for (flavor, version) in [("forgejo", "11.0.3"), ("gitea", "1.24.5")] {
            try await withSimulator(try Self.scenario(flavor: flavor, version: version)) {
                (sim: Simulator) async throws in
                #expect(try await get(sim, "/repos/acme/widgets/actions/runs").status == 404, "\(flavor) \(version)")
            }
        }
    }

    @Test func scriptedAgentPushesShowUpThroughForgejo() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            // The GitHub world's Swift-side mutations are visible through /forgejo.
            await sim.addComment("acme", "widgets", 5, "from swift", user: "alice")
            await sim.removeLabel("acme", "widgets", 5, "area/ui", actor: "bob")
            let issue = try await get(sim, "/repos/acme/widgets/issues/5")
            #expect(issue.json?["labels"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["ready-for-agent"])
            #expect(issue.json?["comments"]?.intValue == 1)
            let timeline = try await get(sim, "/repos/acme/widgets/issues/5/timeline")
            #expect(timeline.json?.arrayValue?.map { $0["type"]?.stringValue } == ["comment", "label"])
            // And vice versa: the Forgejo mutations are visible through /github.
            _ = try await send(sim, "POST", "/repos/acme/widgets/issues/5/comments", #"{"body":"via forgejo"}"#)
            let github = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/issues/5/comments"),
                token: Fixtures.botToken
            )
            #expect(github.json?.arrayValue?.last?["body"]?.stringValue == "via forgejo")
        }
    }

    @Test func faultsTargetTheForgejoService() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            await sim.inject(
                Fault(
                    service: .forgejo,
                    method: "GET",
                    pathContains: "/issues",
                    status: 503,
                    body: #"{"message":"down"}"#
                )
            )
            let faulted = try await get(sim, "/repos/acme/widgets/issues")
            #expect(faulted.status == 503)
            #expect(faulted.header("content-type")?.contains("json") == true)
            #expect(try await get(sim, "/repos/acme/widgets/issues").status == 200)
            // A fault without a service only matches github and t3.
            await sim.inject(Fault(status: 500))
            #expect(try await get(sim, "/repos/acme/widgets/issues").status == 200)
            await sim.clearFaults()
            let log = await sim.requests()
            #expect(log.map(\.faulted) == [true, false, false])
            #expect(log.allSatisfy { $0.service == .forgejo })
        }
    }

    // MARK: Swagger

    /// Every served route exists (method + path template) in the Forgejo API description (the
    /// route table extracted from its swagger), and answers something other than "no such route" here.
    @Test func everyServedRouteIsInTheForgejoSwagger() async throws {
        let table = try RouteTable.load(.forgejo)
        #expect(table.basePath == "/api/v1")
        let routes = Simulator.forgejoRoutes
        #expect(routes.count >= 20)
        for route in routes {
            let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
            let method = parts[0]
            let template = parts[1]
            #expect(table.operation(method, template) != nil, "\(route) is not in the Forgejo swagger")
        }

        try await withSimulator(try Self.scenario()) { sim in
            let sha = await sim.pushCommit("acme", "widgets", branch: "main", message: "x")
            await sim.pushCommit("acme", "widgets", branch: "feature/y", message: "y")
            await sim.pushCommit("acme", "widgets", branch: "feature/z", message: "z")
            let pr = try #require(await sim.openPullRequest("acme", "widgets", head: "feature", title: "Feature"))
            let commentID = try #require(await sim.issue("acme", "widgets", 1)?.comments.first?.id)
            let values = [
                "{owner}": "acme", "{repo}": "widgets", "{index}": "1", "{collaborator}": "afk-bot", "{ref}": sha,
                "{branch}": "feature/z", "{base}": "main", "{head}": "feature",
            ]
            for route in routes {
                let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
                var path = parts[1]
                if path.contains("/pulls/{index}") { path = path.replacingOccurrences(of: "{index}", with: String(pr)) }
                for (k, v) in values { path = path.replacingOccurrences(of: k, with: v) }
                let id = path.contains("/labels/") ? "42" : String(commentID)
                path = path.replacingOccurrences(of: "{id}", with: id)
                let body: String? =
                    switch parts[0] {
                    case "POST" where path.hasSuffix("/issues/1/labels"): #"{"labels":[42]}"#
                    case "POST" where path.hasSuffix("/labels"): ##"{"name":"triaged","color":"#0e8a16"}"##
                    case "POST" where path.hasSuffix("/pulls"): #"{"title":"Y","head":"feature/y","base":"main"}"#
                    case "POST" where path.hasSuffix("/merge"): #"{"Do":"merge"}"#
                    case "POST" where path.hasSuffix("/issues"): #"{"title":"Dashboard","body":"x"}"#
                    case "POST" where path.hasSuffix("/reactions"): #"{"content":"eyes"}"#
                    case "POST", "PATCH": path.hasSuffix("/issues/1") ? #"{"title":"Renamed"}"# : #"{"body":"x"}"#
                    default: nil
                    }
                if path.hasSuffix("/merge") {
                    // Mergeability is computed by a read after the update before it, as Forgejo's checker would.
                    _ = try await send(sim, "GET", "/repos/acme/widgets/pulls/\(pr)")
                }
                let reply = try await send(sim, parts[0], path, body)
                // Branch protections need repository admin; the bot writes.
                let expected = path.hasSuffix("/branch_protections") ? [403] : [200, 201, 204]
                #expect(expected.contains(reply.status), "\(route) → \(reply.status) \(reply.text)")
            }
        }
    }
}

enum SimClockForTests {
    static func stamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
