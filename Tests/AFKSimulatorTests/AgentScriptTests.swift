import AFKSimulator
import Foundation
import Testing

/// Drives one afk-style thread over real HTTP.
struct AgentHarness {
    let sim: Simulator
    let threadId: String
    var turns = 0

    static let project = "afk-acme~widgets"

    init(_ sim: Simulator, threadId: String = "afk-acme~widgets-i1-r1", title: String = "acme/widgets#1: Add a widget")
        async throws
    {
        self.sim = sim
        self.threadId = threadId
        let project = T3OrchestrationTests.projectCreate("\(Self.project)-create", projectId: Self.project)
        #expect(try await dispatch(project).status == 200)
        let thread = T3OrchestrationTests.threadCreate(
            "\(threadId)-create",
            threadId: threadId,
            projectId: Self.project,
            title: title
        )
        #expect(try await dispatch(thread).status == 200)
    }

    func dispatch(_ body: String) async throws -> Reply {
        try await HTTP.send("POST", sim.t3("/api/orchestration/dispatch"), token: Fixtures.t3Token, body: body)
    }

    mutating func startTurn() async throws {
        turns += 1
        #expect(
            try await dispatch(T3OrchestrationTests.turnStart("\(threadId)-turn\(turns)", threadId: threadId)).status
                == 200
        )
    }

    /// One snapshot poll; returns this thread.
    @discardableResult
    func poll() async throws -> JSONValue {
        let reply = try await HTTP.send("GET", sim.t3("/api/orchestration/snapshot"), token: Fixtures.t3Token)
        #expect(reply.status == 200)
        return try #require(reply.json?["threads"]?.arrayValue?.first { $0["id"]?.stringValue == threadId })
    }
}

@Suite struct AgentScriptTests {
    static func scenario(_ script: AgentScript, version: String = "0.0.27") throws -> Scenario {
        var scenario = try Fixtures.sample
        scenario.t3.serverVersion = version
        scenario.t3.agentScripts = [AgentScriptRule(titleContains: "acme/widgets#1:", script: script)]
        return scenario
    }

    func checkRuns(_ sim: Simulator, _ sha: String) async throws -> [JSONValue] {
        let reply = try await HTTP.send(
            "GET",
            sim.gh("/repos/acme/widgets/commits/\(sha)/check-runs"),
            token: Fixtures.botToken
        )
        return reply.json?["check_runs"]?.arrayValue ?? []
    }

