import AFKSimulator
import Foundation
import Testing

@Suite struct GitHubIssuesTests {
    @Test func paginationLinkHeaders() async throws {
        try await withSimulator(Fixtures.many(5)) { sim in
            let first = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/big/issues?labels=ready-for-agent&per_page=2"),
                token: Fixtures.botToken
            )
            #expect(first.status == 200)
            #expect(first.json?.arrayValue?.compactMap { $0["number"]?.intValue } == [5, 4])
            let links = parseLinks(first.header("Link"))
            #expect(Set(links.keys) == ["next", "last"])
            let base = await sim.githubURL.absoluteString
            let next = try #require(links["next"])
            #expect(next.hasPrefix(base + "/repos/acme/big/issues?"))
            #expect(next.contains("per_page=2") && next.contains("page=2") && next.contains("labels=ready-for-agent"))
            #expect(links["last"]?.hasSuffix("page=3") == true)

            let middle = try await HTTP.send("GET", #require(URL(string: next)), token: Fixtures.botToken)
            #expect(middle.json?.arrayValue?.compactMap { $0["number"]?.intValue } == [3, 2])
            #expect(Set(parseLinks(middle.header("Link")).keys) == ["prev", "next", "last", "first"])

            let lastLink = try #require(links["last"])
            let last = try await HTTP.send("GET", #require(URL(string: lastLink)), token: Fixtures.botToken)
            #expect(last.json?.arrayValue?.compactMap { $0["number"]?.intValue } == [1])
            #expect(Set(parseLinks(last.header("Link")).keys) == ["prev", "first"])

            let asc = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/big/issues?direction=asc"),
                token: Fixtures.botToken
            )
            #expect(asc.header("Link") == nil)  // one page: no Link header
            #expect(asc.json?.arrayValue?.compactMap { $0["number"]?.intValue } == [1, 2, 3, 4, 5])
        }
    }

