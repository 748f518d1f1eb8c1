import AFKSimulator
import Foundation
import Testing

/// A dashboard issue afk's bot opens and edits, humans tick, and reactions on command comments: both views.
@Suite struct DashboardIssueTests {
    static func scenario() throws -> Scenario {
        var scenario = try ForgejoTests.scenario()
        scenario.github.tokens["ghp_bob"] = "bob"
        return scenario
    }

    func gh(_ sim: Simulator, _ method: String, _ path: String, _ body: String? = nil, token: String = "ghp_bot")
        async throws -> Reply
    {
        try await HTTP.send(method, sim.gh(path), token: token, body: body)
    }

    func fj(_ sim: Simulator, _ method: String, _ path: String, _ body: String? = nil, token: String = "ghp_bot")
        async throws -> Reply
    {
        try await HTTP.send(method, sim.fj(path), token: token, scheme: "token", body: body)
    }

    func numbers(_ reply: Reply) -> [Int64] { reply.json?.arrayValue?.compactMap { $0["number"]?.intValue } ?? [] }

    // MARK: GitHub

    @Test func githubCreatesIssuesAndFiltersByCreator() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let created = try await gh(
                sim,
                "POST",
                "/repos/acme/widgets/issues",
                #"{"title":"afk dashboard","body":"- [ ] retry #1","labels":["afk-dashboard"]}"#
            )
            #expect(created.status == 201)
            #expect(created.json?["number"]?.intValue == 6)
            #expect(created.json?["user"]?["login"]?.stringValue == "afk-bot")
            #expect(created.json?["body"]?.stringValue == "- [ ] retry #1")
            #expect(created.json?["labels"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["afk-dashboard"])
            #expect(created.header("Location")?.hasSuffix("/repos/acme/widgets/issues/6") == true)
            let stored = try #require(await sim.issue("acme", "widgets", 6))
            #expect(stored.author == "afk-bot" && stored.body == "- [ ] retry #1" && stored.state == "open")

            // A reader's labels are dropped, the issue is still created; the number sequence is shared with PRs.
            let pr = try #require(await sim.openPullRequest("acme", "widgets", head: "feature", title: "PR"))
            #expect(pr == 7)
            let byReader = try await gh(
                sim,
                "POST",
                "/repos/acme/widgets/issues",
                #"{"title":"question","labels":["bug"]}"#,
                token: "ghp_rita"
            )
            #expect(byReader.status == 201)
            #expect(byReader.json?["number"]?.intValue == 8)
            #expect(byReader.json?["labels"]?.arrayValue?.isEmpty == true)
            #expect(byReader.json?["body"] == .null)

