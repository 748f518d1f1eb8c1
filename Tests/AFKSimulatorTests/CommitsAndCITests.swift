import AFKSimulator
import Foundation
import Testing

@Suite struct CommitsAndCITests {
    static let mainSHA1 = String(repeating: "a", count: 40)
    static let scenarioJSON = #"""
        { "github": { "tokens": {"ghp_bot": "afk-bot"},
            "repos": [{ "owner": "acme", "name": "widgets", "default_branch": "main",
              "branches": {
                "main": [
                  {"sha": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "message": "Initial commit", "committed_at": "2026-01-01T00:00:00Z", "author": "alice"},
                  {"message": "Add widgets\n\nCloses #1", "committed_at": "2026-01-02T00:00:00Z"},
                  {"message": "Tweak widgets", "committed_at": "2026-01-03T00:00:00Z", "author": "bob"}],
                "feature": [{"message": "Feature work", "committed_at": "2026-01-04T00:00:00Z"}] },
              "check_runs": {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": [{"name": "build", "status": "completed", "conclusion": "success"}]},
              "statuses": {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": [{"context": "ci/deploy", "state": "success"}]} },
              { "owner": "acme", "name": "empty" }] } }
        """#

    static var scenario: Scenario {
        get throws { try Scenario.decode(fromJSON: Data(scenarioJSON.utf8)) }
    }

    func get(_ sim: Simulator, _ path: String) async throws -> Reply {
        try await HTTP.send("GET", sim.gh(path), token: Fixtures.botToken)
    }

    @Test func repositoryObject() async throws {
        try await withSimulator(try Self.scenario) { sim in
            let reply = try await get(sim, "/repos/ACME/Widgets")
            #expect(reply.status == 200)
            let repo = try #require(reply.json)
            for key in ["id", "node_id", "name", "full_name", "owner", "private", "html_url", "url", "default_branch"] {
                #expect(repo.has(key), "repository is missing \(key)")
            }
            #expect(repo["default_branch"]?.stringValue == "main")
            #expect(repo["owner"]?["login"]?.stringValue == "acme")
            #expect(repo["owner"]?["type"]?.stringValue == "User")
            #expect(repo["full_name"]?.stringValue == "acme/widgets")
        }
    }

    @Test func listCommitsNewestFirstWithPagingAndFilters() async throws {
        try await withSimulator(try Self.scenario) { sim in
            let all = try await get(sim, "/repos/acme/widgets/commits")
            #expect(all.status == 200)
            let items = try #require(all.json?.arrayValue)
            #expect(
                items.map { $0["commit"]?["message"]?.stringValue } == [
                    "Tweak widgets", "Add widgets\n\nCloses #1", "Initial commit",
                ]
            )
            let newest = try #require(items.first)
            for key in [
                "sha", "node_id", "url", "html_url", "comments_url", "commit", "author", "committer", "parents",
            ] {
                #expect(newest.has(key), "commit is missing \(key)")
            }
            for key in ["author", "committer", "message", "tree", "url", "comment_count", "verification"] {
                #expect(newest["commit"]?.has(key) == true, "commit.commit is missing \(key)")
            }
            #expect(newest["commit"]?["committer"]?["date"]?.stringValue == "2026-01-03T00:00:00Z")
            #expect(newest["commit"]?["author"]?["name"]?.stringValue == "bob")
            #expect(newest["commit"]?["verification"]?["verified"]?.boolValue == false)
            #expect(newest["commit"]?["tree"]?["sha"]?.stringValue?.count == 40)
            #expect(newest["author"]?["login"]?.stringValue == "bob")
            let generated = try #require(items[1]["sha"]?.stringValue)
            #expect(generated.count == 40 && generated.allSatisfy(\.isHexDigit))
            #expect(newest["parents"]?.arrayValue?.first?["sha"]?.stringValue == generated)
            #expect(items[2]["parents"]?.arrayValue?.isEmpty == true)
            #expect(all.header("Link") == nil)

            let page1 = try await get(sim, "/repos/acme/widgets/commits?per_page=2")
            #expect(page1.json?.arrayValue?.count == 2)
            let next = try #require(parseLinks(page1.header("Link"))["next"])
            #expect(next.contains("per_page=2") && next.contains("page=2"))
            let page2 = try await HTTP.send("GET", try #require(URL(string: next)), token: Fixtures.botToken)
            #expect(page2.json?.arrayValue?.map { $0["sha"]?.stringValue } == [Self.mainSHA1])

            let since = try await get(sim, "/repos/acme/widgets/commits?sha=main&since=2026-01-02T00:00:00Z")
            #expect(since.json?.arrayValue?.count == 2)
            let until = try await get(sim, "/repos/acme/widgets/commits?until=2026-01-01T12:00:00Z")
            #expect(until.json?.arrayValue?.map { $0["sha"]?.stringValue } == [Self.mainSHA1])
            let feature = try await get(sim, "/repos/acme/widgets/commits?sha=feature")
            #expect(feature.json?.arrayValue?.map { $0["commit"]?["message"]?.stringValue } == ["Feature work"])
            let fromSHA = try await get(sim, "/repos/acme/widgets/commits?sha=\(generated)")
            #expect(fromSHA.json?.arrayValue?.count == 2)

            let unknown = try await get(sim, "/repos/acme/widgets/commits?sha=nope")
            #expect(unknown.status == 404)
            let empty = try await get(sim, "/repos/acme/empty/commits")
            #expect(empty.status == 409)
            #expect(empty.json?["message"]?.stringValue == "Git Repository is empty.")
        }
    }

    @Test func singleCommit() async throws {
        try await withSimulator(try Self.scenario) { sim in
            let bySHA = try await get(sim, "/repos/acme/widgets/commits/\(Self.mainSHA1)")
            #expect(bySHA.status == 200)
            #expect(bySHA.json?["commit"]?["message"]?.stringValue == "Initial commit")
            #expect(bySHA.json?.has("stats") == true && bySHA.json?.has("files") == true)
            let short = try await get(sim, "/repos/acme/widgets/commits/aaaaaaa")
            #expect(short.json?["sha"]?.stringValue == Self.mainSHA1)
            let byBranch = try await get(sim, "/repos/acme/widgets/commits/main")
            #expect(byBranch.json?["commit"]?["message"]?.stringValue == "Tweak widgets")
            let missing = try await get(sim, "/repos/acme/widgets/commits/\(String(repeating: "b", count: 40))")
            #expect(missing.status == 422)
            #expect(missing.json?["message"]?.stringValue?.hasPrefix("No commit found for SHA") == true)
            let shaOnly = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/commits/main"),
                headers: ["Authorization": "Bearer \(Fixtures.botToken)", "Accept": "application/vnd.github.sha"]
            )
            #expect(shaOnly.text.count == 40)
        }
    }

    @Test func checkRunsAndCombinedStatus() async throws {
        try await withSimulator(try Self.scenario) { sim in
            // Scenario CI on the first commit.
            let seeded = try await get(sim, "/repos/acme/widgets/commits/\(Self.mainSHA1)/check-runs")
            #expect(seeded.json?["total_count"]?.intValue == 1)
            let run = try #require(seeded.json?["check_runs"]?.arrayValue?.first)
            for key in [
                "id", "head_sha", "node_id", "external_id", "url", "html_url", "details_url", "status", "conclusion",
                "started_at", "completed_at", "output", "name", "check_suite", "app", "pull_requests",
            ] {
                #expect(run.has(key), "check run is missing \(key)")
            }
            for key in ["title", "summary", "text", "annotations_count", "annotations_url"] {
                #expect(run["output"]?.has(key) == true, "output is missing \(key)")
            }
            #expect(run["head_sha"]?.stringValue == Self.mainSHA1)
            #expect(run["app"]?["slug"]?.stringValue == "github-actions")
            #expect(run["check_suite"]?["id"]?.intValue != nil)
            let seededStatus = try await get(sim, "/repos/acme/widgets/commits/\(Self.mainSHA1)/status")
            #expect(seededStatus.json?["state"]?.stringValue == "success")

            // A pushed commit with no CI at all: no check runs; combined status pending with total_count 0.
            let sha = await sim.pushCommit("acme", "widgets", branch: "main", message: "Implement #1\n\nCloses #1")
            #expect(sha.count == 40)
            #expect(await sim.commits("acme", "widgets", branch: "main").last?.sha == sha)
            let none = try await get(sim, "/repos/acme/widgets/commits/\(sha)/check-runs")
            #expect(none.json == .obj(["total_count": .int(0), "check_runs": .array([])]))
            let noStatus = try await get(sim, "/repos/acme/widgets/commits/\(sha)/status")
            #expect(noStatus.status == 200)
            #expect(noStatus.json?["state"]?.stringValue == "pending")
            #expect(noStatus.json?["total_count"]?.intValue == 0)
            #expect(noStatus.json?["statuses"]?.arrayValue?.isEmpty == true)
            #expect(noStatus.json?["sha"]?.stringValue == sha)
            for key in ["repository", "commit_url", "url"] {
                #expect(noStatus.json?.has(key) == true, "missing \(key)")
            }

            // In progress: conclusion and completed_at are null; then completed in place (same id).
            await sim.setCheckRun(
                "acme",
                "widgets",
                sha: sha,
                name: "build",
                status: "in_progress",
                conclusion: "success"
            )
            let running = try #require(
                try await get(sim, "/repos/acme/widgets/commits/main/check-runs").json?["check_runs"]?.arrayValue?.first
            )
            #expect(running["status"]?.stringValue == "in_progress")
            #expect(running["conclusion"] == .null)
            #expect(running["completed_at"] == .null)
            await sim.setCheckRun(
                "acme",
                "widgets",
                sha: sha,
                name: "build",
                status: "completed",
                conclusion: "failure"
            )
            await sim.setCheckRun("acme", "widgets", sha: sha, name: "lint", status: "completed", conclusion: "success")
            let runs = try await get(sim, "/repos/acme/widgets/commits/\(sha)/check-runs")
            #expect(runs.json?["total_count"]?.intValue == 2)
            let build = try #require(runs.json?["check_runs"]?.arrayValue?.first { $0["name"]?.stringValue == "build" })
            #expect(build["id"] == running["id"])
            #expect(build["conclusion"]?.stringValue == "failure")
            #expect(build["completed_at"]?.stringValue != nil)
            let filtered = try await get(sim, "/repos/acme/widgets/commits/\(sha)/check-runs?check_name=lint")
            #expect(filtered.json?["total_count"]?.intValue == 1)
            let paged = try await get(sim, "/repos/acme/widgets/commits/\(sha)/check-runs?per_page=1")
            #expect(paged.json?["check_runs"]?.arrayValue?.count == 1)
            #expect(paged.json?["total_count"]?.intValue == 2)
            #expect(parseLinks(paged.header("Link"))["next"] != nil)

            // Combined status: newest per context; failure beats pending beats success.
            await sim.setStatus("acme", "widgets", sha: sha, context: "ci/deploy", state: "pending")
            #expect(
                try await get(sim, "/repos/acme/widgets/commits/\(sha)/status").json?["state"]?.stringValue == "pending"
            )
            await sim.setStatus("acme", "widgets", sha: sha, context: "ci/deploy", state: "success")
            let green = try await get(sim, "/repos/acme/widgets/commits/main/status")
            #expect(green.json?["state"]?.stringValue == "success")
            #expect(green.json?["total_count"]?.intValue == 1)
            let status = try #require(green.json?["statuses"]?.arrayValue?.first)
            for key in [
                "url", "avatar_url", "id", "node_id", "state", "description", "target_url", "context", "created_at",
                "updated_at",
            ] {
                #expect(status.has(key), "status is missing \(key)")
            }
            await sim.setStatus("acme", "widgets", sha: sha, context: "ci/e2e", state: "error")
            let red = try await get(sim, "/repos/acme/widgets/commits/\(sha)/status")
            #expect(red.json?["state"]?.stringValue == "failure")
            #expect(red.json?["total_count"]?.intValue == 2)
            let list = try await get(sim, "/repos/acme/widgets/commits/\(sha)/statuses")
            #expect(list.json?.arrayValue?.map { $0["state"]?.stringValue } == ["error", "success", "pending"])

            let unknown = try await get(
                sim,
                "/repos/acme/widgets/commits/\(String(repeating: "c", count: 40))/check-runs"
            )
            #expect(unknown.status == 422)
        }
    }

    @Test func scenarioStateRoundTrip() async throws {
        try await withSimulator(try Self.scenario) { sim in
            await sim.pushCommit("acme", "widgets", branch: "agent/wip", message: "WIP")
            let state = try await HTTP.send("GET", sim.control("/state"))
            #expect(state.status == 200)
            let reloaded = try Scenario.decode(fromJSON: state.body)
            let repo = try #require(reloaded.github.repos.first { $0.name == "widgets" })
            // A new branch starts from the default branch's history.
            #expect(
                repo.branches["agent/wip"]?.map(\.message) == [
                    "Initial commit", "Add widgets\n\nCloses #1", "Tweak widgets", "WIP",
                ]
            )
            #expect(repo.checkRuns[Self.mainSHA1]?.first?.conclusion == "success")
            #expect(repo.statuses[Self.mainSHA1]?.first?.context == "ci/deploy")
            #expect(repo.branches["main"]?.allSatisfy { $0.sha?.count == 40 } == true)
            #expect(reloaded == (await sim.currentScenario()))
        }
    }
}
