@testable import AFKAdapters
import AFKTesting
import AFKCore
import Foundation
import Testing

struct T3ObservationTests {
    func executor(_ transport: ScriptedTransport) -> T3Executor {
        T3Executor(
            baseURL: URL(string: "http://t3.test")!,
            token: "t",
            settings: .init(
                workspaceRoot: "/srv",
                providerInstance: "claudeAgent",
                model: "m",
                runtimeMode: "full-access"
            ),
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 2),
            logger: quietLogger,
            sleep: { _ in }
        )
    }

    func thread(
        turn: String?,
        session: String?,
        activeTurn: String? = nil,
        lastError: String? = nil,
        activities: String = "[]",
        deleted: Bool = false
    ) throws -> T3.Thread {
        let turnJSON =
            turn.map {
                #"{"turnId":"t1","state":"\#($0)","requestedAt":"x","startedAt":"x","completedAt":null,"assistantMessageId":null}"#
            } ?? "null"
        let sessionJSON =
            session.map {
                #"{"threadId":"th","status":"\#($0)","providerName":"claudeAgent","runtimeMode":"full-access","activeTurnId":\#(activeTurn.map { "\"\($0)\"" } ?? "null"),"lastError":\#(lastError.map { "\"\($0)\"" } ?? "null"),"updatedAt":"x"}"#
            } ?? "null"
        let json =
            #"{"id":"th","projectId":"p","createdAt":"x","deletedAt":\#(deleted ? "\"x\"" : "null"),"latestTurn":\#(turnJSON),"session":\#(sessionJSON),"activities":\#(activities)}"#
        return try JSONDecoder().decode(T3.Thread.self, from: Data(json.utf8))
    }

    @Test func derivesStateTrustingSessionStatus() throws {
        #expect(T3ThreadState.derive(nil).state == .missing)
        #expect(T3ThreadState.derive(try thread(turn: "running", session: "running", deleted: true)).state == .missing)
        #expect(T3ThreadState.derive(try thread(turn: nil, session: nil)).state == .running)  // accepted, not started
        #expect(
            T3ThreadState.derive(try thread(turn: "running", session: "running", activeTurn: "t1")).state == .running
        )
        #expect(T3ThreadState.derive(try thread(turn: "completed", session: "ready")).state == .finished)
        #expect(T3ThreadState.derive(try thread(turn: "interrupted", session: "interrupted")).state == .interrupted)
        // A failed turn can stay `running` or become `completed`: session.status wins.
        #expect(
            T3ThreadState.derive(try thread(turn: "completed", session: "error", lastError: "rate limited")).state
                == .errored("rate limited")
        )
        #expect(
            T3ThreadState.derive(try thread(turn: "error", session: "ready")).state
                == .errored("the turn ended in error")
        )
        if case .unknown = T3ThreadState.derive(try thread(turn: "pondering", session: "ready")).state {
        } else {
            Issue.record("an unrecognised turn state must be unknown")
        }
    }

    @Test func providerFailuresAndUnansweredQuestionsShowInActivities() throws {
        // A provider failure of the latest turn.
        let failed =
            #"[{"id":"a","tone":"error","kind":"provider.turn.interrupt.failed","summary":"Provider turn interrupt failed","payload":{"detail":"No active provider session is bound to this thread."},"turnId":"t1","createdAt":"x"}]"#
        #expect(
            T3ThreadState.derive(try thread(turn: "running", session: "running", activities: failed)).state
                == .errored("No active provider session is bound to this thread.")
        )
        // A turn that could not start (its turnId is always null) is reported as such, beside the turn shown.
        let notStarted =
            #"[{"id":"a","tone":"error","kind":"provider.turn.start.failed","summary":"Provider turn start failed","payload":{"detail":"text too long"},"turnId":null,"createdAt":"x"}]"#
        let report = T3ThreadState.derive(try thread(turn: nil, session: nil, activities: notStarted))
        #expect(report.turnStartFailure == "text too long")
        #expect(report.turn == .latest(nil))
        let asked =
            #"[{"id":"a","tone":"info","kind":"user-input.requested","summary":"Question","payload":{"requestId":"r1","questions":[{"id":"q","header":"h","question":"Which database?","options":[],"multiSelect":false}]},"turnId":"t1","createdAt":"x"}]"#
        #expect(
            T3ThreadState.derive(try thread(turn: "running", session: "running", activities: asked)).state
                == .needsInput("Which database?")
        )
        let answered =
            asked.dropLast()
            + #",{"id":"b","tone":"info","kind":"user-input.resolved","summary":"Answered","payload":{"requestId":"r1"},"turnId":"t1","createdAt":"x"}]"#
        #expect(
            T3ThreadState.derive(try thread(turn: "running", session: "running", activities: String(answered))).state
                == .running
        )
    }

    @Test func oldServersAreReadFromTheSnapshotAlone() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "/.well-known/t3/environment",
            json(200, #"{"environmentId":"e","label":"l","platform":{},"serverVersion":"0.0.27","capabilities":{}}"#)
        )
        await transport.on("GET", "/api/orchestration/snapshot", try Fixture.ok("t3-snapshot-0.0.27"))
        let states = try await executor(transport)
            .states(threadIDs: ["afk-acme~widgets-i7-r1", "afk-acme~widgets-i5-r1", "afk-nope-i1-r1"])
        #expect(states["afk-acme~widgets-i7-r1"] == .running)
        #expect(states["afk-acme~widgets-i5-r1"] == .missing)  // deleted
        #expect(states["afk-nope-i1-r1"] == .missing)
        // The snapshot shows messages, so it is the hydrated one: the version is not asked.
        #expect(await transport.requests.map(\.url.path) == ["/api/orchestration/snapshot"])
    }

    /// A snapshot in which every thread is bare could be either kind: the version decides.
    @Test func aBareSnapshotAsksTheVersion() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "/.well-known/t3/environment",
            json(200, #"{"environmentId":"e","label":"l","platform":{},"serverVersion":"0.0.27","capabilities":{}}"#)
        )
        await transport.on(
            "GET",
            "/api/orchestration/snapshot",
            json(
                200,
                #"{"snapshotSequence":3,"projects":[],"threads":[{"id":"afk-acme~widgets-i7-r1","projectId":"p","createdAt":"x","deletedAt":null,"latestTurn":null,"session":null,"messages":[],"activities":[],"checkpoints":[]}],"updatedAt":"x"}"#
            )
        )
        let reports = try await executor(transport).observe(threadIDs: ["afk-acme~widgets-i7-r1"])
        #expect(reports["afk-acme~widgets-i7-r1"] != nil)
        #expect(
            await transport.requests.map(\.url.path) == ["/api/orchestration/snapshot", "/.well-known/t3/environment"]
        )
    }

    @Test func newServersAreReadThreadByThread() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "/.well-known/t3/environment",
            json(200, #"{"environmentId":"e","label":"l","platform":{},"serverVersion":"0.0.33","capabilities":{}}"#)
        )
        await transport.on("GET", "/api/orchestration/snapshot", try Fixture.ok("t3-snapshot-0.0.32"))
        let full =
            #"{"id":"afk-acme~widgets-i7-r1","projectId":"afk-acme~widgets","createdAt":"x","deletedAt":null,"latestTurn":{"turnId":"t","state":"running"},"session":{"status":"running","activeTurnId":"t","lastError":null},"activities":[{"id":"a","tone":"error","kind":"provider.turn.start.failed","summary":"failed","payload":{"detail":"quota"},"turnId":null,"createdAt":"x"}]}"#
        await transport.on("GET", "/api/orchestration/threads/afk-acme~widgets-i7-r1", json(200, full))
        let reports = try await executor(transport).observe(threadIDs: ["afk-acme~widgets-i7-r1"])
        #expect(reports["afk-acme~widgets-i7-r1"]?.state == .running)
        #expect(reports["afk-acme~widgets-i7-r1"]?.turn == .latest("t"))
        #expect(reports["afk-acme~widgets-i7-r1"]?.turnStartFailure == "quota")
        #expect(
            await transport.requests.map(\.url.path) == [
                "/api/orchestration/snapshot", "/.well-known/t3/environment",
                "/api/orchestration/threads/afk-acme~widgets-i7-r1",
            ]
        )
    }

    @Test func correctiveTurnsUseTheNextDeterministicCommand() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "/api/orchestration/dispatch", json(200, #"{"sequence":12}"#))
        _ = try await executor(transport)
            .startTurn(
                threadID: "afk-acme~widgets-i7-r1",
                identity: RunIdentity(
                    issue: IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7),
                    run: 1
                ),
                turn: 2,
                text: "CI is red",
                createdAt: "2026-11-23T10:00:00Z"
            )
        let body = try #require(await transport.requests.first?.jsonBody)
        #expect(body["type"] as? String == "thread.turn.start")
        #expect(body["commandId"] as? String == "afk-acme~widgets-i7-r1-turn2")
        #expect((body["message"] as? [String: Any])?["messageId"] as? String == "afk-acme~widgets-i7-r1-msg2")
    }
}
