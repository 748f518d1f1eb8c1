@testable import AFKAdapters
import AFKTesting
import AFKCore
import Foundation
import Testing

/// What real T3 servers send that a decoder written from the contracts' happy path did not
/// survive: arbitrary JSON in `activity.payload` (`runtime.warning` copies the provider's
/// `detail` as is), failures that belong to other turns, and a sent turn that has not started.
/// Activities are those of T3's `ProviderRuntimeIngestion.ts` / `ProviderCommandReactor.ts`
/// (https://github.com/pingdotgg/t3code).
struct T3RealPayloadTests {
    func executor(_ transport: ScriptedTransport, runtimeMode: String = "full-access") -> T3Executor {
        T3Executor(
            baseURL: URL(string: "http://t3.test")!,
            token: "t",
            settings: .init(
                workspaceRoot: "/srv",
                providerInstance: "claudeAgent",
                model: "m",
                runtimeMode: runtimeMode
            ),
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 0),
            logger: quietLogger,
            sleep: { _ in }
        )
    }

    func environment(_ version: String) -> ServiceResponse {
        json(
            200,
            #"{"environmentId":"e","label":"l","platform":{"os":"linux","arch":"x64"},"serverVersion":"\#(version)","capabilities":{}}"#
        )
    }

    static let ids = (1...5).map { "afk-acme~widgets-i\($0)-r1" }

    /// One snapshot with object and array `payload.detail`s, an unreadable thread, a kind-less
    /// activity: every other thread is read, and each run gets its own answer.
    @Test func oneStrangeThreadIsNeverAnOutageForTheOthers() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/.well-known/t3/environment", environment("0.0.31"))
        await transport.on("GET", "/api/orchestration/snapshot", try Fixture.ok("t3-snapshot-real-activities"))
        let reports = try await executor(transport).observe(threadIDs: Self.ids)
        #expect(reports[Self.ids[0]]?.state == .running)  // warnings with object and array details
        #expect(reports[Self.ids[0]]?.turn == .latest("019a3c1f-0a44-7e02-8c6b-91d2f4e3b7c5"))
        guard case .unknown(let why)? = reports[Self.ids[1]]?.state else {
            Issue.record("an unreadable thread must be unknown, got \(String(describing: reports[Self.ids[1]]))")
            return
        }
        #expect(why.contains(Self.ids[1]) && why.contains("session"), "\(why)")
        #expect(reports[Self.ids[2]]?.state == .finished)  // a stale approval reply failing is no error
        #expect(reports[Self.ids[2]]?.turnStartFailure == nil)  // the old start failure predates turn-3b
        #expect(
            reports[Self.ids[3]]?.turnStartFailure
                == "Requested provider instance 'claude-work' is not configured in this build."
        )
        #expect(reports[Self.ids[4]]?.state == .running)  // the activity without a kind is skipped
    }

    @Test func aPayloadDetailOfAnyShapeIsReadAsText() throws {
        let activities = #"""
            [{"kind":"provider.turn.interrupt.failed","payload":{"detail":{"code":7,"why":["a","b"]}},"turnId":"t1"},
             {"kind":"provider.turn.interrupt.failed","payload":{"detail":"plain"},"turnId":"t1"},
             {"kind":"provider.turn.interrupt.failed","payload":["not","an","object"],"turnId":"t1"},
             {"kind":"provider.turn.interrupt.failed","payload":null,"summary":"Interrupt failed","turnId":"t1"}]
            """#
        let decoded = try JSONDecoder().decode([T3.Activity].self, from: Data(activities.utf8))
        #expect(decoded.map(\.detail) == [#"{"code":7,"why":["a","b"]}"#, "plain", nil, nil])
        #expect(decoded.map(\.requestId) == [nil, nil, nil, nil])
    }

    /// On T3 ≥ 0.0.32 each thread comes from `/threads/:id`: when that read fails the run is
    /// unknown, with that read's own error (not a fallback decoder's), and the other runs are read.
    @Test func aFailedPerThreadReadIsUnknownForThatRunAloneWithItsOwnError() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/.well-known/t3/environment", environment("0.0.33"))
        let light = #"""
            {"snapshotSequence":9,"projects":[],"threads":[
             {"id":"afk-acme~widgets-i1-r1","projectId":"afk-acme~widgets","deletedAt":null,"latestTurn":{"turnId":"t1","state":"running"},"session":{"status":"running","activeTurnId":"t1","lastError":null},"activities":[]},
             {"id":"afk-acme~widgets-i2-r1","projectId":"afk-acme~widgets","deletedAt":null,"latestTurn":{"turnId":"t2","state":"running"},"session":{"status":"running","activeTurnId":"t2","lastError":null},"activities":[]},
             {"id":"afk-acme~widgets-i3-r1","projectId":"afk-acme~widgets","deletedAt":null,"latestTurn":{"turnId":"t3","state":"running"},"session":{"status":"running","activeTurnId":"t3","lastError":null},"activities":[]}]}
            """#
        await transport.on("GET", "/api/orchestration/snapshot", json(200, light))
        await transport.on(
            "GET",
            "/api/orchestration/threads/afk-acme~widgets-i1-r1",
            json(
                200,
                #"{"snapshotSequence":9,"thread":{"id":"afk-acme~widgets-i1-r1","latestTurn":{"turnId":"t1"},"session":null}}"#
            )
        )
        await transport.on(
            "GET",
            "/api/orchestration/threads/afk-acme~widgets-i2-r1",
            json(503, "upstream connect error")
        )
        await transport.on(
            "GET",
            "/api/orchestration/threads/afk-acme~widgets-i3-r1",
            json(
                200,
                #"{"snapshotSequence":9,"thread":{"id":"afk-acme~widgets-i3-r1","latestTurn":{"turnId":"t3","state":"completed","requestedAt":"2026-08-12T10:00:00.000Z"},"session":{"status":"ready","activeTurnId":null,"lastError":null},"activities":[]}}"#
            )
        )
        let reports = try await executor(transport).observe(threadIDs: Array(Self.ids.prefix(3)))
        guard case .unknown(let first)? = reports[Self.ids[0]]?.state,
            case .unknown(let second)? = reports[Self.ids[1]]?.state
        else {
            Issue.record("both failed reads must be unknown: \(reports)")
            return
        }
        #expect(first.contains("missing field thread.latestTurn.state"), "the wrapper's own error: \(first)")
        #expect(second.contains("503"), "\(second)")
        #expect(reports[Self.ids[2]]?.state == .finished)
    }

    /// `runtime_mode: auto` exists from T3 0.0.29 only: before anything is sent it is a
    /// configuration problem, not a bare 400.
    @Test(arguments: [
        ("0.0.27", false), ("0.0.28", false), ("0.0.29", true), ("v0.0.29-nightly.20260723.882", true),
        ("0.0.33", true),
    ])
    func runtimeModeAutoNeedsT3AtLeast0029(version: String, accepted: Bool) async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/.well-known/t3/environment", environment(version))
        let executor = executor(transport, runtimeMode: "auto")
        if accepted {
            try await executor.preflight()
        } else {
            let error = await #expect(throws: ServiceError.self) { try await executor.preflight() }
            #expect(error?.kind == .misconfigured)
            #expect(
                error?.message.contains("executor.runtime_mode is auto, which T3 accepts from 0.0.29") == true,
                "\(error?.message ?? "")"
            )
            let dispatch = await #expect(throws: ServiceError.self) {
                try await executor.dispatch(
                    DispatchRequest(
                        identity: RunIdentity(
                            issue: IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 1),
                            run: 1
                        ),
                        title: "t",
                        prompt: "p",
                        createdAt: "2026-08-12T10:00:00Z"
                    )
                )
            }
            #expect(dispatch?.kind == .misconfigured)
            #expect(await transport.requests.allSatisfy { $0.method == "GET" }, "nothing sent to an old server")
        }
        // Other modes ask nothing of the version.
        let other = ScriptedTransport()
        try await self.executor(other, runtimeMode: "full-access").preflight()
        #expect(await other.requests.isEmpty)
    }
}