    @Test func pushGreenAfterPolls() async throws {
        try await withSimulator(try Self.scenario(.pushAfterPolls(polls: 2, ci: .green))) { sim in
            var agent = try await AgentHarness(sim)
            try await agent.startTurn()
            var thread = try await agent.poll()
            #expect(thread["latestTurn"]?["state"]?.stringValue == "running")
            #expect(await sim.commits("acme", "widgets").isEmpty)
            thread = try await agent.poll()
            #expect(thread["latestTurn"]?["state"]?.stringValue == "completed")
            #expect(thread["session"]?["status"]?.stringValue == "ready")
            #expect(thread["session"]?["activeTurnId"] == .null)
            #expect(thread["messages"]?.arrayValue?.last?["role"]?.stringValue == "assistant")
            let commits = await sim.commits("acme", "widgets", branch: "main")
            #expect(commits.map(\.message) == ["Implement #1\n\nCloses #1\nAFK-Issue: acme/widgets#1"])
            let sha = try #require(commits.first?.sha)
            let runs = try await checkRuns(sim, sha)
            #expect(runs.map { $0["name"]?.stringValue } == ["build"])
            #expect(runs.first?["conclusion"]?.stringValue == "success")
            // The GitHub API shows it newest first on the default branch.
            let listed = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/commits?sha=main"),
                token: Fixtures.botToken
            )
            #expect(listed.json?.arrayValue?.first?["sha"]?.stringValue == sha)
            // Further polls do nothing more.
            try await agent.poll()
            #expect(await sim.commits("acme", "widgets").count == 1)
        }
    }

    @Test func redThenFixForwardOnCorrectiveTurn() async throws {
        try await withSimulator(try Self.scenario(.pushAfterPolls(polls: 1, ci: .red, fixOnCorrectiveTurn: true))) {
            sim in
            var agent = try await AgentHarness(sim)
            try await agent.startTurn()
            try await agent.poll()
            let red = try #require(await sim.commits("acme", "widgets").last?.sha)
            #expect(try await checkRuns(sim, red).first?["conclusion"]?.stringValue == "failure")

            try await agent.startTurn()  // corrective turn: new commandId, same thread
            #expect(try await agent.poll()["latestTurn"]?["state"]?.stringValue == "completed")
            let commits = await sim.commits("acme", "widgets")
            #expect(commits.count == 2)
            #expect(commits.last?.message == "Fix build for #1\n\nCloses #1\nAFK-Issue: acme/widgets#1")
            let fix = try #require(commits.last?.sha)
            #expect(try await checkRuns(sim, fix).first?["conclusion"]?.stringValue == "success")
        }
    }

    @Test func redWithoutFixAndWrongBranchAndPendingCI() async throws {
        try await withSimulator(try Self.scenario(.pushAfterPolls(polls: 0, branch: "agent/wip", ci: .pending))) {
            sim in
            var agent = try await AgentHarness(sim)
            try await agent.startTurn()
            // polls: 0 acts at turn start.
            #expect(await sim.threads().first?.latestTurn?.state == "completed")
            // The empty default branch got the initial commit a side branch needs; the agent's commit is not on it.
            #expect(await sim.commits("acme", "widgets", branch: "main").map(\.message) == ["Initial commit"])
            let wip = await sim.commits("acme", "widgets", branch: "agent/wip")
            let sha = try #require(wip.last?.sha)
            let run = try #require(try await checkRuns(sim, sha).first)
            #expect(run["status"]?.stringValue == "in_progress")
            #expect(run["conclusion"] == .null)

            #expect(wip.map(\.message) == ["Initial commit", "Implement #1\n\nCloses #1\nAFK-Issue: acme/widgets#1"])

            // Not fixing on the corrective turn: it completes without pushing.
            await sim.setAgentScript(
                .pushAfterPolls(polls: 1, ci: .red, fixOnCorrectiveTurn: false),
                forThread: agent.threadId
            )
            try await agent.startTurn()
            #expect(try await agent.poll()["latestTurn"]?["state"]?.stringValue == "completed")
            #expect(await sim.commits("acme", "widgets", branch: "agent/wip").count == 2)
            #expect(await sim.commits("acme", "widgets", branch: "main").count == 1)
        }
    }

    @Test func finishWithoutPushErrorInterrupt() async throws {
        try await withSimulator(try Self.scenario(.finishWithoutPush(polls: 1))) { sim in
            var agent = try await AgentHarness(sim)
            try await agent.startTurn()
            #expect(try await agent.poll()["latestTurn"]?["state"]?.stringValue == "completed")
            #expect(await sim.commits("acme", "widgets").isEmpty)

            await sim.setAgentScript(.error(polls: 1, message: "provider crashed"), forThread: agent.threadId)
            try await agent.startTurn()
            let failed = try await agent.poll()
            #expect(failed["session"]?["status"]?.stringValue == "error")
            #expect(failed["session"]?["lastError"]?.stringValue == "provider crashed")
            #expect(failed["latestTurn"]?["state"]?.stringValue == "error")
            let activity = try #require(failed["activities"]?.arrayValue?.last)
            #expect(activity["tone"]?.stringValue == "error")
            #expect(activity["kind"]?.stringValue == "runtime.error")
            #expect(activity["payload"]?["message"]?.stringValue == "provider crashed")
            #expect(activity["turnId"] == failed["latestTurn"]?["turnId"])
            for key in ["id", "summary", "createdAt"] { #expect(activity.has(key)) }

            await sim.setAgentScript(.interrupt(polls: 1), forThread: agent.threadId)
            try await agent.startTurn()
            let interrupted = try await agent.poll()
            #expect(interrupted["latestTurn"]?["state"]?.stringValue == "interrupted")
            #expect(interrupted["session"]?["status"]?.stringValue == "interrupted")
            #expect(interrupted["session"]?["activeTurnId"] == .null)
        }
    }

    @Test func askQuestionShowsInShellAndResolves() async throws {
        try await withSimulator(try Self.scenario(.askQuestion(polls: 1), version: "0.0.29")) { sim in
            var agent = try await AgentHarness(sim)
            try await agent.startTurn()
            let thread = try await agent.poll()
            #expect(thread["session"]?["status"]?.stringValue == "running")
            let asked = try #require(thread["activities"]?.arrayValue?.last)
            #expect(asked["kind"]?.stringValue == "user-input.requested")
            let requestId = try #require(asked["payload"]?["requestId"]?.stringValue)
            let question = try #require(asked["payload"]?["questions"]?.arrayValue?.first)
            for key in ["id", "header", "question", "options", "multiSelect"] { #expect(question.has(key)) }
            #expect(question["options"]?.arrayValue?.first?.has("label") == true)

            let shell = try await HTTP.send("GET", sim.t3("/api/orchestration/shell"), token: Fixtures.t3Token)
            #expect(shell.json?["threads"]?.arrayValue?.first?["hasPendingUserInput"]?.boolValue == true)

            let respond =
                #"{"type":"thread.user-input.respond","commandId":"r1","threadId":"\#(agent.threadId)","requestId":"\#(requestId)","answers":{"\#(question["id"]?.stringValue ?? "")":"Minimal"},"createdAt":"2026-01-01T00:00:00.000Z"}"#
            #expect(try await agent.dispatch(respond).status == 200)
            let after = try await HTTP.send("GET", sim.t3("/api/orchestration/shell"), token: Fixtures.t3Token)
            #expect(after.json?["threads"]?.arrayValue?.first?["hasPendingUserInput"]?.boolValue == false)
            #expect(await sim.threads().first?.activities.last?["kind"]?.stringValue == "user-input.resolved")
        }
    }

    @Test func threadIdParsingIsCaseInsensitiveAndTitleIsAFallback() async throws {
        var scenario = try Fixtures.sample
        scenario.github.repos[0].owner = "Acme"
        scenario.github.repos[0].name = "Widgets"
        scenario.t3.defaultAgentScript = .pushAfterPolls(polls: 1)
        try await withSimulator(scenario) { sim in
            var generation = try await AgentHarness(sim, threadId: "afk-acme~widgets-i3-r2-g1", title: "whatever")
            try await generation.startTurn()
            try await generation.poll()
            #expect(
                await sim.commits("acme", "widgets").last?.message
                    == "Implement #3\n\nCloses #3\nAFK-Issue: Acme/Widgets#3"
            )

            // Not an afk id: the title names the issue.
            let thread = T3OrchestrationTests.threadCreate(
                "x-create",
                threadId: "custom",
                projectId: AgentHarness.project,
                title: "acme/widgets#5 by hand"
            )
            #expect(try await generation.dispatch(thread).status == 200)
            #expect(
                try await generation.dispatch(T3OrchestrationTests.turnStart("x-turn", threadId: "custom")).status
                    == 200
            )
            try await generation.poll()
            #expect(await sim.commits("acme", "widgets").last?.message.hasPrefix("Implement #5") == true)
        }
    }

    @Test func scriptsAreCodable() throws {
        let json = #"""
            { "t3": { "agent_scripts": [
                {"title_contains": "#1:", "script": {"type": "push_after_polls", "polls": 2, "branch": "agent/wip", "ci": "red", "fix_on_corrective_turn": true}},
                {"thread_id": "afk-acme~widgets-i2-r1", "script": {"type": "finish_without_push", "polls": 3}},
                {"title_contains": "#3:", "script": {"type": "error", "polls": 1, "message": "boom"}},
                {"title_contains": "#4:", "script": {"type": "interrupt", "polls": 1}},
                {"title_contains": "#5:", "script": {"type": "ask_question"}},
                {"title_contains": "#6:", "script": "complete_immediately"},
                {"title_contains": "#7:", "script": {"type": "push_after_polls", "polls": 1}}],
              "default_agent_script": "run_forever" } }
            """#
        let scenario = try Scenario.decode(fromJSON: Data(json.utf8))
        #expect(
            scenario.t3.agentScripts.map(\.script) == [
                .pushAfterPolls(polls: 2, branch: "agent/wip", ci: .red, fixOnCorrectiveTurn: true),
                .finishWithoutPush(polls: 3),
                .error(polls: 1, message: "boom"),
                .interrupt(polls: 1),
                .askQuestion(polls: 1),
                .completeImmediately,
                .pushAfterPolls(polls: 1, branch: nil, ci: .green, fixOnCorrectiveTurn: false),
            ]
        )
        #expect(scenario.t3.defaultAgentScript == .runForever)
        let again = try Scenario.decode(fromJSON: try scenario.encodedJSON())
        #expect(again == scenario)
        #expect(throws: DecodingError.self) {
            try Scenario.decode(fromJSON: Data(#"{"t3":{"default_agent_script":"dance"}}"#.utf8))
        }
    }
}
