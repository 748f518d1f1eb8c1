import AFKSimulator
import Foundation
import Testing

@Suite struct T3VersionAndDemoTests {
    static func scenario(_ version: String) throws -> Scenario {
        var scenario = try Fixtures.sample
        scenario.t3.serverVersion = version
        scenario.t3.agentScripts = [
            AgentScriptRule(titleContains: "acme/widgets#1:", script: .pushAfterPolls(polls: 2))
        ]
        return scenario
    }

    func get(_ sim: Simulator, _ path: String, token: String? = Fixtures.t3Token) async throws -> Reply {
        try await HTTP.send("GET", sim.t3(path), token: token)
    }

    @Test func v27HasNoShellOrThreadRoutes() async throws {
        try await withSimulator(try Self.scenario("0.0.27")) { sim in
            var agent = try await AgentHarness(sim)
            try await agent.startTurn()
            #expect(try await get(sim, "/api/orchestration/shell").status == 404)
            #expect(try await get(sim, "/api/orchestration/threads/\(agent.threadId)").status == 404)
            let snap = try await agent.poll()
            #expect(snap["messages"]?.arrayValue?.count == 1)
        }
    }

    @Test func v29ThreadDetailAndShell() async throws {
        try await withSimulator(try Self.scenario("0.0.29")) { sim in
            var agent = try await AgentHarness(sim)
            try await agent.startTurn()
            #expect(try await get(sim, "/api/orchestration/threads/\(agent.threadId)", token: nil).status == 401)

            // Thread reads count as polls: two of them complete the scripted turn.
            let first = try await get(sim, "/api/orchestration/threads/\(agent.threadId)")
            #expect(first.status == 200)
            #expect(first.json?["snapshotSequence"]?.intValue == 4)
            #expect(first.json?["thread"]?["latestTurn"]?["state"]?.stringValue == "running")
            let second = try await get(sim, "/api/orchestration/threads/\(agent.threadId)")
            let thread = try #require(second.json?["thread"])
            #expect(thread["latestTurn"]?["state"]?.stringValue == "completed")
            #expect(thread["messages"]?.arrayValue?.map { $0["role"]?.stringValue } == ["user", "assistant"])
            for key in [
                "id", "projectId", "title", "modelSelection", "runtimeMode", "interactionMode", "branch",
                "worktreePath",
                "latestTurn", "createdAt", "updatedAt", "archivedAt", "deletedAt", "messages", "proposedPlans",
                "activities", "checkpoints", "session",
            ] {
                #expect(thread.has(key), "thread is missing \(key)")
            }
            #expect(await sim.commits("acme", "widgets").count == 1)

            let missing = try await get(sim, "/api/orchestration/threads/nope")
            #expect(missing.status == 404)
            #expect(missing.json?["_tag"]?.stringValue == "EnvironmentResourceNotFoundError")
            #expect(missing.json?["code"]?.stringValue == "not_found")
            #expect(missing.json?["reason"]?.stringValue == "thread_not_found")
            #expect(missing.json?["traceId"]?.stringValue?.isEmpty == false)

            let shell = try await get(sim, "/api/orchestration/shell")
            #expect(shell.status == 200)
            let json = try #require(shell.json)
            for key in ["snapshotSequence", "projects", "threads", "updatedAt"] { #expect(json.has(key)) }
            let shellThread = try #require(json["threads"]?.arrayValue?.first)
            for key in [
                "id", "projectId", "title", "modelSelection", "runtimeMode", "interactionMode", "branch",
                "worktreePath",
                "latestTurn", "createdAt", "updatedAt", "archivedAt", "session", "latestUserMessageAt",
                "hasPendingApprovals", "hasPendingUserInput", "hasActionableProposedPlan",
            ] {
                #expect(shellThread.has(key), "shell thread is missing \(key)")
            }
            for key in ["messages", "activities", "checkpoints"] { #expect(!shellThread.has(key)) }
            #expect(shellThread["hasPendingUserInput"]?.boolValue == false)
            #expect(shellThread["latestUserMessageAt"]?.stringValue != nil)
            let project = try #require(json["projects"]?.arrayValue?.first)
            #expect(project.has("workspaceRoot") && !project.has("deletedAt"))
            // The v0.0.29 snapshot is still fully hydrated.
            #expect(try await agent.poll()["messages"]?.arrayValue?.count == 2)
        }
    }

    @Test func v32SnapshotIsLightweight() async throws {
        try await withSimulator(try Self.scenario("0.0.32")) { sim in
            var agent = try await AgentHarness(sim)
            try await agent.startTurn()
            try await agent.poll()
            let light = try await agent.poll()
            #expect(light["latestTurn"]?["state"]?.stringValue == "completed")
            #expect(light["session"]?["status"]?.stringValue == "ready")
            #expect(light["messages"] == .array([]))
            #expect(light["activities"] == .array([]))
            #expect(light["checkpoints"] == .array([]))
            let full = try await get(sim, "/api/orchestration/threads/\(agent.threadId)")
            #expect(full.json?["thread"]?["messages"]?.arrayValue?.count == 2)
        }
    }

    @Test func demoScenarioReachesTheScriptedOutcomes() async throws {
        let demo = Scenario.demo
        #expect(demo.github.repos.map(\.fullName) == ["acme/widgets", "acme/gadgets", "acme/gizmos"])
        #expect(demo.github.repos.allSatisfy { $0.branches["main"]?.count == 1 })
        #expect(demo.github.tokens["ghp_demo_bot"] == "afk-bot")
        #expect(demo.t3.tokens["t3_demo_token"] != nil)
        #expect(demo.slack.hooks == ["TDEMO/BDEMO/demo"])
        #expect(try Scenario.decode(fromJSON: try demo.encodedJSON()) == demo)

        try await withSimulator(demo) { sim in
            // The wrong-branch agent of acme/gizmos#1, dispatched the way afk does it.
            let create =
                #"{"type":"project.create","commandId":"afk-acme~gizmos-create","projectId":"afk-acme~gizmos","title":"acme/gizmos","workspaceRoot":"/srv/afk/gizmos","createdAt":"2026-01-01T00:00:00.000Z"}"#
            #expect(
                try await HTTP.send("POST", sim.t3("/api/orchestration/dispatch"), token: "t3_demo_token", body: create)
                    .status == 200
            )
            let thread = T3OrchestrationTests.threadCreate(
                "c2",
                threadId: "afk-acme~gizmos-i1-r1",
                projectId: "afk-acme~gizmos",
                title: "acme/gizmos#1: Add a gizmo health endpoint"
            )
            #expect(
                try await HTTP.send("POST", sim.t3("/api/orchestration/dispatch"), token: "t3_demo_token", body: thread)
                    .status == 200
            )
            let turn = T3OrchestrationTests.turnStart("c3", threadId: "afk-acme~gizmos-i1-r1")
            #expect(
                try await HTTP.send("POST", sim.t3("/api/orchestration/dispatch"), token: "t3_demo_token", body: turn)
                    .status == 200
            )
            for _ in 0..<2 {
                #expect(
                    try await HTTP.send("GET", sim.t3("/api/orchestration/snapshot"), token: "t3_demo_token").status
                        == 200
                )
            }
            #expect(await sim.commits("acme", "gizmos", branch: "main").map(\.message) == ["Initial commit"])
            #expect(
                await sim.commits("acme", "gizmos", branch: "agent/wip").last?.message.hasPrefix("Implement #1") == true
            )

            let ntfy = try #require(URL(string: await sim.ntfyURL.absoluteString + "/afk-demo"))
            #expect(try await HTTP.send("POST", ntfy, headers: [:], body: Data("hi".utf8)).status == 200)
            let slack = await sim.slackWebhookURL("TDEMO/BDEMO/demo")
            #expect(slack.absoluteString.hasSuffix("/slack/services/TDEMO/BDEMO/demo"))
            #expect(try await HTTP.send("POST", slack, headers: [:], body: Data(#"{"text":"hi"}"#.utf8)).status == 200)
            #expect(await sim.notifications().map(\.sink) == ["ntfy", "slack"])
        }
    }
}
