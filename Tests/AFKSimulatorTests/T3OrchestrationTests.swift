import AFKSimulator
import Foundation
import Testing

@Suite struct T3OrchestrationTests {
    static func projectCreate(
        _ commandId: String,
        projectId: String = "p1",
        root: String = "/srv/afk/widgets",
        extra: String = ""
    ) -> String {
        #"{"type":"project.create","commandId":"\#(commandId)","projectId":"\#(projectId)","title":"acme/widgets","workspaceRoot":"\#(root)","createdAt":"2026-01-01T00:00:00.000Z"\#(extra)}"#
    }

    static func threadCreate(
        _ commandId: String,
        threadId: String = "t1",
        projectId: String = "p1",
        title: String = "acme/widgets#1"
    ) -> String {
        #"{"type":"thread.create","commandId":"\#(commandId)","threadId":"\#(threadId)","projectId":"\#(projectId)","title":"\#(title)","modelSelection":{"instanceId":"claudeAgent","model":"claude-sonnet-4-6"},"runtimeMode":"full-access","interactionMode":"default","branch":null,"worktreePath":null,"createdAt":"2026-01-01T00:00:00.000Z"}"#
    }

    static func turnStart(_ commandId: String, threadId: String = "t1") -> String {
        #"{"type":"thread.turn.start","commandId":"\#(commandId)","threadId":"\#(threadId)","message":{"messageId":"msg-\#(commandId)","role":"user","text":"Implement it","attachments":[]},"runtimeMode":"full-access","interactionMode":"default","createdAt":"2026-01-01T00:00:00.000Z"}"#
    }

    func dispatch(_ sim: Simulator, _ body: String, token: String? = Fixtures.t3Token) async throws -> Reply {
        try await HTTP.send("POST", sim.t3("/api/orchestration/dispatch"), token: token, body: body)
    }

    func snapshot(_ sim: Simulator) async throws -> JSONValue {
        let reply = try await HTTP.send("GET", sim.t3("/api/orchestration/snapshot"), token: Fixtures.t3Token)
        #expect(reply.status == 200)
        return try #require(reply.json)
    }