            let noTitle = try await gh(sim, "POST", "/repos/acme/widgets/issues", #"{"body":"x"}"#)
            #expect(noTitle.status == 422)
            #expect(noTitle.json?["message"]?.stringValue == "Validation Failed")
            #expect(try await gh(sim, "POST", "/repos/acme/nope/issues", #"{"title":"x"}"#).status == 404)

            let mine = try await gh(sim, "GET", "/repos/acme/widgets/issues?creator=AFK-Bot&state=all")
            #expect(numbers(mine) == [6])
            let alices = try await gh(sim, "GET", "/repos/acme/widgets/issues?creator=alice&labels=ready-for-agent")
            #expect(numbers(alices) == [1])
            #expect(numbers(try await gh(sim, "GET", "/repos/acme/widgets/issues?creator=nobody")).isEmpty)
        }
    }

    @Test func githubBodyEditsNeedAuthorOrWriter() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let before = try #require(await sim.issue("acme", "widgets", 1))
            let refused = try await gh(
                sim,
                "PATCH",
                "/repos/acme/widgets/issues/1",
                #"{"body":"- [x] retry"}"#,
                token: "ghp_rita"
            )
            #expect(refused.status == 403)
            #expect(
                refused.json
                    == .obj([
                        "message": .string("Must have admin rights to Repository."),
                        "documentation_url": .string("https://docs.github.com/rest/issues/issues#update-an-issue"),
                        "status": .string("403"),
                    ])
            )
            #expect(await sim.issue("acme", "widgets", 1)?.body == before.body)

            let byWriter = try await gh(
                sim,
                "PATCH",
                "/repos/acme/widgets/issues/1",
                #"{"body":"- [x] retry"}"#,
                token: "ghp_bob"
            )
            #expect(byWriter.status == 200)
            #expect(byWriter.json?["body"]?.stringValue == "- [x] retry")
            let after = try #require(await sim.issue("acme", "widgets", 1))
            #expect(after.body == "- [x] retry")
            #expect(after.updatedAt != before.updatedAt)

            // The author may edit their own issue without write access.
            let own = try await gh(sim, "POST", "/repos/acme/widgets/issues", #"{"title":"mine"}"#, token: "ghp_rita")
            let number = try #require(own.json?["number"]?.intValue)
            let edited = try await gh(
                sim,
                "PATCH",
                "/repos/acme/widgets/issues/\(number)",
                #"{"body":"edited"}"#,
                token: "ghp_rita"
            )
            #expect(edited.status == 200)

            // The Swift API plays a human editing through the API.
            #expect(await sim.editIssueBody("acme", "widgets", 1, body: "by rita", by: "rita") == false)
            #expect(await sim.editIssueBody("acme", "widgets", 1, body: "by alice", by: "alice"))
            #expect(await sim.editIssueBody("acme", "widgets", 3, body: "by mia", by: "mia"))
            #expect(await sim.editIssueBody("acme", "widgets", 99, body: "x", by: "alice") == false)
            #expect(await sim.issue("acme", "widgets", 1)?.body == "by alice")
        }
    }

    @Test func githubCommentReactions() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let id = try #require(await sim.issue("acme", "widgets", 1)?.comments.first?.id)
            let path = "/repos/acme/widgets/issues/comments/\(id)/reactions"
            let first = try await gh(sim, "POST", path, #"{"content":"eyes"}"#)
            #expect(first.status == 201)
            #expect(first.json?["content"]?.stringValue == "eyes")
            #expect(first.json?["user"]?["login"]?.stringValue == "afk-bot")
            #expect(first.json?["id"]?.intValue != nil && first.json?["created_at"]?.stringValue != nil)
            let again = try await gh(sim, "POST", path, #"{"content":"eyes"}"#)
            #expect(again.status == 200)
            #expect(again.json?["id"] == first.json?["id"])
            #expect(try await gh(sim, "POST", path, #"{"content":"+1"}"#, token: "ghp_bob").status == 201)
            let invalid = try await gh(sim, "POST", path, #"{"content":"thumbsup"}"#)
            #expect(invalid.status == 422)
            #expect(invalid.json?["message"]?.stringValue == "Validation Failed")
            let unknown = "/repos/acme/widgets/issues/comments/999/reactions"
            #expect(try await gh(sim, "POST", unknown, #"{"content":"eyes"}"#).status == 404)
            #expect(try await gh(sim, "GET", unknown).status == 404)

            let list = try await gh(sim, "GET", path)
            #expect(list.status == 200)
            #expect(list.json?.arrayValue?.compactMap { $0["content"]?.stringValue } == ["eyes", "+1"])
            #expect(try await gh(sim, "GET", path + "?content=eyes").json?.arrayValue?.count == 1)
            let comment = try await gh(sim, "GET", "/repos/acme/widgets/issues/comments/\(id)")
            #expect(comment.json?["reactions"]?["total_count"]?.intValue == 2)
            #expect(comment.json?["reactions"]?["eyes"]?.intValue == 1)
            #expect(
                await sim.reactions("acme", "widgets", commentID: id)
                    == [SimReaction(user: "afk-bot", content: "eyes"), SimReaction(user: "bob", content: "+1")]
            )
            #expect(await sim.reactions("acme", "widgets", commentID: 999).isEmpty)
        }
    }

    // MARK: Forgejo

    @Test func forgejoCreatesIssuesAndFiltersByCreator() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let created = try await fj(
                sim,
                "POST",
                "/repos/acme/widgets/issues",
                #"{"title":"afk dashboard","body":"- [ ] retry #1"}"#
            )
            #expect(created.status == 201)
            #expect(created.json?["number"]?.intValue == 6)
            #expect(created.json?["user"]?["login"]?.stringValue == "afk-bot")
            #expect(created.json?["body"]?.stringValue == "- [ ] retry #1")
            #expect(await sim.issue("acme", "widgets", 6)?.author == "afk-bot")
            let noTitle = try await fj(sim, "POST", "/repos/acme/widgets/issues", #"{"body":"x"}"#)
            #expect(noTitle.status == 422)

            let mine = try await fj(sim, "GET", "/repos/acme/widgets/issues?created_by=afk-bot&state=all")
            #expect(numbers(mine) == [6])
            #expect(mine.header("X-Total-Count") == "1")
            let bobs = try await fj(sim, "GET", "/repos/acme/widgets/issues?created_by=Bob&type=pulls")
            #expect(numbers(bobs) == [2])
        }
    }

    @Test func forgejoBodyEditsNeedPosterOrWriter() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let before = try #require(await sim.issue("acme", "widgets", 1))
            let refused = try await fj(
                sim,
                "PATCH",
                "/repos/acme/widgets/issues/1",
                #"{"body":"- [x] retry"}"#,
                token: "ghp_rita"
            )
            // `EditIssue` answers `ctx.Status(http.StatusForbidden)`: no body.
            #expect(refused.status == 403)
            #expect(refused.body.isEmpty)
            #expect(await sim.issue("acme", "widgets", 1)?.body == before.body)
            let byWriter = try await fj(
                sim,
                "PATCH",
                "/repos/acme/widgets/issues/1",
                #"{"body":"- [x] retry"}"#,
                token: "ghp_bob"
            )
            #expect(byWriter.status == 201)
            #expect(byWriter.json?["body"]?.stringValue == "- [x] retry")
            let after = try #require(await sim.issue("acme", "widgets", 1))
            #expect(after.body == "- [x] retry" && after.updatedAt != before.updatedAt)
        }
    }

    @Test func forgejoCommentReactions() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let id = try #require(await sim.issue("acme", "widgets", 1)?.comments.first?.id)
            let path = "/repos/acme/widgets/issues/comments/\(id)/reactions"
            let first = try await fj(sim, "POST", path, #"{"content":"eyes"}"#)
            #expect(first.status == 201)
            #expect(first.json?["content"]?.stringValue == "eyes")
            #expect(first.json?["user"]?["login"]?.stringValue == "afk-bot")
            let again = try await fj(sim, "POST", path, #"{"content":"eyes"}"#)
            #expect(again.status == 200)
            #expect(again.json?["content"]?.stringValue == "eyes")
            let invalid = try await fj(sim, "POST", path, #"{"content":"thumbsup"}"#)
            #expect(invalid.status == 403)
            #expect(invalid.json?["message"]?.stringValue == "'thumbsup' is not an allowed reaction")
            #expect(try await fj(sim, "POST", "/repos/acme/widgets/issues/comments/999/reactions").status == 404)

            let list = try await fj(sim, "GET", path)
            #expect(list.status == 200)
            #expect(list.json?.arrayValue?.compactMap { $0["content"]?.stringValue } == ["eyes"])
            #expect(
                await sim.reactions("acme", "widgets", commentID: id) == [SimReaction(user: "afk-bot", content: "eyes")]
            )
        }
    }
}
