import AFKSimulator
import AFKTesting
import Foundation
import Testing

/// `landing: pull_request` end to end on both trackers: the poller dispatches with a run branch,
/// the agent (here the test, or a scripted agent) pushes it, and watcher ticks open, verify,
/// update and merge the pull request, then verify the merge commit and close the issue.
@Suite(.timeLimit(.minutes(3)))
struct PullRequestLandingEndToEndTests {
    static let widgets = "acme/widgets"
    static let branch = "afk/1-r1"

    /// A world whose one trusted ready issue was dispatched by a real poller tick in
    /// `landing: pull_request`, optionally with `main` protected.
    static func dispatched(
        forge: Forge,
        protection: SimBranchProtection? = nil,
        env extra: [String: String] = [:]
    ) async throws -> (World, [String: String]) {
        let world = try await World.start(
            repos: repoJSON("acme/widgets", issues: [issueJSON(1, title: "Add a cache")]),
            forge: forge
        )
        if let protection { await world.sim.setProtection("acme", "widgets", branch: "main", protection) }
        let env = world.environment(allowlist: widgets, ["AFK_LANDING": "pull_request"].merging(extra) { $1 })
        let poll = try await world.poller(env: env)
        #expect(poll.dispatched == ["acme/widgets#1"], "\(poll.stderr)")
        return (world, env)
    }

    /// The agent's push to the run's branch, with one `build` check run.
    @discardableResult
    static func push(
        _ world: World,
        branch: String = branch,
        message: String = "Add a cache\n\nCloses #1\nAFK-Issue: acme/widgets#1",
        ci: String? = "success"
    ) async -> String {
        let sha = await world.sim.pushCommit("acme", "widgets", branch: branch, message: message)
        if let ci {
            await world.sim.setCheckRun("acme", "widgets", sha: sha, name: "build", conclusion: ci)
        }
        return sha
    }

    static func watch(_ world: World, _ env: [String: String], _ args: [String] = []) async throws -> ToolRun {
        try await world.run("afk-watcher", ["--output", "json"] + args, env: env)
    }

    /// Watcher ticks until `done` holds (at most `ticks`); every tick's verb for #1. Between
    /// ticks the repository's CI reports green on every merge commit, as a CI that builds pushes
    /// to the default branch would (unless `ciOnMerge` is false).
    static func watchUntil(
        _ world: World,
        _ env: [String: String],
        ticks: Int = 6,
        ciOnMerge: Bool = true,
        _ done: @escaping (ToolRun) async -> Bool
    ) async throws -> [String] {
        var verbs: [String] = []
        for _ in 0..<ticks {
            let run = try await watch(world, env)
            #expect(run.code == 0, "\(run.stderr)")
            verbs.append(run.verb(widgets, 1) ?? "-")
            if await done(run) { break }
            if ciOnMerge { await buildMergeCommits(world) }
        }
        return verbs
    }

    /// A green `build` on the merge commit of every merged pull request.
    static func buildMergeCommits(_ world: World) async {
        for pr in await pulls(world) where pr.merged {
            guard let sha = pr.mergeCommitSHA else { continue }
            await world.sim.setCheckRun("acme", "widgets", sha: sha, name: "build", conclusion: "success")
        }
    }

    static func record(_ world: World) async -> String {
        await world.comments(widgets, 1).filter { $0.user == "afk-bot" && $0.body.contains("<!-- afk:run ") }.last?
            .body ?? ""
    }