    @Test func environmentNeedsNoAuth() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            let reply = try await HTTP.send("GET", sim.t3("/.well-known/t3/environment"))
            #expect(reply.status == 200)
            #expect(reply.json?["serverVersion"]?.stringValue == "0.0.27")
            #expect(reply.json?["platform"]?["os"]?.stringValue == "linux")
            #expect(reply.json?.has("capabilities") == true && reply.json?.has("environmentId") == true)
        }
    }

    @Test func authErrorsAreTyped() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            let missing = try await dispatch(sim, Self.projectCreate("c1"), token: nil)
            #expect(missing.status == 401)
            #expect(missing.json?["_tag"]?.stringValue == "EnvironmentAuthInvalidError")
            #expect(missing.json?["code"]?.stringValue == "auth_invalid")
            #expect(missing.json?["reason"]?.stringValue == "missing_credential")
            #expect(missing.json?["traceId"]?.stringValue?.isEmpty == false)
            let invalid = try await dispatch(sim, Self.projectCreate("c1"), token: "nope")
            #expect(invalid.status == 401)
            #expect(invalid.json?["reason"]?.stringValue == "invalid_credential")
            let readOnly = try await dispatch(sim, Self.projectCreate("c1"), token: Fixtures.t3ReadOnly)
            #expect(readOnly.status == 403)
            #expect(readOnly.json?["_tag"]?.stringValue == "EnvironmentScopeRequiredError")
            #expect(readOnly.json?["code"]?.stringValue == "insufficient_scope")
            #expect(readOnly.json?["requiredScope"]?.stringValue == "orchestration:operate")
            // Decoding runs before the scope check: a bad body from a read-only token is a bare 400.
            let badBody = try await dispatch(sim, #"{"type":"nope","commandId":"c"}"#, token: Fixtures.t3Ready)
            #expect(badBody.status == 400 && badBody.body.isEmpty)
            let snapshotNoAuth = try await HTTP.send("GET", sim.t3("/api/orchestration/snapshot"))
            #expect(snapshotNoAuth.status == 401)
        }
    }

    @Test func schemaFailuresAreBare400s() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            #expect(try await dispatch(sim, Self.projectCreate("c1")).status == 200)
            let bad: [String] = [
                "not json",
                #"{"type":"thread.explode","commandId":"c2","threadId":"t1"}"#,
                Self.threadCreate("c2").replacingOccurrences(of: #""branch":null,"#, with: ""),
                Self.threadCreate("c2").replacingOccurrences(of: #""threadId":"t1""#, with: #""threadId":"   ""#),
                Self.threadCreate("c2").replacingOccurrences(of: "full-access", with: "yolo"),
                Self.threadCreate("c2")
                    .replacingOccurrences(of: #""instanceId":"claudeAgent""#, with: #""instanceId":"9lives""#),
                Self.threadCreate("   "),
                Self.turnStart("c3").replacingOccurrences(of: #","attachments":[]"#, with: ""),
                Self.turnStart("c3").replacingOccurrences(of: #""role":"user""#, with: #""role":"assistant""#),
                Self.turnStart("c3").replacingOccurrences(of: #""interactionMode":"default","#, with: ""),
            ]
            for body in bad {
                let reply = try await dispatch(sim, body)
                #expect(reply.status == 400, "\(body)")
                #expect(reply.body.isEmpty, "\(body)")
            }
            let legacy = Self.threadCreate("c2")
                .replacingOccurrences(of: #""instanceId":"claudeAgent""#, with: #""provider":"claudeAgent""#)
            #expect(try await dispatch(sim, legacy).status == 200)
            let thread = try #require(await sim.threads().first)
            #expect(thread.modelSelection["instanceId"]?.stringValue == "claudeAgent")
        }
    }

    @Test func idempotentReplayAndDomainRejections() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            let first = try await dispatch(sim, Self.projectCreate("c1"))
            #expect(first.status == 200)
            #expect(first.json == .obj(["sequence": .int(1)]))
            #expect(try await dispatch(sim, Self.threadCreate("c2")).json == .obj(["sequence": .int(2)]))

            // Replay of an accepted commandId: original sequence, no new events, payload not compared.
            let replay = try await dispatch(sim, Self.threadCreate("c2", threadId: "t-other"))
            #expect(replay.status == 200)
            #expect(replay.json == .obj(["sequence": .int(2)]))
            #expect(try await snapshot(sim)["snapshotSequence"]?.intValue == 2)
            #expect(await sim.threads().count == 1)

            // Same threadId, new commandId: domain rejection (500), stored as rejected.
            let duplicate = try await dispatch(sim, Self.threadCreate("c3"))
            #expect(duplicate.status == 500)
            #expect(duplicate.json?["_tag"]?.stringValue == "EnvironmentInternalError")
            #expect(duplicate.json?["code"]?.stringValue == "internal_error")
            #expect(duplicate.json?["reason"]?.stringValue == "orchestration_dispatch_failed")
            // Replaying the rejected commandId fails again, even with a now-valid payload.
            #expect(try await dispatch(sim, Self.threadCreate("c3", threadId: "t2")).status == 500)
            // Unknown thread.
            #expect(try await dispatch(sim, Self.turnStart("c4", threadId: "ghost")).status == 500)

            // thread.turn.start emits two events; sequence = the last.
            #expect(try await dispatch(sim, Self.turnStart("c5")).json == .obj(["sequence": .int(4)]))
        }
    }

    @Test func missingWorkspaceRootIsInvalidRequestWithoutReceipt() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            let missing = try await dispatch(sim, Self.projectCreate("c1", root: "/elsewhere/repo"))
            #expect(missing.status == 400)
            #expect(missing.json?["_tag"]?.stringValue == "EnvironmentRequestInvalidError")
            #expect(missing.json?["reason"]?.stringValue == "invalid_command")
            // No receipt: the same commandId may be retried.
            let retried = try await dispatch(
                sim,
                Self.projectCreate("c1", root: "/elsewhere/repo", extra: #","createWorkspaceRootIfMissing":true"#)
            )
            #expect(retried.status == 200)
            #expect(await sim.projects().map(\.workspaceRoot) == ["/elsewhere/repo"])
        }
    }

    @Test func turnStartRunsTheAgentScript() async throws {
        var scenario = try Fixtures.sample
        scenario.t3.agentScripts = [AgentScriptRule(titleContains: "#2", script: .completeImmediately)]
        try await withSimulator(scenario) { sim in
            _ = try await dispatch(sim, Self.projectCreate("c1"))
            _ = try await dispatch(sim, Self.threadCreate("c2"))
            var snap = try await snapshot(sim)
            let fresh = try #require(snap["threads"]?.arrayValue?.first)
            #expect(fresh["latestTurn"] == .null)
            #expect(fresh["session"] == .null)
            for key in [
                "id", "projectId", "title", "modelSelection", "runtimeMode", "interactionMode", "branch",
                "worktreePath",
                "latestTurn", "createdAt", "updatedAt", "archivedAt", "deletedAt", "messages", "proposedPlans",
                "activities", "checkpoints", "session",
            ] {
                #expect(fresh.has(key), "thread is missing \(key)")
            }
            let project = try #require(snap["projects"]?.arrayValue?.first)
            for key in [
                "id", "title", "workspaceRoot", "defaultModelSelection", "scripts", "createdAt", "updatedAt",
                "deletedAt",
            ] {
                #expect(project.has(key), "project is missing \(key)")
            }

            _ = try await dispatch(sim, Self.turnStart("c3"))
            snap = try await snapshot(sim)
            let running = try #require(snap["threads"]?.arrayValue?.first)
            #expect(running["latestTurn"]?["state"]?.stringValue == "running")
            #expect(running["latestTurn"]?["completedAt"] == .null)
            #expect(running["session"]?["status"]?.stringValue == "running")
            #expect(running["session"]?["providerName"]?.stringValue == "claudeAgent")
            #expect(running["session"]?["activeTurnId"] == running["latestTurn"]?["turnId"])
            #expect(running["messages"]?.arrayValue?.first?["role"]?.stringValue == "user")
            #expect(running["messages"]?.arrayValue?.first?["id"]?.stringValue == "msg-c3")

            _ = try await dispatch(sim, Self.threadCreate("c4", threadId: "t2", title: "acme/widgets#2"))
            _ = try await dispatch(sim, Self.turnStart("c5", threadId: "t2"))
            let done = try #require(await sim.threads().first { $0.id == "t2" })
            #expect(done.latestTurn?.state == "completed")
            #expect(done.session?.status == "ready")
            #expect(done.session?.activeTurnId == nil)
            #expect(done.messages.map(\.role) == ["user", "assistant"])

            // Stop and delete: deleted threads stay in the snapshot with deletedAt.
            _ = try await dispatch(
                sim,
                #"{"type":"thread.session.stop","commandId":"c6","threadId":"t1","createdAt":"x"}"#
            )
            #expect(
                try await dispatch(sim, #"{"type":"thread.delete","commandId":"c7","threadId":"t1"}"#).status == 200
            )
            #expect(
                try await dispatch(sim, #"{"type":"thread.delete","commandId":"c8","threadId":"t1"}"#).status == 500
            )
            snap = try await snapshot(sim)
            let deleted = try #require(snap["threads"]?.arrayValue?.first { $0["id"]?.stringValue == "t1" })
            #expect(deleted["deletedAt"]?.stringValue != nil)
            #expect(deleted["session"]?["status"]?.stringValue == "stopped")
        }
    }
}

extension Fixtures {
    /// A read-only T3 token (alias used by the auth test).
    static let t3Ready = t3ReadOnly
}
