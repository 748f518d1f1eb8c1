import AFKSimulator
import Foundation
import Testing

/// Pull requests, reviews, branch rules and merges on both views of the forge, over real HTTP.
@Suite struct PullRequestTests {
    static let head = "afk/1-r1"

    /// The sample world with `main`, a run branch one commit ahead whose message closes #1, and optional rules.
    func withForge(
        protection: SimBranchProtection? = nil,
        _ body: (Simulator) async throws -> Void
    ) async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            await sim.pushCommit("acme", "widgets", branch: "main", message: "Initial commit")
            await sim.pushCommit("acme", "widgets", branch: Self.head, message: "Implement #1\n\nCloses #1")
            if let protection { await sim.setProtection("acme", "widgets", branch: "main", protection) }
            try await body(sim)
        }
    }

    func gh(_ sim: Simulator, _ method: String, _ path: String, _ body: String? = nil) async throws -> Reply {
        try await HTTP.send(method, sim.gh(path), token: Fixtures.botToken, body: body)
    }

    func fj(_ sim: Simulator, _ method: String, _ path: String, _ body: String? = nil) async throws -> Reply {
        try await HTTP.send(method, sim.fj(path), token: Fixtures.botToken, scheme: "token", body: body)
    }

    static let createBody = #"{"title":"Add a widget","head":"acme:afk/1-r1","base":"main","body":"Closes #1"}"#

    // MARK: GitHub

    @Test func githubCreateFindAndDuplicate() async throws {
        try await withForge { sim in
            let created = try await gh(sim, "POST", "/repos/acme/widgets/pulls", Self.createBody)
            #expect(created.status == 201)
            let pr = try #require(created.json)
            #expect(pr["number"]?.intValue == 6)  // after issues 1…5: one sequence
            #expect(pr["mergeable"] == .null)
            #expect(pr["mergeable_state"]?.stringValue == "unknown")
            #expect(pr["head"]?["ref"]?.stringValue == Self.head)
            let tip = await sim.commits("acme", "widgets", branch: Self.head).last?.sha
            #expect(pr["head"]?["sha"]?.stringValue == tip)
            #expect(pr["base"]?["ref"]?.stringValue == "main")

            let duplicate = try await gh(sim, "POST", "/repos/acme/widgets/pulls", Self.createBody)
            #expect(duplicate.status == 422)
            #expect(
                duplicate.json?["errors"]?.arrayValue?.first?["message"]?.stringValue
                    == "A pull request already exists for acme:afk/1-r1."
            )
            let missing = try await gh(
                sim,
                "POST",
                "/repos/acme/widgets/pulls",
                #"{"title":"x","head":"nope","base":"main"}"#
            )
            #expect(missing.status == 422)
            let error = missing.json?["errors"]?.arrayValue?.first
            #expect(error?["field"]?.stringValue == "head" && error?["code"]?.stringValue == "invalid")

            await sim.pushCommit("acme", "widgets", branch: "other", message: "Other work")
            #expect(await sim.openPullRequest("acme", "widgets", head: "other", title: "Other") == 7)
            let byHead = try await gh(sim, "GET", "/repos/acme/widgets/pulls?state=all&head=acme:afk/1-r1")
            #expect(byHead.json?.arrayValue?.map { $0["number"]?.intValue } == [6])
            // Without `OWNER:` the filter is ignored, as on GitHub: every pull request comes back, newest first.
            let ignored = try await gh(sim, "GET", "/repos/acme/widgets/pulls?state=all&head=afk/1-r1")
            #expect(ignored.json?.arrayValue?.map { $0["number"]?.intValue } == [7, 6])
            let item = try #require(byHead.json?.arrayValue?.first)
            #expect(!item.has("mergeable") && !item.has("mergeable_state") && !item.has("merged"))
            #expect(item.has("merged_at") && item.has("draft"))
            // The issues list shows it with a `pull_request` key.
            let issues = try await gh(sim, "GET", "/repos/acme/widgets/issues?state=all")
            let asIssue = issues.json?.arrayValue?.first { $0["number"]?.intValue == 6 }
            #expect(asIssue?["pull_request"]?["merged_at"] == .null)
        }
    }

    @Test func githubLazyMergeabilityGatesAndMerge() async throws {
        let rules = SimBranchProtection(requiredChecks: ["build"], requiredApprovals: 1)
        try await withForge(protection: rules) { sim in
            #expect(try await gh(sim, "POST", "/repos/acme/widgets/pulls", Self.createBody).status == 201)
            let first = try await gh(sim, "GET", "/repos/acme/widgets/pulls/6")
            #expect(first.json?["mergeable"] == .null)
            let second = try await gh(sim, "GET", "/repos/acme/widgets/pulls/6")
            #expect(second.json?["mergeable"]?.boolValue == true)
            #expect(second.json?["mergeable_state"]?.stringValue == "blocked")

            let noApproval = try await gh(sim, "PUT", "/repos/acme/widgets/pulls/6/merge", "{}")
            #expect(noApproval.status == 405)
            #expect(
                noApproval.json?["message"]?.stringValue
                    == "At least 1 approving review is required by reviewers with write access."
            )
            // A reader's approval does not count; a writer's does.
            await sim.review("acme", "widgets", pr: 6, by: "rita", state: "APPROVED")
            #expect(await sim.review("acme", "widgets", pr: 6, by: "bob", state: "APPROVED", body: "LGTM") != nil)
            let noCheck = try await gh(sim, "PUT", "/repos/acme/widgets/pulls/6/merge", "{}")
            #expect(noCheck.json?["message"]?.stringValue == #"Required status check "build" is expected."#)

            let head = try #require(await sim.pullRequest("acme", "widgets", 6)?.headSHA)
            await sim.setCheckRun("acme", "widgets", sha: head, name: "build", conclusion: "success")
            #expect(
                try await gh(sim, "GET", "/repos/acme/widgets/pulls/6").json?["mergeable_state"]?.stringValue == "clean"
            )
            let moved = try await gh(
                sim,
                "PUT",
                "/repos/acme/widgets/pulls/6/merge",
                #"{"sha":"\#(String(repeating: "0", count: 40))"}"#
            )
            #expect(moved.status == 409)
            #expect(moved.json?["message"]?.stringValue == "Head branch was modified. Review and try the merge again.")

            // A conflict: unknown again, then dirty; any push to the head resolves it.
            #expect(await sim.setConflict("acme", "widgets", pr: 6, true))
            #expect(try await gh(sim, "GET", "/repos/acme/widgets/pulls/6").json?["mergeable"] == .null)
            let dirty = try await gh(sim, "GET", "/repos/acme/widgets/pulls/6")
            #expect(dirty.json?["mergeable"]?.boolValue == false)
            #expect(dirty.json?["mergeable_state"]?.stringValue == "dirty")
            let conflicted = try await gh(sim, "PUT", "/repos/acme/widgets/pulls/6/merge", "{}")
            #expect(conflicted.status == 405)
            #expect(conflicted.json?["message"]?.stringValue == "Pull Request is not mergeable")
            let fixed = await sim.pushCommit("acme", "widgets", branch: Self.head, message: "Resolve conflict")
            #expect(await sim.pullRequest("acme", "widgets", 6)?.conflicted == false)
            #expect(await sim.pullRequest("acme", "widgets", 6)?.headSHA == fixed)
            await sim.setCheckRun("acme", "widgets", sha: fixed, name: "build", conclusion: "success")

            let merged = try await gh(
                sim,
                "PUT",
                "/repos/acme/widgets/pulls/6/merge",
                #"{"merge_method":"squash","sha":"\#(fixed)"}"#
            )
            #expect(merged.status == 200)
            #expect(merged.json?["merged"]?.boolValue == true)
            #expect(merged.json?["message"]?.stringValue == "Pull Request successfully merged")
            let main = await sim.commits("acme", "widgets", branch: "main")
            #expect(main.last?.sha == merged.json?["sha"]?.stringValue)
            #expect(main.last?.message == "Add a widget (#6)\n\nCloses #1")
            let pr = try #require(await sim.pullRequest("acme", "widgets", 6))
            #expect(pr.merged && pr.state == "closed" && pr.mergeCommitSHA == main.last?.sha && pr.mergedAt != nil)
            // The closing keyword closed the issue on merge into the default branch.
            let issue = try #require(await sim.issue("acme", "widgets", 1))
            #expect(issue.state == "closed" && issue.stateReason == "completed")
            let again = try await gh(sim, "PUT", "/repos/acme/widgets/pulls/6/merge", "{}")
            #expect(again.status == 405)
        }
    }

    @Test func githubUpdateBranchWhenBehind() async throws {
        try await withForge(protection: SimBranchProtection(strict: true)) { sim in
            #expect(try await gh(sim, "POST", "/repos/acme/widgets/pulls", Self.createBody).status == 201)
            let oldHead = try #require(await sim.pullRequest("acme", "widgets", 6)?.headSHA)
            await sim.pushCommit("acme", "widgets", branch: "main", message: "Someone else's change")
            _ = try await gh(sim, "GET", "/repos/acme/widgets/pulls/6")
            #expect(
                try await gh(sim, "GET", "/repos/acme/widgets/pulls/6").json?["mergeable_state"]?.stringValue
                    == "behind"
            )
            let behind = try await gh(sim, "PUT", "/repos/acme/widgets/pulls/6/merge", "{}")
            #expect(behind.status == 405)

            let stale = try await gh(
                sim,
                "PUT",
                "/repos/acme/widgets/pulls/6/update-branch",
                #"{"expected_head_sha":"\#(String(repeating: "1", count: 40))"}"#
            )
            #expect(stale.status == 422)
            let updated = try await gh(
                sim,
                "PUT",
                "/repos/acme/widgets/pulls/6/update-branch",
                #"{"expected_head_sha":"\#(oldHead)"}"#
            )
            #expect(updated.status == 202)
            #expect(updated.json?["message"]?.stringValue == "Updating pull request branch.")
            let newHead = try #require(await sim.pullRequest("acme", "widgets", 6)?.headSHA)
            #expect(newHead != oldHead)
            let commits = await sim.commits("acme", "widgets", branch: Self.head)
            #expect(commits.last?.message == "Merge branch 'main' into afk/1-r1")
            // `ci_on_update` (default green) put a green `build` on the new head.
            let runs = try await gh(sim, "GET", "/repos/acme/widgets/commits/\(newHead)/check-runs")
            #expect(runs.json?["check_runs"]?.arrayValue?.first?["conclusion"]?.stringValue == "success")
            _ = try await gh(sim, "GET", "/repos/acme/widgets/pulls/6")
            #expect(
                try await gh(sim, "GET", "/repos/acme/widgets/pulls/6").json?["mergeable_state"]?.stringValue == "clean"
            )
            let current = try await gh(sim, "PUT", "/repos/acme/widgets/pulls/6/update-branch", "{}")
            #expect(current.status == 422)

            await sim.pushCommit("acme", "widgets", branch: "main", message: "Another change")
            await sim.setConflict("acme", "widgets", pr: 6, true)
            let conflict = try await gh(sim, "PUT", "/repos/acme/widgets/pulls/6/update-branch", "{}")
            #expect(conflict.status == 422)
            #expect(conflict.json?["message"]?.stringValue == "merge conflict between base and head")
        }
    }

    @Test func githubReviewsRulesAndBranches() async throws {
        let rules = SimBranchProtection(requiredChecks: ["build"], requiredApprovals: 2, strict: true, mergeQueue: true)
        try await withForge(protection: rules) { sim in
            #expect(try await gh(sim, "POST", "/repos/acme/widgets/pulls", Self.createBody).status == 201)
            await sim.review("acme", "widgets", pr: 6, by: "bob", state: "CHANGES_REQUESTED", body: "Not yet")
            await sim.review("acme", "widgets", pr: 6, by: "bob", state: "APPROVED")
            let reviews = try await gh(sim, "GET", "/repos/acme/widgets/pulls/6/reviews")
            #expect(reviews.json?.arrayValue?.map { $0["state"]?.stringValue } == ["CHANGES_REQUESTED", "APPROVED"])
            let head = await sim.pullRequest("acme", "widgets", 6)?.headSHA
            #expect(reviews.json?.arrayValue?.first?["commit_id"]?.stringValue == head)
            #expect(reviews.json?.arrayValue?.first?["user"]?["login"]?.stringValue == "bob")

            let ruleList = try await gh(sim, "GET", "/repos/acme/widgets/rules/branches/main")
            let types = ruleList.json?.arrayValue?.map { $0["type"]?.stringValue }
            #expect(types == ["pull_request", "required_status_checks", "merge_queue"])
            let items = ruleList.json?.arrayValue ?? []
            #expect(items.first?["parameters"]?["required_approving_review_count"]?.intValue == 2)
            #expect(items.first?["ruleset_source_type"]?.stringValue == "Repository")
            let checks = items.dropFirst().first?["parameters"]
            #expect(checks?["required_status_checks"]?.arrayValue?.first?["context"]?.stringValue == "build")
            #expect(checks?["strict_required_status_checks_policy"]?.boolValue == true)
            let free = try await gh(sim, "GET", "/repos/acme/widgets/rules/branches/afk/1-r1")
            #expect(free.status == 200 && free.json?.arrayValue?.isEmpty == true)

            let branch = try await gh(sim, "GET", "/repos/acme/widgets/branches/main")
            #expect(branch.json?["protected"]?.boolValue == true)
            #expect(branch.json?["protection"]?["required_status_checks"]?["contexts"] == .array([.string("build")]))
            let run = try await gh(sim, "GET", "/repos/acme/widgets/branches/afk/1-r1")
            #expect(run.json?["commit"]?["sha"]?.stringValue == head && run.json?["protected"]?.boolValue == false)
            #expect(try await gh(sim, "GET", "/repos/acme/widgets/branches/nope").status == 404)
            #expect(try await gh(sim, "GET", "/repos/acme/widgets/branches/main/protection").status == 403)

            // A merge queue refuses the classic merge endpoint.
            let queued = try await gh(sim, "PUT", "/repos/acme/widgets/pulls/6/merge", "{}")
            #expect(queued.status == 405)
            #expect(queued.json?["message"]?.stringValue == "Changes must be made through the merge queue")
        }
    }

    @Test func githubDeleteBranchTwice() async throws {
        try await withForge { sim in
            let gone = try await gh(sim, "DELETE", "/repos/acme/widgets/git/refs/heads/afk/1-r1")
            #expect(gone.status == 204)
            #expect(await sim.branches("acme", "widgets") == ["main"])
            let again = try await gh(sim, "DELETE", "/repos/acme/widgets/git/refs/heads/afk/1-r1")
            #expect(again.status == 422)
            #expect(again.json?["message"]?.stringValue == "Reference does not exist")
            let commits = try await gh(sim, "GET", "/repos/acme/widgets/commits?sha=afk/1-r1")
            #expect(commits.status == 404)
            #expect(commits.json?["message"]?.stringValue == "No commit found for SHA: afk/1-r1")
        }
    }

    // MARK: Scripted agent

    static func turnStart(_ commandId: String, threadId: String, text: String) -> String {
        let escaped = text.replacingOccurrences(of: "\n", with: "\\n")
        return
            #"{"type":"thread.turn.start","commandId":"\#(commandId)","threadId":"\#(threadId)","message":{"messageId":"msg-\#(commandId)","role":"user","text":"\#(escaped)","attachments":[]},"runtimeMode":"full-access","interactionMode":"default","createdAt":"2026-01-01T00:00:00.000Z"}"#
    }

    @Test func scriptedAgentPushesToTheRunBranchAndIsRefusedOnAProtectedOne() async throws {
        var scenario = try AgentScriptTests.scenario(.pushAfterPolls(polls: 1, ci: .green, fixOnCorrectiveTurn: true))
        scenario.github.repos[0].protection["main"] = SimBranchProtection()
        try await withSimulator(scenario) { sim in
            await sim.pushCommit("acme", "widgets", branch: "main", message: "Initial commit")
            let agent = try await AgentHarness(sim)
            let text = "Implement it\n\nAFK-Branch: afk/1-r1"
            #expect(
                try await agent.dispatch(Self.turnStart("r1-turn1", threadId: agent.threadId, text: text)).status
                    == 200
            )
            let done = try await agent.poll()
            #expect(done["latestTurn"]?["state"]?.stringValue == "completed")
            let pushed = await sim.commits("acme", "widgets", branch: "afk/1-r1")
            #expect(pushed.last?.message.hasPrefix("Implement #1") == true)
            #expect(await sim.commits("acme", "widgets", branch: "main").count == 1)
            let sha = try #require(pushed.last?.sha)
            let runs = try await gh(sim, "GET", "/repos/acme/widgets/commits/\(sha)/check-runs")
            #expect(runs.json?["check_runs"]?.arrayValue?.first?["conclusion"]?.stringValue == "success")

            // A corrective turn without the line still pushes to the run branch named in the first turn, and
            // clears the conflict of its pull request.
            let number = try #require(await sim.openPullRequest("acme", "widgets", head: "afk/1-r1", title: "x"))
            await sim.setConflict("acme", "widgets", pr: number, true)
            #expect(
                try await agent.dispatch(Self.turnStart("r1-turn2", threadId: agent.threadId, text: "Fix it")).status
                    == 200
            )
            _ = try await agent.poll()
            #expect(await sim.commits("acme", "widgets", branch: "afk/1-r1").count == pushed.count + 1)
            #expect(await sim.pullRequest("acme", "widgets", number)?.conflicted == false)

            // Without a run branch the push goes to `main`, which requires pull requests: refused.
            let other = try await AgentHarness(sim, threadId: "afk-acme~widgets-i1-r2")
            #expect(
                try await other.dispatch(Self.turnStart("r2-turn1", threadId: other.threadId, text: "Go")).status
                    == 200
            )
            let refused = try await other.poll()
            let message = refused["messages"]?.arrayValue?.last?["text"]?.stringValue ?? ""
            #expect(message.contains("GH006: Protected branch update failed for refs/heads/main."))
            #expect(await sim.commits("acme", "widgets", branch: "main").count == 1)
        }
    }

    @Test func jobRunnerPushesToTheRunBranchAndReportsARefusal() async throws {
        var scenario = try RunnerSimTests.scenario()
        scenario.github.repos[0].protection["main"] = SimBranchProtection()
        try await withSimulator(scenario) { sim in
            let withBranch = RunnerSimTests.execute.replacingOccurrences(
                of: "Implement acme/widgets#1",
                with: "Implement acme/widgets#1\\n\\nAFK-Branch: afk/1-r1"
            )
            let first = try await RunnerSimTests.submit(sim, body: withBranch)
            #expect(try await RunnerSimTests.poll(sim, job: first, times: 3).last == "completed")
            #expect(
                await sim.commits("acme", "widgets", branch: "afk/1-r1").last?.message.hasPrefix("Implement #1") == true
            )

            let second = try await RunnerSimTests.submit(sim)
            _ = try await RunnerSimTests.poll(sim, job: second, times: 3)
            let reply = try await HTTP.send(
                "GET",
                await sim.jobsURL.appendingPathComponent("jobs/\(second)"),
                token: "rt"
            )
            let output = reply.json?["output"]?.arrayValue?.first?.stringValue ?? ""
            #expect(output.contains("was refused") && output.contains("GH006"))
            #expect(await sim.commits("acme", "widgets", branch: "main").count == 1)  // the seeded initial commit only
        }
    }

    // MARK: Faults

    @Test func faultAfterApplyingAnswersItsStatusOnBothViews() async throws {
        try await withForge { sim in
            await sim.inject(
                Fault(service: .github, method: "POST", pathContains: "/pulls", status: 502, applyAfterDelay: true)
            )
            let lost = try await gh(sim, "POST", "/repos/acme/widgets/pulls", Self.createBody)
            #expect(lost.status == 502)
            #expect(await sim.pullRequests("acme", "widgets").map(\.number) == [6])

            await sim.pushCommit("acme", "widgets", branch: "afk/3-r1", message: "Implement #3")
            await sim.inject(
                Fault(service: .forgejo, method: "POST", pathContains: "/pulls", status: 502, applyAfterDelay: true)
            )
            let body = #"{"title":"Blocker","head":"afk/3-r1","base":"main"}"#
            let lostToo = try await fj(sim, "POST", "/repos/acme/widgets/pulls", body)
            #expect(lostToo.status == 502)
            #expect(await sim.pullRequests("acme", "widgets").map(\.number) == [6, 7])
        }
    }

    // MARK: Forgejo

    @Test func forgejoCreateFindMergeAndDelete() async throws {
        try await withForge(protection: SimBranchProtection(requiredApprovals: 1)) { sim in
            let body = #"{"title":"Add a widget","head":"afk/1-r1","base":"main","body":"Fixes #1"}"#
            let created = try await fj(sim, "POST", "/repos/acme/widgets/pulls", body)
            #expect(created.status == 201)
            #expect(created.json?["number"]?.intValue == 6)
            #expect(created.json?["mergeable"]?.boolValue == false)
            let duplicate = try await fj(sim, "POST", "/repos/acme/widgets/pulls", body)
            #expect(duplicate.status == 409)
            let text = duplicate.json?["message"]?.stringValue ?? ""
            #expect(text.hasPrefix("pull request already exists for these targets [id: "))
            #expect(text.contains("issue_id: 6,") && text.hasSuffix("head_branch: afk/1-r1, base_branch: main]"))
            let same = try await fj(
                sim,
                "POST",
                "/repos/acme/widgets/pulls",
                #"{"title":"x","head":"main","base":"main"}"#
            )
            #expect(same.status == 422)
            let unknown = try await fj(
                sim,
                "POST",
                "/repos/acme/widgets/pulls",
                #"{"title":"x","head":"no","base":"main"}"#
            )
            #expect(unknown.status == 404)

            let found = try await fj(sim, "GET", "/repos/acme/widgets/pulls/main/afk/1-r1")
            #expect(found.status == 200 && found.json?["number"]?.intValue == 6)
            #expect(try await fj(sim, "GET", "/repos/acme/widgets/pulls/main/nope").status == 404)
            let listed = try await fj(sim, "GET", "/repos/acme/widgets/pulls?state=all&limit=60")
            #expect(listed.json?.arrayValue?.map { $0["number"]?.intValue } == [6])
            #expect(listed.header("X-Total-Count") == "1")

            // Lazy: false while checking, then true (reviews and checks do not count).
            let checking = try await fj(sim, "GET", "/repos/acme/widgets/pulls/6")
            #expect(checking.json?["mergeable"]?.boolValue == false)
            let ready = try await fj(sim, "GET", "/repos/acme/widgets/pulls/6")
            #expect(ready.json?["mergeable"]?.boolValue == true)

            let unapproved = try await fj(sim, "POST", "/repos/acme/widgets/pulls/6/merge", #"{"Do":"merge"}"#)
            #expect(unapproved.status == 405)
            #expect(
                unapproved.json?["message"]?.stringValue
                    == "not allowed to merge [reason: Does not have enough approvals]"
            )
            await sim.review("acme", "widgets", pr: 6, by: "bob", state: "APPROVED", body: "LGTM")
            let reviews = try await fj(sim, "GET", "/repos/acme/widgets/pulls/6/reviews")
            let review = reviews.json?.arrayValue?.first
            #expect(review?["state"]?.stringValue == "APPROVED" && review?["official"]?.boolValue == true)
            #expect(review?["stale"]?.boolValue == false && review?["dismissed"]?.boolValue == false)

            let stale = try await fj(
                sim,
                "POST",
                "/repos/acme/widgets/pulls/6/merge",
                #"{"Do":"merge","head_commit_id":"\#(String(repeating: "2", count: 40))"}"#
            )
            #expect(stale.status == 409)
            #expect(stale.json?["message"]?.stringValue == "head out of date")

            // `do` binds `Do` (case-insensitive); `merge_title_field` does not bind `MergeTitleField`.
            let merged = try await fj(
                sim,
                "POST",
                "/repos/acme/widgets/pulls/6/merge",
                #"{"do":"squash","merge_title_field":"ignored"}"#
            )
            #expect(merged.status == 200 && merged.body.isEmpty)
            #expect(await sim.commits("acme", "widgets", branch: "main").last?.message == "Add a widget (#6)")
            #expect(await sim.issue("acme", "widgets", 1)?.state == "closed")
            let after = try await fj(sim, "GET", "/repos/acme/widgets/pulls/6")
            #expect(after.json?["merged"]?.boolValue == true && after.json?["state"]?.stringValue == "closed")
            let twice = try await fj(sim, "POST", "/repos/acme/widgets/pulls/6/merge", #"{"Do":"merge"}"#)
            #expect(twice.status == 405)

            let deleted = try await fj(sim, "DELETE", "/repos/acme/widgets/branches/afk/1-r1")
            #expect(deleted.status == 204)
            #expect(try await fj(sim, "DELETE", "/repos/acme/widgets/branches/afk/1-r1").status == 404)
            #expect(try await fj(sim, "DELETE", "/repos/acme/widgets/branches/main").status == 403)
        }
    }

    @Test func forgejoBranchesProtectionsAndUpdate() async throws {
        let rules = SimBranchProtection(requiredChecks: ["build"], requiredApprovals: 1, strict: true)
        try await withForge(protection: rules) { sim in
            let branch = try await fj(sim, "GET", "/repos/acme/widgets/branches/main")
            #expect(branch.json?["protected"]?.boolValue == true)
            #expect(branch.json?["required_approvals"]?.intValue == 1)
            #expect(branch.json?["enable_status_check"]?.boolValue == true)
            #expect(branch.json?["status_check_contexts"] == .array([.string("build")]))
            #expect(branch.json?["user_can_push"]?.boolValue == false)
            #expect(branch.json?["user_can_merge"]?.boolValue == true)
            #expect(branch.json?["effective_branch_protection_name"]?.stringValue == "main")
            let run = try await fj(sim, "GET", "/repos/acme/widgets/branches/afk/1-r1")
            #expect(
                run.json?["commit"]?["id"]?.stringValue
                    == (await sim.commits("acme", "widgets", branch: Self.head).last?.sha)
            )
            #expect(try await fj(sim, "GET", "/repos/acme/widgets/branches/nope").status == 404)
            #expect(try await fj(sim, "GET", "/repos/acme/widgets/branch_protections").status == 403)
            let admin = try await HTTP.send(
                "GET",
                sim.fj("/repos/acme/widgets/branch_protections"),
                token: Fixtures.adminToken,
                scheme: "token"
            )
            #expect(admin.json?.arrayValue?.first?["branch_name"]?.stringValue == "main")

            let number = try #require(await sim.openPullRequest("acme", "widgets", head: Self.head, title: "x"))
            await sim.pushCommit("acme", "widgets", branch: "main", message: "Moved on")
            let oldHead = await sim.pullRequest("acme", "widgets", number)?.headSHA
            let updated = try await fj(sim, "POST", "/repos/acme/widgets/pulls/\(number)/update?style=merge")
            #expect(updated.status == 200)
            #expect(await sim.pullRequest("acme", "widgets", number)?.headSHA != oldHead)
            await sim.pushCommit("acme", "widgets", branch: "main", message: "Moved again")
            await sim.setConflict("acme", "widgets", pr: number, true)
            let conflict = try await fj(sim, "POST", "/repos/acme/widgets/pulls/\(number)/update")
            #expect(conflict.status == 409)
        }
    }
}