    /// The run is over: its record says done (the forge may have closed the issue already, on
    /// the merge, through `Closes #1`).
    static func finished(_ world: World) async -> Bool {
        await record(world).contains(#""phase":"done""#)
    }

    static func closed(_ world: World) async -> Bool {
        await world.sim.issue("acme", "widgets", 1)?.state == "closed"
    }

    static func pulls(_ world: World) async -> [SimPullRequest] {
        await world.sim.pullRequests("acme", "widgets")
    }

    // MARK: - The happy path

    @Test(arguments: Forge.allCases) func readyPullRequestGreenMergedClosed(forge: Forge) async throws {
        let (world, env) = try await Self.dispatched(forge: forge)
        defer { Task { await world.stop() } }
        // The first turn names the branch; T3 is told it too.
        let threads = await world.sim.threads()
        #expect(threads.first?.branch == Self.branch)
        let waiting = try await Self.watch(world, env)
        #expect(waiting.verb(Self.widgets, 1) == "wait")
        await Self.push(world)
        let verbs = try await Self.watchUntil(world, env, ticks: 8) { _ in await Self.finished(world) }
        #expect(verbs.first == "open_pr", "\(verbs)")
        #expect(verbs.contains("merge"), "\(verbs)")
        #expect(verbs.last == "close", "\(verbs)")
        let pulls = await Self.pulls(world)
        #expect(pulls.count == 1)
        let pr = try #require(pulls.first)
        #expect(pr.merged)
        #expect(pr.body?.contains("Closes #1") == true)
        #expect(pr.head == Self.branch && pr.base == "main")
        #expect(await Self.closed(world))
        #expect(!(await world.sim.branches("acme", "widgets")).contains(Self.branch))
        let record = await Self.record(world)
        #expect(record.contains(#""phase":"done""#))
        #expect(record.contains(#""merged_sha":""#))
        #expect(!(await world.labels(Self.widgets, 1)).contains("agent-in-progress"))
        // Done: the next tick has nothing left to do.
        await world.sim.clearRequests()
        let after = try await Self.watch(world, env)
        #expect(after.actions.isEmpty)
        #expect(await world.writes().isEmpty)
    }

    @Test(arguments: Forge.allCases) func aDryRunReportsOpeningWithoutWriting(forge: Forge) async throws {
        let (world, env) = try await Self.dispatched(forge: forge)
        defer { Task { await world.stop() } }
        await Self.push(world)
        await world.sim.clearRequests()
        let dry = try await Self.watch(world, env, ["--dry-run"])
        #expect(dry.verb(Self.widgets, 1) == "open_pr", "\(dry.stdout)")
        #expect(await world.writes().isEmpty)
        #expect(await Self.pulls(world).isEmpty)
    }

    // MARK: - Corrections

    @Test(arguments: Forge.allCases) func aRedHeadGetsACorrectiveTurnThenMerges(forge: Forge) async throws {
        let (world, env) = try await Self.dispatched(forge: forge)
        defer { Task { await world.stop() } }
        let red = await Self.push(world, ci: "failure")
        #expect(try await Self.watch(world, env).verb(Self.widgets, 1) == "open_pr")
        let fix = try await Self.watch(world, env)
        #expect(fix.verb(Self.widgets, 1) == "fix_forward", "\(fix.stdout)")
        #expect(fix.reason(Self.widgets, 1).contains(String(red.prefix(7))))
        await Self.push(world, message: "Fix the build\n\nCloses #1")
        let verbs = try await Self.watchUntil(world, env, ticks: 8) { _ in await Self.finished(world) }
        #expect(verbs.contains("merge") && verbs.last == "close", "\(verbs)")
        #expect(await Self.pulls(world).count == 1)
    }

    @Test(arguments: Forge.allCases) func aConflictGetsACorrectiveTurnThenMerges(forge: Forge) async throws {
        let (world, env) = try await Self.dispatched(forge: forge)
        defer { Task { await world.stop() } }
        await Self.push(world)
        await world.sim.clearRequests()
        #expect(try await Self.watch(world, env).verb(Self.widgets, 1) == "open_pr")
        // The tick that opens the pull request reads the repository (its default branch) once.
        let repoReads = await world.sim.requests()
            .filter { $0.service == forge.service && $0.method == "GET" && $0.path.hasSuffix("/repos/acme/widgets") }
        #expect(repoReads.count == 1, "\(repoReads.map(\.path))")
        let pr = try #require(await Self.pulls(world).first)
        #expect(await world.sim.setConflict("acme", "widgets", pr: pr.number, true))
        let verbs = try await Self.watchUntil(world, env, ticks: 4) { run in
            run.verb(Self.widgets, 1) == "fix_forward"
        }
        #expect(verbs.last == "fix_forward", "\(verbs)")
        #expect(await Self.record(world).contains(#""correction":"conflict""#))
        // The agent merges main into its branch and pushes: the conflict is gone.
        await Self.push(world, message: "Merge main into afk/1-r1\n\nCloses #1")
        let after = try await Self.watchUntil(world, env, ticks: 8) { _ in await Self.finished(world) }
        #expect(after.contains("merge") && after.last == "close", "\(after)")
    }

    @Test(arguments: Forge.allCases) func aRequiredReviewWaitsAndAnApprovalMerges(forge: Forge) async throws {
        let (world, env) = try await Self.dispatched(
            forge: forge,
            protection: SimBranchProtection(requirePullRequest: true, requiredApprovals: 1)
        )
        defer { Task { await world.stop() } }
        await Self.push(world)
        let verbs = try await Self.watchUntil(world, env, ticks: 5) { _ in
            await Self.record(world).contains(#""phase":"review""#)
        }
        #expect(verbs.first == "open_pr", "\(verbs)")
        #expect(await Self.record(world).contains("approving review"))
        // Still waiting next tick, and nothing rewritten.
        #expect(try await Self.watch(world, env).verb(Self.widgets, 1) == "wait")
        let pr = try #require(await Self.pulls(world).first)
        // An approval from someone without write access does not count.
        _ = await world.sim.review("acme", "widgets", pr: pr.number, by: "rita", state: "APPROVED", body: "lgtm")
        #expect(try await Self.watch(world, env).verb(Self.widgets, 1) == "wait")
        _ = await world.sim.review("acme", "widgets", pr: pr.number, by: "alice", state: "APPROVED", body: "ship it")
        let after = try await Self.watchUntil(world, env, ticks: 6) { _ in await Self.finished(world) }
        #expect(after.first == "merge" && after.last == "close", "\(after)")
    }

    @Test(arguments: Forge.allCases) func changesRequestedByAWriterGetACorrectiveTurn(forge: Forge) async throws {
        let (world, env) = try await Self.dispatched(forge: forge)
        defer { Task { await world.stop() } }
        await Self.push(world)
        #expect(try await Self.watch(world, env).verb(Self.widgets, 1) == "open_pr")
        let pr = try #require(await Self.pulls(world).first)
        _ = await world.sim.review(
            "acme",
            "widgets",
            pr: pr.number,
            by: "alice",
            state: "CHANGES_REQUESTED",
            body: "Please use a dictionary here."
        )
        let verbs = try await Self.watchUntil(world, env, ticks: 4) { run in
            run.verb(Self.widgets, 1) == "fix_forward"
        }
        #expect(verbs.last == "fix_forward", "\(verbs)")
        let record = await Self.record(world)
        #expect(record.contains(#""correction":"review""#))
        #expect(record.contains("Please use a dictionary here."))
        // The corrective turn quoted the review on the run's thread.
        let thread = try #require(await world.sim.threads().first)
        #expect(thread.messages.contains { $0.role == "user" && $0.text.contains("> Please use a dictionary here.") })
        // Answered once: the next tick waits for the reviewer rather than sending it again.
        #expect(try await Self.watch(world, env).verb(Self.widgets, 1) == "wait")
    }

    // MARK: - What real servers answer

    @Test func aNotMergeableAnswerIsDecidedAgainNextTick() async throws {
        let (world, env) = try await Self.dispatched(forge: .github)
        defer { Task { await world.stop() } }
        await Self.push(world)
        _ = try await Self.watchUntil(world, env, ticks: 4) { run in run.verb(Self.widgets, 1) == "open_pr" }
        await world.sim.inject(
            Fault(
                service: .github,
                method: "PUT",
                pathContains: "/merge",
                status: 405,
                body:
                    #"{"message":"Pull Request is not mergeable","documentation_url":"https://docs.github.com/rest/pulls/pulls#merge-a-pull-request","status":"405"}"#
            )
        )
        let declined = try await Self.watchUntil(world, env, ticks: 4) { run in run.verb(Self.widgets, 1) == "merge" }
        #expect(declined.last == "merge", "\(declined)")
        #expect(!(try #require(await Self.pulls(world).first).merged))
        #expect(!(await Self.record(world)).contains(#""pending""#))
        let after = try await Self.watchUntil(world, env, ticks: 6) { _ in await Self.finished(world) }
        #expect(after.contains("merge") && after.last == "close", "\(after)")
    }

    @Test(arguments: Forge.allCases) func aCreateAnsweredWith502AfterApplyingLeavesExactlyOnePullRequest(forge: Forge)
        async throws
    {
        let (world, env) = try await Self.dispatched(forge: forge)
        defer { Task { await world.stop() } }
        await Self.push(world)
        await world.sim.inject(
            Fault(
                service: forge.service,
                method: "POST",
                pathContains: "*/pulls",
                status: 502,
                body: "<html><body><h1>502 Bad Gateway</h1></body></html>",
                applyAfterDelay: true
            )
        )
        let first = try await Self.watch(world, env)
        #expect(first.verb(Self.widgets, 1) == "open_pr", "\(first.stdout) \(first.stderr)")
        _ = try await Self.watch(world, env)
        let pulls = await Self.pulls(world)
        #expect(pulls.count == 1, "\(pulls.map(\.number))")
        let number = try #require(pulls.first?.number)
        #expect(await Self.record(world).contains(#""pull_request":\#(number)"#))
    }

    @Test(arguments: Forge.allCases) func aPushToTheDefaultBranchIsAPolicyViolation(forge: Forge) async throws {
        let (world, env) = try await Self.dispatched(forge: forge)
        defer { Task { await world.stop() } }
        await Self.push(world, branch: "main")
        let run = try await Self.watch(world, env)
        #expect(run.verb(Self.widgets, 1) == "escalate", "\(run.stdout)")
        #expect(run.reason(Self.widgets, 1).contains("policy violation"))
        #expect(!(await Self.closed(world)))
        #expect(await world.labels(Self.widgets, 1).contains("ready-for-human"))
    }

    @Test(arguments: Forge.allCases) func theMergeCommitIsWhatTheStagesVerify(forge: Forge) async throws {
        let (world, env) = try await Self.dispatched(forge: forge)
        defer { Task { await world.stop() } }
        await Self.push(world)
        _ = try await Self.watchUntil(world, env, ticks: 6, ciOnMerge: false) { _ in
            await Self.record(world).contains(#""phase":"merged""#)
        }
        let pr = try #require(await Self.pulls(world).first)
        let merge = try #require(pr.mergeCommitSHA)
        // The merge commit has no CI yet: the run waits, open, on the merge commit.
        let waiting = try await Self.watch(world, env)
        #expect(waiting.verb(Self.widgets, 1) == "wait", "\(waiting.stdout)")
        #expect(waiting.reason(Self.widgets, 1).contains(String(merge.prefix(7))))
        await world.sim.setCheckRun("acme", "widgets", sha: merge, name: "build", conclusion: "success")
        let done = try await Self.watch(world, env)
        #expect(done.verb(Self.widgets, 1) == "close", "\(done.stdout)")
    }

    @Test func aWatcherKilledAfterTheMergeIsFinishedByTheNextTick() async throws {
        let (world, env) = try await Self.dispatched(forge: .github)
        defer { Task { await world.stop() } }
        await Self.push(world)
        _ = try await Self.watchUntil(world, env, ticks: 4) { _ in
            await Self.record(world).contains(#""pull_request":"#)
        }
        // Killed as soon as the merge request was answered: before the record says so.
        await world.sim.clearRequests()
        var killedAfterMerge = false
        for _ in 0..<4 where !killedAfterMerge {
            let run = try await world.run(
                "afk-watcher",
                ["--output", "json"],
                env: env,
                killWhen: { requests in requests.contains { $0.method == "PUT" && $0.path.hasSuffix("/merge") } }
            )
            killedAfterMerge = run.code != 0
        }
        #expect(killedAfterMerge)
        #expect(try #require(await Self.pulls(world).first).merged)
        #expect(!(await Self.record(world)).contains(#""merged_sha""#))
        let after = try await Self.watchUntil(world, env, ticks: 6) { _ in await Self.finished(world) }
        #expect(after.last == "close", "\(after)")
        #expect(await Self.pulls(world).filter(\.merged).count == 1)
        #expect(!(await world.sim.branches("acme", "widgets")).contains(Self.branch))
    }

    @Test func aBranchBehindAStrictRuleIsUpdatedThenMerged() async throws {
        let (world, env) = try await Self.dispatched(
            forge: .github,
            protection: SimBranchProtection(requirePullRequest: true, requiredChecks: ["build"], strict: true)
        )
        defer { Task { await world.stop() } }
        await Self.push(world)
        _ = try await Self.watchUntil(world, env, ticks: 4) { run in run.verb(Self.widgets, 1) == "open_pr" }
        // Someone lands another change on main: the pull request is behind.
        await world.sim.pushCommit("acme", "widgets", branch: "main", message: "Unrelated change", author: "alice")
        let verbs = try await Self.watchUntil(world, env, ticks: 4) { run in
            run.verb(Self.widgets, 1) == "update_branch"
        }
        #expect(verbs.last == "update_branch", "\(verbs)")
        // The update's merge commit gets its CI; then the run merges.
        let pr = try #require(await Self.pulls(world).first)
        let head = try #require(pr.headSHA)
        await world.sim.setCheckRun("acme", "widgets", sha: head, name: "build", conclusion: "success")
        let after = try await Self.watchUntil(world, env, ticks: 6) { _ in await Self.finished(world) }
        #expect(after.contains("merge") && after.last == "close", "\(after)")
    }

    /// T3's scripted agent pushes to the branch its first turn names, with main protected.
    @Test(arguments: Forge.allCases) func aScriptedT3AgentPushesTheRunBranch(forge: Forge) async throws {
        let world = try await World.start(
            repos: repoJSON("acme/widgets", issues: [issueJSON(1, title: "Add a cache")]),
            forge: forge
        )
        defer { Task { await world.stop() } }
        await world.sim.setDefaultAgentScript(.pushAfterPolls(polls: 1, ci: .green))
        await world.sim.setProtection("acme", "widgets", branch: "main", SimBranchProtection(requirePullRequest: true))
        let env = world.environment(allowlist: Self.widgets, ["AFK_LANDING": "pull_request"])
        #expect(try await world.poller(env: env).dispatched == ["acme/widgets#1"])
        let verbs = try await Self.watchUntil(world, env, ticks: 10) { _ in await Self.finished(world) }
        #expect(verbs.contains("open_pr") && verbs.contains("merge") && verbs.last == "close", "\(verbs)")
        #expect(await Self.pulls(world).first?.head == Self.branch)
    }
}
