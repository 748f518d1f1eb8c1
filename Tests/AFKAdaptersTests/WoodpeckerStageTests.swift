import AFKAdapters
import AFKCore
import AFKTesting
import Foundation
import Testing

/// The Woodpecker deploy stage on recorded-shape payloads (https://woodpecker-ci.org/api, woodpecker-swagger.json).
struct WoodpeckerStageTests {
    let repo = RepoRef(owner: "acme", name: "widgets")
    static let shaA = "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"  // #15 running (push)
    static let shaB = "e9d71f5ee7c92d6dc9e92ffdad17b8bd49418f98"  // #14 success (deployment), #13 failure (push)
    static let shaC = "84a516841ba77a5b4648de2cd0dfcb30ea46dbb4"  // #12 success (pull_request), #11 killed (push)
    static let shaDeep = "3dde59ff3d79fc2322f4192f74c1d1af30d32cc6"  // #48 error, on page 2
    static let firstPage = "page=1&perPage=50"

    func stage(_ transport: ScriptedTransport, _ configure: (inout WoodpeckerSettings) -> Void = { _ in })
        -> WoodpeckerStage
    {
        var settings = WoodpeckerSettings(baseURL: URL(string: "https://ci.example.test")!, token: "wp_secret_token")
        configure(&settings)
        return WoodpeckerStage(
            settings: settings,
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 5),
            logger: quietLogger,
            sleep: { _ in }
        )
    }

    func scripted(pipelines: String = "woodpecker-pipelines") async throws -> ScriptedTransport {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/repos/lookup/acme/widgets", try Fixture.ok("woodpecker-repo"))
        await transport.on("GET", "/api/repos/7/pipelines", try Fixture.ok(pipelines))
        return transport
    }

    @Test func looksUpTheRepoOnceThenReadsTheNewestPipelineOfTheCommit() async throws {
        let transport = try await scripted()
        let wp = stage(transport)
        #expect(try await wp.read(sha: Self.shaA, in: repo) == .pending("pipeline #15 running"))
        // Newest first: #14 (success) beats #13 (failure) for the same commit.
        #expect(try await wp.read(sha: Self.shaB, in: repo) == .green("pipeline #14 success"))
        let requests = await transport.requests
        #expect(
            requests.map(\.url.path) == [
                "/api/repos/lookup/acme/widgets", "/api/repos/7/pipelines", "/api/repos/7/pipelines",
            ]
        )
        #expect(requests.allSatisfy { $0.method == "GET" && $0.headers["Authorization"] == "Bearer wp_secret_token" })
        #expect(requests[1].query == ["page": "1", "perPage": "50"])  // no branch= unless configured
    }

    @Test func commitsMatchCaseInsensitively() async throws {
        let transport = try await scripted()
        #expect(
            try await stage(transport).read(sha: Self.shaA.uppercased(), in: repo) == .pending("pipeline #15 running")
        )
    }

    @Test func eventsFilterIsClientSide() async throws {
        let transport = try await scripted()
        let pushOnly = stage(transport) { $0.events = ["push"] }
        #expect(
            try await pushOnly.read(sha: Self.shaB, in: repo) == .red(failing: ["woodpecker pipeline #13 (failure)"])
        )
        let deployments = stage(transport) { $0.events = ["Deployment"] }
        #expect(try await deployments.read(sha: Self.shaB, in: repo) == .green("pipeline #14 success"))
        #expect(
            try await deployments.read(sha: Self.shaA, in: repo) == .pending("no Woodpecker pipeline for 86f7e43 yet")
        )
        #expect(
            await transport.requests.filter { $0.url.path.hasSuffix("/pipelines") }
                .allSatisfy { $0.query["event"] == nil }
        )
    }

    @Test func branchIsSentOnlyWhenSet() async throws {
        let transport = try await scripted()
        _ = try await stage(transport) { $0.branch = "main" }.read(sha: Self.shaC, in: repo)
        let request = try #require(await transport.requests.last)
        #expect(request.query == ["page": "1", "perPage": "50", "branch": "main"])
    }

    @Test func noPipelineForTheCommitYetIsPending() async throws {
        let transport = try await scripted()
        let reading = try await stage(transport).read(sha: String(repeating: "f", count: 40), in: repo)
        #expect(reading == .pending("no Woodpecker pipeline for fffffff yet"))
        // The page was short (5 < 50): no second page was asked for.
        #expect(await transport.requests.count == 2)
    }

    @Test func pagesUntilFoundAndStopsAtAShortPage() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/repos/lookup/acme/widgets", try Fixture.ok("woodpecker-repo"))
        await transport.on(
            "GET",
            "/api/repos/7/pipelines",
            query: Self.firstPage,
            try Fixture.ok("woodpecker-pipelines-page1")
        )
        await transport.on(
            "GET",
            "/api/repos/7/pipelines",
            query: "page=2&perPage=50",
            try Fixture.ok("woodpecker-pipelines-page2")
        )
        let wp = stage(transport)
        #expect(try await wp.read(sha: Self.shaDeep, in: repo) == .red(failing: ["woodpecker pipeline #48 (error)"]))
        #expect(
            try await wp.read(sha: String(repeating: "e", count: 40), in: repo)
                == .pending("no Woodpecker pipeline for eeeeeee yet")
        )
        let pages = await transport.requests.filter { $0.url.path == "/api/repos/7/pipelines" }.map { $0.query["page"] }
        #expect(pages == ["1", "2", "1", "2"])  // page 2 is short: no page 3
    }

    @Test func stopsAtThePageCap() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/repos/lookup/acme/widgets", try Fixture.ok("woodpecker-repo"))
        // always full
        await transport.on("GET", "/api/repos/7/pipelines", try Fixture.ok("woodpecker-pipelines-page1"))
        let reading = try await stage(transport) { $0.maxPages = 3 }.read(sha: Self.shaDeep, in: repo)
        #expect(reading == .pending("no Woodpecker pipeline for 3dde59f yet"))
        let pages = await transport.requests.filter { $0.url.path.hasSuffix("/pipelines") }.map { $0.query["page"] }
        #expect(pages == ["1", "2", "3"])
        #expect(WoodpeckerSettings(baseURL: URL(string: "https://x.test")!, token: "t").maxPages == 5)
    }

    /// Every `StatusValue` of the swagger enum, plus an unknown one.
    @Test(arguments: [
        ("success", "green"), ("failure", "red"), ("killed", "red"), ("error", "red"), ("declined", "red"),
        ("canceled", "red"),
        ("pending", "pending"), ("running", "pending"), ("blocked", "pending"), ("created", "pending"),
        ("skipped", "red"), ("exploded", "pending"),
    ])
    func statusValues(_ status: String, _ expected: String) async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/repos/lookup/acme/widgets", try Fixture.ok("woodpecker-repo"))
        await transport.on(
            "GET",
            "/api/repos/7/pipelines",
            json(
                200,
                """
                [{"id":9,"number":9,"event":"push","status":"\(status)","commit":"\(Self.shaA)","branch":"main","created":1763888000}]
                """
            )
        )
        let reading = try await stage(transport).read(sha: Self.shaA, in: repo)
        switch (reading, expected) {
        case (.green, "green"), (.pending, "pending"): break
        case (.red(let failing), "red"): #expect(failing == ["woodpecker pipeline #9 (\(status))"])
        default: Issue.record("\(status): expected \(expected), got \(reading)")
        }
    }

    @Test func skippedFollowsTheSetting() async throws {
        let body = #"[{"id":9,"number":9,"event":"push","status":"skipped","commit":"\#(Self.shaA)","branch":"main"}]"#
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/repos/lookup/acme/widgets", try Fixture.ok("woodpecker-repo"))
        await transport.on("GET", "/api/repos/7/pipelines", json(200, body))
        #expect(
            try await stage(transport) { $0.skipped = .success }.read(sha: Self.shaA, in: repo)
                == .green("pipeline #9 skipped")
        )
        #expect(
            try await stage(transport).read(sha: Self.shaA, in: repo)
                == .red(failing: ["woodpecker pipeline #9 (skipped)"])
        )
    }

    @Test func unknownRepositoryIsMisconfiguredAndNamesIt() async throws {
        let transport = ScriptedTransport()
        // Woodpecker: empty body
        await transport.on("GET", "/api/repos/lookup/deploys/widgets-prod", ServiceResponse(status: 404))
        let wp = stage(transport) { $0.repo = RepoRef(owner: "deploys", name: "widgets-prod") }
        let error = await #expect(throws: ServiceError.self) { try await wp.read(sha: Self.shaA, in: repo) }
        #expect(error?.kind == .misconfigured)
        #expect(error?.message.contains("deploys/widgets-prod") == true)
        #expect(error?.message.contains("woodpecker.repo") == true)
    }

    @Test func rejectedTokenIsBadCredentialsWithoutTheToken() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/repos/lookup/acme/widgets", ServiceResponse(status: 401))
        let error = await #expect(throws: ServiceError.self) {
            try await stage(transport).read(sha: Self.shaA, in: repo)
        }
        #expect(error?.kind == .badCredentials)
        #expect(error?.description.contains("wp_secret_token") == false)
        #expect(
            WoodpeckerSettings(baseURL: URL(string: "https://x.test")!, token: "wp_secret_token").description
                .contains("wp_secret") == false
        )
    }

    @Test func serverErrorsAreRetried() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/repos/lookup/acme/widgets", try Fixture.ok("woodpecker-repo"))
        await transport.on(
            "GET",
            "/api/repos/7/pipelines",
            ServiceResponse(status: 502),
            try Fixture.ok("woodpecker-pipelines")
        )
        #expect(try await stage(transport).read(sha: Self.shaA, in: repo) == .pending("pipeline #15 running"))
    }

    @Test func staleRepoIDIsLookedUpAgain() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/repos/lookup/acme/widgets", try Fixture.ok("woodpecker-repo"))
        await transport.on(
            "GET",
            "/api/repos/7/pipelines",
            ServiceResponse(status: 404),
            try Fixture.ok("woodpecker-pipelines")
        )
        let wp = stage(transport)
        let error = await #expect(throws: ServiceError.self) { try await wp.read(sha: Self.shaA, in: repo) }
        #expect(error?.kind == .misconfigured)
        #expect(try await wp.read(sha: Self.shaA, in: repo) == .pending("pipeline #15 running"))
        #expect(await transport.requests.filter { $0.url.path.contains("/lookup/") }.count == 2)
    }

    // MARK: Reading the stages in order

    /// A probe that answers from a fixed result and counts its calls.
    final class FixedProbe: StageProbe, @unchecked Sendable {
        let stage: DeployStage
        let serviceName = "Fixed"
        let result: Result<StageReading, ServiceError>
        private(set) var calls = 0
        init(_ stage: DeployStage, _ result: Result<StageReading, ServiceError>) {
            self.stage = stage
            self.result = result
        }
        func read(sha: String, in repo: RepoRef) async throws(ServiceError) -> StageReading {
            calls += 1
            return try result.get()
        }
    }

    @Test func stagesAreReadInOrderAndLaterOnesAreNotAskedOnceOneDecided() async throws {
        let sha = Self.shaA
        let greenBuild = FixedProbe(.build, .success(.green("")))
        // Deploy pending: rollout is not asked.
        let deploy = FixedProbe(.deploy, .success(.pending("pipeline #15 running")))
        let rollout = FixedProbe(.rollout, .success(.green("prod/web rolled out")))
        let outcomes = try await StageProbes.read(
            sha: sha,
            in: repo,
            stages: [(.build, greenBuild), (.deploy, deploy), (.rollout, rollout)]
        )
        #expect(
            DeployStages.summary(outcomes)
                == "build green · deploy pending (pipeline #15 running) · rollout not queried"
        )
        #expect(deploy.calls == 1 && rollout.calls == 0)
        // A red build: nothing else is asked; unobserved stages say so.
        let untouched = FixedProbe(.rollout, .success(.green("")))
        let redBuild = FixedProbe(.build, .success(.red(failing: ["lint (failure)"])))
        let red = try await StageProbes.read(
            sha: sha,
            in: repo,
            stages: [(.build, redBuild), (.deploy, nil), (.rollout, untouched)]
        )
        #expect(DeployStages.summary(red) == "build red (lint (failure)) · deploy unobserved · rollout not queried")
        #expect(DeployStages.verdict(red) == .red(failing: ["build: lint (failure)"]))
        #expect(untouched.calls == 0)
        // Could not ask: pending, never red; the error is handed over.
        let down = FixedProbe(
            .deploy,
            .failure(ServiceError(service: "Woodpecker", kind: .unavailable, message: "gave up"))
        )
        var errors: [DeployStage] = []
        let pending = try await StageProbes.read(
            sha: sha,
            in: repo,
            stages: [(.build, greenBuild), (.deploy, down), (.rollout, nil)]
        ) { stage, _ in
            errors.append(stage)
        }
        #expect(DeployStages.verdict(pending) == .pending)
        #expect(
            DeployStages.summary(pending)
                == "build green · deploy pending (could not ask Fixed: gave up) · rollout unobserved"
        )
        #expect(errors == [.deploy])
        // All green.
        let all = try await StageProbes.read(
            sha: sha,
            in: repo,
            stages: [
                (.build, greenBuild), (.deploy, FixedProbe(.deploy, .success(.green("pipeline #14 success")))),
                (.rollout, FixedProbe(.rollout, .success(.green("prod/web rolled out")))),
            ]
        )
        #expect(DeployStages.verdict(all) == .green)
        // The first stage is no special case: an unobserved build leaves the verdict to the others.
        let noBuild = try await StageProbes.read(
            sha: sha,
            in: repo,
            stages: [(.build, nil), (.deploy, FixedProbe(.deploy, .success(.green("#9")))), (.rollout, nil)]
        )
        #expect(DeployStages.summary(noBuild) == "build unobserved · deploy green (#9) · rollout unobserved")
    }

    // MARK: Swagger

    /// Every request the adapter builds is an operation of the Woodpecker API (the route table
    /// extracted from its swagger, base path `/api`: https://woodpecker-ci.org/api), with only
    /// documented query parameters and the `Authorization` header it declares.
    @Test func everyRequestIsInTheWoodpeckerSwagger() async throws {
        let table = try RouteTable.load(.woodpecker)
        #expect(table.basePath == "/api")
        let transport = ScriptedTransport()
        await transport.on("GET", "/api/repos/lookup/acme/widgets", try Fixture.ok("woodpecker-repo"))
        await transport.on(
            "GET",
            "/api/repos/7/pipelines",
            query: Self.firstPage + "&branch=main",
            try Fixture.ok("woodpecker-pipelines-page1")
        )
        await transport.on(
            "GET",
            "/api/repos/7/pipelines",
            query: "page=2&perPage=50&branch=main",
            try Fixture.ok("woodpecker-pipelines-page2")
        )
        _ = try await stage(transport) { $0.branch = "main" }.read(sha: Self.shaDeep, in: repo)
        let requests = await transport.requests
        #expect(requests.count == 3)
        for request in requests {
            #expect(
                table.problems(method: request.method, url: request.url).isEmpty,
                "\(request.method) \(request.url)"
            )
            let operation = try #require(
                table.operation(matching: request.method, path: String(request.url.path.dropFirst(4)))
            )
            #expect(operation.headerParameters.contains("Authorization"))
        }
    }
}
