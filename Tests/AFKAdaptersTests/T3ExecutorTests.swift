import AFKAdapters
import AFKTesting
import AFKCore
import Foundation
import Testing

struct T3ExecutorTests {
    let repo = RepoRef(owner: "acme", name: "widgets")
    let settings = T3Executor.Settings(
        workspaceRoot: "/srv/afk/",
        providerInstance: "claudeAgent",
        model: "claude-sonnet-4-6",
        runtimeMode: "full-access"
    )

    func executor(_ transport: ScriptedTransport) -> T3Executor {
        T3Executor(
            baseURL: URL(string: "http://t3.test:3773")!,
            token: "t3-secret",
            settings: settings,
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 5),
            logger: quietLogger,
            sleep: { _ in }
        )
    }

    func request(issue: Int = 7, run: Int = 1) -> DispatchRequest {
        DispatchRequest(
            identity: RunIdentity(issue: IssueRef(repo: repo, number: issue), run: run),
            title: "acme/widgets#7: Add a widget cache",
            prompt: "Implement acme/widgets#7",
            createdAt: "2026-11-23T01:00:00Z"
        )
    }

    @Test(arguments: ["t3-snapshot-0.0.27", "t3-snapshot-0.0.32"])
    func existingRunsComeFromLiveThreadsOfTheRepoProject(fixture: String) async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/orchestration/snapshot", try Fixture.ok(fixture))
        let runs = try await executor(transport).existingRuns(in: repo)
        // Deleted (#5), hand-made and other-project threads are not runs of this repo.
        #expect(runs.keys.map(\.description) == ["acme/widgets#7 run 1"])
        let run = try #require(runs.values.first)
        #expect(run.threadID == "afk-acme~widgets-i7-r1")
        #expect(run.turnStarted)
        #expect(await transport.requests.first?.headers["Authorization"] == "Bearer t3-secret")
    }

    @Test func dispatchCreatesTheProjectWhenAbsentThenThreadThenTurn() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            "/api/orchestration/snapshot",
            json(200, #"{"snapshotSequence":0,"projects":[],"threads":[],"updatedAt":"x"}"#)
        )
        await transport.on("POST", "/api/orchestration/dispatch", json(200, #"{"sequence":1}"#))
        let run = try await executor(transport).dispatch(request())
        #expect(run.threadID == "afk-acme~widgets-i7-r1")
        let posts = await transport.requests.filter { $0.method == "POST" }.compactMap(\.jsonBody)
        #expect(posts.map { $0["type"] as? String } == ["project.create", "thread.create", "thread.turn.start"])

        let project = posts[0]
        #expect(project["commandId"] as? String == "afk-acme~widgets-create")
        #expect(project["projectId"] as? String == "afk-acme~widgets")
        #expect(project["workspaceRoot"] as? String == "/srv/afk/acme/widgets")
        #expect(project["createWorkspaceRootIfMissing"] as? Bool == true)
        #expect(project["createdAt"] as? String == "2026-11-23T01:00:00Z")

        let thread = posts[1]
        #expect(thread["commandId"] as? String == "afk-acme~widgets-i7-r1-create")
        #expect(thread["threadId"] as? String == "afk-acme~widgets-i7-r1")
        #expect(thread["runtimeMode"] as? String == "full-access")
        #expect(thread["interactionMode"] as? String == "default")
        // NullOr keys must be present with null values (T3's `packages/contracts/src/orchestration.ts`).
        #expect(thread.keys.contains("branch") && thread["branch"] is NSNull)
        #expect(thread.keys.contains("worktreePath") && thread["worktreePath"] is NSNull)
        let model = try #require(thread["modelSelection"] as? [String: Any])
        #expect(model["instanceId"] as? String == "claudeAgent")
        #expect(model["model"] as? String == "claude-sonnet-4-6")

        let turn = posts[2]
        #expect(turn["commandId"] as? String == "afk-acme~widgets-i7-r1-turn1")
        let message = try #require(turn["message"] as? [String: Any])
        #expect(message["messageId"] as? String == "afk-acme~widgets-i7-r1-msg1")
        #expect(message["role"] as? String == "user")
        #expect(message["text"] as? String == "Implement acme/widgets#7")
        #expect((message["attachments"] as? [Any])?.isEmpty == true)
        #expect(turn["runtimeMode"] as? String == "full-access")
        #expect(turn["interactionMode"] as? String == "default")
    }

    @Test func anExistingProjectIsNotCreatedAgain() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/orchestration/snapshot", try Fixture.ok("t3-snapshot-0.0.27"))
        await transport.on("POST", "/api/orchestration/dispatch", json(200, #"{"sequence":5}"#))
        _ = try await executor(transport).dispatch(request(issue: 8))
        let types = await transport.requests.compactMap { $0.jsonBody?["type"] as? String }
        #expect(types == ["thread.create", "thread.turn.start"])
    }

    @Test func aRejectedCreateOfAThreadThatExistsCarriesOn() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/orchestration/snapshot", try Fixture.ok("t3-snapshot-0.0.27"))
        let rejected = json(
            500,
            #"{"_tag":"EnvironmentInternalError","code":"internal_error","reason":"orchestration_dispatch_failed","traceId":"t"}"#
        )
        await transport.on("POST", "/api/orchestration/dispatch", rejected, json(200, #"{"sequence":9}"#))
        // Thread afk-acme~widgets-i7-r1 is in the snapshot: the 500 means "already exists".
        _ = try await executor(transport).dispatch(request(issue: 7))
        let types = await transport.requests.compactMap { $0.jsonBody?["type"] as? String }
        #expect(types == ["thread.create", "thread.turn.start"])
    }

    @Test func aRejectedCreateOfAMissingThreadFails() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/orchestration/snapshot", try Fixture.ok("t3-snapshot-0.0.27"))
        await transport.on(
            "POST",
            "/api/orchestration/dispatch",
            json(
                500,
                #"{"_tag":"EnvironmentInternalError","code":"internal_error","reason":"orchestration_dispatch_failed","traceId":"t"}"#
            )
        )
        await #expect(throws: ServiceError.self) { _ = try await executor(transport).dispatch(request(issue: 8)) }
        let types = await transport.requests.compactMap { $0.jsonBody?["type"] as? String }
        #expect(types == ["thread.create"])  // no turn on a thread that does not exist
    }

    @Test func anEmptyBodied400IsReportedAsAShapeError() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/orchestration/snapshot", try Fixture.ok("t3-snapshot-0.0.27"))
        await transport.on("POST", "/api/orchestration/dispatch", ServiceResponse(status: 400))
        do {
            _ = try await executor(transport).dispatch(request(issue: 8))
            Issue.record("expected a failure")
        } catch {
            #expect(error.message.contains("shape"))
        }
    }

    @Test func insufficientScopeNamesTheService() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/orchestration/snapshot", try Fixture.ok("t3-snapshot-0.0.27"))
        await transport.on(
            "POST",
            "/api/orchestration/dispatch",
            json(
                403,
                #"{"_tag":"EnvironmentScopeRequiredError","code":"insufficient_scope","requiredScope":"orchestration:operate","traceId":"t"}"#
            )
        )
        do {
            _ = try await executor(transport).dispatch(request(issue: 8))
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .forbidden)
            #expect(error.description.hasPrefix("T3:"))
            #expect(error.message.contains("orchestration:operate"))
        }
    }
}