    @Test func pullRequestsAreMixedInWithAPullRequestKey() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            let reply = try await HTTP.send("GET", sim.gh("/repos/acme/widgets/issues"), token: Fixtures.botToken)
            let items = try #require(reply.json?.arrayValue)
            #expect(items.compactMap { $0["number"]?.intValue } == [5, 3, 2, 1])  // open only, created desc
            let pr = try #require(items.first { $0["number"]?.intValue == 2 })
            let prObject = try #require(pr["pull_request"])
            for key in ["url", "html_url", "diff_url", "patch_url", "merged_at"] {
                #expect(prObject.has(key), "\(key)")
            }
            #expect(prObject["merged_at"] == .null)
            let plain = try #require(items.first { $0["number"]?.intValue == 1 })
            #expect(!plain.has("pull_request"))
            #expect(plain["id"]?.intValue != 1)
            for key in [
                "id", "node_id", "url", "repository_url", "html_url", "number", "state", "state_reason", "title",
                "body", "user", "labels", "assignees", "comments", "created_at", "updated_at", "closed_at",
                "author_association", "locked",
            ] {
                #expect(plain.has(key), "issue is missing \(key)")
            }
            #expect(plain["comments"]?.intValue == 1)
            #expect(plain["author_association"]?.stringValue == "COLLABORATOR")
            #expect(plain["user"]?["login"]?.stringValue == "alice")
            let label = try #require(plain["labels"]?.arrayValue?.first)
            for key in ["id", "node_id", "url", "name", "color", "default", "description"] { #expect(label.has(key)) }
        }
    }

    @Test func labelFilterIsANDedAndStateFilters() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            let both = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/issues?labels=ready-for-agent,priority:1"),
                token: Fixtures.botToken
            )
            #expect(both.json?.arrayValue?.compactMap { $0["number"]?.intValue } == [2])
            let all = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/issues?labels=ready-for-agent&state=all"),
                token: Fixtures.botToken
            )
            #expect(all.json?.arrayValue?.compactMap { $0["number"]?.intValue } == [5, 4, 2, 1])
            let closed = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/issues?state=closed"),
                token: Fixtures.botToken
            )
            let four = try #require(closed.json?.arrayValue?.first)
            #expect(four["state_reason"]?.stringValue == "completed")
            #expect(four["closed_at"]?.stringValue != nil)
            let slash = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/issues?labels=area%2Fui"),
                token: Fixtures.botToken
            )
            #expect(slash.json?.arrayValue?.compactMap { $0["number"]?.intValue } == [5])
        }
    }

    @Test func authAndRateLimitHeaders() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            let missing = try await HTTP.send("GET", sim.gh("/repos/acme/widgets/issues"))
            #expect(missing.status == 401)
            #expect(
                missing.json
                    == .obj([
                        "message": .string("Bad credentials"),
                        "documentation_url": .string("https://docs.github.com/rest"),
                        "status": .string("401"),
                    ])
            )
            let wrong = try await HTTP.send("GET", sim.gh("/repos/acme/widgets/issues"), token: "ghp_nope")
            #expect(wrong.status == 401)
            let a = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/issues/1"),
                token: Fixtures.adminToken,
                scheme: "token"
            )
            let b = try await HTTP.send("GET", sim.gh("/repos/acme/widgets/issues/1"), token: Fixtures.adminToken)
            #expect(a.status == 200 && b.status == 200)
            #expect(a.header("x-ratelimit-limit") == "5000")
            #expect(a.header("x-ratelimit-resource") == "core")
            #expect(a.header("content-type") == "application/json; charset=utf-8")
            let remainingA = try #require(a.header("x-ratelimit-remaining").flatMap { Int($0) })
            let remainingB = try #require(b.header("x-ratelimit-remaining").flatMap { Int($0) })
            #expect(remainingB == remainingA - 1)
            #expect(Int(b.header("x-ratelimit-used") ?? "") == 5000 - remainingB)
            #expect(Int(b.header("x-ratelimit-reset") ?? "") ?? 0 > Int(Date().timeIntervalSince1970))
            let absent = try await HTTP.send("GET", sim.gh("/repos/acme/widgets/issues/99"), token: Fixtures.botToken)
            #expect(absent.status == 404)
            #expect(absent.json?["message"]?.stringValue == "Not Found")
            let noRepo = try await HTTP.send("GET", sim.gh("/repos/acme/nope/issues"), token: Fixtures.botToken)
            #expect(noRepo.status == 404)
        }
    }

    @Test func collaboratorPermission() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            let cases: [(String, String, String)] = [
                ("alice", "admin", "admin"), ("mia", "write", "maintain"), ("bob", "write", "write"),
                ("tim", "read", "triage"), ("rita", "read", "read"), ("nina", "none", "none"),
            ]
            for (login, permission, role) in cases {
                let reply = try await HTTP.send(
                    "GET",
                    sim.gh("/repos/acme/widgets/collaborators/\(login)/permission"),
                    token: Fixtures.botToken
                )
                #expect(reply.status == 200, "\(login)")
                #expect(reply.json?["permission"]?.stringValue == permission, "\(login)")
                #expect(reply.json?["role_name"]?.stringValue == role, "\(login)")
                #expect(reply.json?["user"]?["login"]?.stringValue == login)
                #expect(reply.json?["user"]?["permissions"]?["pull"]?.boolValue == (role != "none"))
            }
            let mia = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/collaborators/mia/permission"),
                token: Fixtures.botToken
            )
            #expect(
                mia.json?["user"]?["permissions"]
                    == .obj([
                        "admin": .bool(false), "maintain": .bool(true), "push": .bool(true), "triage": .bool(true),
                        "pull": .bool(true),
                    ])
            )
            let stranger = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/collaborators/mallory/permission"),
                token: Fixtures.botToken
            )
            #expect(stranger.status == 404)
        }
    }

    @Test func eventsAreLabeledIssueEventsWithoutAuthorAssociation() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            let reply = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/issues/1/events"),
                token: Fixtures.botToken
            )
            let events = try #require(reply.json?.arrayValue)
            #expect(events.compactMap { $0["event"]?.stringValue } == ["labeled", "assigned", "labeled", "unlabeled"])
            let labeled = events[0]
            for key in [
                "id", "node_id", "url", "actor", "event", "commit_id", "commit_url", "created_at",
                "performed_via_github_app", "label",
            ] {
                #expect(labeled.has(key), "labeled event is missing \(key)")
            }
            #expect(!labeled.has("author_association"))
            #expect(labeled["actor"]?["login"]?.stringValue == "alice")
            #expect(
                labeled["label"]
                    == .obj(["name": .string("ready-for-agent"), "color": labeled["label"]?["color"] ?? .null])
            )
            #expect(events[1]["assignee"]?["login"]?.stringValue == "bob")
            #expect(events[2]["actor"] == .null)  // ghost
            let paged = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/issues/1/events?per_page=3&page=2"),
                token: Fixtures.botToken
            )
            #expect(paged.json?.arrayValue?.count == 1)
            #expect(parseLinks(paged.header("Link"))["first"] != nil)
        }
    }

    @Test func addAndRemoveLabelsRecordEventsAsTheTokenLogin() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            let added = try await HTTP.send(
                "POST",
                sim.gh("/repos/acme/widgets/issues/1/labels"),
                token: Fixtures.botToken,
                body: #"{"labels":["agent-in-progress","brand new"]}"#
            )
            #expect(added.status == 200)
            #expect(
                Set(added.json?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []) == [
                    "ready-for-agent", "agent-in-progress", "brand new",
                ]
            )
            let bare = try await HTTP.send(
                "POST",
                sim.gh("/repos/acme/widgets/issues/3/labels"),
                token: Fixtures.botToken,
                body: #"[{"name":"x"}]"#
            )
            #expect(bare.status == 200)

            let removed = try await HTTP.send(
                "DELETE",
                sim.gh("/repos/acme/widgets/issues/1/labels/ready-for-agent"),
                token: Fixtures.botToken
            )
            #expect(removed.status == 200)
            #expect(
                Set(removed.json?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []) == [
                    "agent-in-progress", "brand new",
                ]
            )
            let encoded = try await HTTP.send(
                "DELETE",
                sim.gh("/repos/acme/widgets/issues/1/labels/brand%20new"),
                token: Fixtures.botToken
            )
            #expect(encoded.status == 200)
            let again = try await HTTP.send(
                "DELETE",
                sim.gh("/repos/acme/widgets/issues/1/labels/ready-for-agent"),
                token: Fixtures.botToken
            )
            #expect(again.status == 404)
            #expect(again.json?["message"]?.stringValue == "Label does not exist")

            let issue = try #require(await sim.issue("acme", "widgets", 1))
            #expect(issue.labels == ["agent-in-progress"])
            let tail = issue.events.suffix(4).map { "\($0.event):\($0.label ?? ""):\($0.actor ?? "ghost")" }
            #expect(
                tail == [
                    "labeled:agent-in-progress:afk-bot", "labeled:brand new:afk-bot",
                    "unlabeled:ready-for-agent:afk-bot", "unlabeled:brand new:afk-bot",
                ]
            )

            await sim.addLabel("acme", "widgets", 1, "ready-for-agent", actor: "mallory")
            let events = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/issues/1/events?per_page=100"),
                token: Fixtures.botToken
            )
            #expect(events.json?.arrayValue?.last?["actor"]?["login"]?.stringValue == "mallory")
        }
    }

    @Test func commentsCreateListAndUpdate() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            let created = try await HTTP.send(
                "POST",
                sim.gh("/repos/acme/widgets/issues/1/comments"),
                token: Fixtures.botToken,
                body: #"{"body":"afk run started"}"#
            )
            #expect(created.status == 201)
            let id = try #require(created.json?["id"]?.intValue)
            #expect(
                created.header("Location") == (await sim.githubURL.absoluteString)
                    + "/repos/acme/widgets/issues/comments/\(id)"
            )
            #expect(created.json?["user"]?["login"]?.stringValue == "afk-bot")
            #expect(created.json?["author_association"]?.stringValue == "COLLABORATOR")
            #expect(created.json?["performed_via_github_app"] == .null)

            let invalid = try await HTTP.send(
                "POST",
                sim.gh("/repos/acme/widgets/issues/1/comments"),
                token: Fixtures.botToken,
                body: "{}"
            )
            #expect(invalid.status == 422)

            let patched = try await HTTP.send(
                "PATCH",
                sim.gh("/repos/acme/widgets/issues/comments/\(id)"),
                token: Fixtures.botToken,
                body: #"{"body":"afk run finished"}"#
            )
            #expect(patched.status == 200)
            #expect(patched.json?["body"]?.stringValue == "afk run finished")
            let unknown = try await HTTP.send(
                "PATCH",
                sim.gh("/repos/acme/widgets/issues/comments/42"),
                token: Fixtures.botToken,
                body: #"{"body":"x"}"#
            )
            #expect(unknown.status == 404)

            let list = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/issues/1/comments"),
                token: Fixtures.botToken
            )
            #expect(list.json?.arrayValue?.compactMap { $0["body"]?.stringValue } == ["hi", "afk run finished"])
        }
    }

    @Test func blockedByResolvesAcrossRepositories() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            let reply = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/issues/1/dependencies/blocked_by"),
                token: Fixtures.botToken
            )
            let blockers = try #require(reply.json?.arrayValue)
            #expect(blockers.compactMap { $0["title"]?.stringValue } == ["Blocker", "Gadget blocker"])
            #expect(blockers.last?["repository_url"]?.stringValue?.hasSuffix("/repos/acme/gadgets") == true)
            let issue = try await HTTP.send("GET", sim.gh("/repos/acme/widgets/issues/1"), token: Fixtures.botToken)
            #expect(issue.json?["issue_dependencies_summary"]?["total_blocked_by"]?.intValue == 2)
        }
    }

    @Test func closeWithStateReason() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            let reply = try await HTTP.send(
                "PATCH",
                sim.gh("/repos/acme/widgets/issues/1"),
                token: Fixtures.botToken,
                body: #"{"state":"closed","state_reason":"not_planned"}"#
            )
            #expect(reply.status == 200)
            #expect(reply.json?["state"]?.stringValue == "closed")
            #expect(reply.json?["state_reason"]?.stringValue == "not_planned")
            // state_reason is ignored unless the state changes.
            let same = try await HTTP.send(
                "PATCH",
                sim.gh("/repos/acme/widgets/issues/1"),
                token: Fixtures.botToken,
                body: #"{"state":"closed","state_reason":"completed"}"#
            )
            #expect(same.json?["state_reason"]?.stringValue == "not_planned")
            let issue = try #require(await sim.issue("acme", "widgets", 1))
            #expect(
                issue.state == "closed" && issue.events.last?.event == "closed" && issue.events.last?.actor == "afk-bot"
            )
            let bad = try await HTTP.send(
                "PATCH",
                sim.gh("/repos/acme/widgets/issues/1"),
                token: Fixtures.botToken,
                body: #"{"state":"done"}"#
            )
            #expect(bad.status == 422)
        }
    }

    /// Every operation in ``Simulator/githubRoutes`` is served: each answers 200 or 201 here, none "no such route"
    /// (a `{ref}` holding a slash included).
    @Test func everyServedGitHubRouteAnswers() async throws {
        let routes = Simulator.githubRoutes
        #expect(routes.count >= 20)
        #expect(routes.contains("GET /repos/{owner}/{repo}/issues/{issue_number}/events"))
        try await withSimulator(try Fixtures.sample) { sim in
            #expect(!(await sim.pushCommit("acme", "widgets", branch: "feature/x", message: "x")).isEmpty)
            await sim.pushCommit("acme", "widgets", branch: "feature/y", message: "y")
            let pr = try #require(await sim.openPullRequest("acme", "widgets", head: "feature/x", title: "X"))
            await sim.pushCommit("acme", "widgets", branch: "main", message: "moved on")  // so update-branch has work
            let commentID = try #require(await sim.issue("acme", "widgets", 1)?.comments.first?.id)
            let values = [
                "{owner}": "acme", "{repo}": "widgets", "{issue_number}": "1", "{comment_id}": String(commentID),
                "{name}": "ready-for-agent", "{username}": "bob", "{ref}": "feature/x", "{pull_number}": String(pr),
                "{branch}": "feature/x",
            ]
            for route in routes {
                let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
                var path = parts[1]
                if parts[0] == "DELETE", path.hasSuffix("/git/refs/{ref}") {
                    path = path.replacingOccurrences(of: "{ref}", with: "heads/feature/y")
                }
                for (k, v) in values { path = path.replacingOccurrences(of: k, with: v) }
                if path == "/search/issues" { path += "?q=is:issue" }
                let body: String? =
                    switch parts[0] {
                    case "POST" where path.hasSuffix("/issues/1/labels"): #"{"labels":["triaged"]}"#
                    case "POST" where path.hasSuffix("/labels"): #"{"name":"new-label"}"#
                    case "POST" where path.hasSuffix("/pulls"): #"{"title":"Y","head":"feature/y","base":"main"}"#
                    case "POST" where path.hasSuffix("/issues"): #"{"title":"Dashboard","body":"x"}"#
                    case "POST" where path.hasSuffix("/reactions"): #"{"content":"eyes"}"#
                    case "POST", "PATCH": #"{"body":"x"}"#
                    case "PUT": "{}"
                    default: nil
                    }
                let reply = try await HTTP.send(parts[0], sim.gh(path), token: Fixtures.botToken, body: body)
                // Classic branch protection needs administration rights no simulated token has.
                let expected = path.hasSuffix("/protection") ? [403] : [200, 201, 202, 204]
                #expect(expected.contains(reply.status), "\(route) → \(reply.status) \(reply.text)")
            }
        }
    }
}
