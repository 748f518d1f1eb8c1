import AFKSimulator
import Foundation
import Testing

@Suite struct FaultAndLogTests {
    @Test func secondaryRateLimitFaultThenRecovery() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            await sim.inject(.githubSecondaryRateLimit(method: "GET", pathContains: "/issues", retryAfter: 7))
            let limited = try await HTTP.send("GET", sim.gh("/repos/acme/widgets/issues"), token: Fixtures.botToken)
            #expect(limited.status == 403)
            #expect(limited.header("Retry-After") == "7")
            #expect(
                limited.json?["message"]?.stringValue?.hasPrefix("You have exceeded a secondary rate limit") == true
            )
            #expect(limited.header("x-ratelimit-limit") == "5000")
            let ok = try await HTTP.send("GET", sim.gh("/repos/acme/widgets/issues"), token: Fixtures.botToken)
            #expect(ok.status == 200)
            let log = await sim.requests()
            #expect(log.map(\.status) == [403, 200])
            #expect(log.map(\.faulted) == [true, false])
            #expect(await sim.pendingFaults().isEmpty)
        }
    }

    @Test func faultWithoutApplyDoesNotMutateAndApplyAfterDelayDoes() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            await sim.inject(
                Fault(
                    service: .github,
                    method: "POST",
                    pathContains: "/repos/acme/widgets/issues/*/comments",
                    status: 502,
                    body: "bad gateway"
                )
            )
            let lost = try await HTTP.send(
                "POST",
                sim.gh("/repos/acme/widgets/issues/1/comments"),
                token: Fixtures.botToken,
                body: #"{"body":"one"}"#
            )
            #expect(lost.status == 502)
            #expect(await sim.issue("acme", "widgets", 1)?.comments.count == 1)

            await sim.inject(
                Fault(method: "POST", pathContains: "comments", status: 504, delaySeconds: 0.2, applyAfterDelay: true)
            )
            let start = Date()
            let applied = try await HTTP.send(
                "POST",
                sim.gh("/repos/acme/widgets/issues/1/comments"),
                token: Fixtures.botToken,
                body: #"{"body":"two"}"#
            )
            #expect(applied.status == 504)
            #expect(Date().timeIntervalSince(start) >= 0.2)
            #expect(await sim.issue("acme", "widgets", 1)?.comments.map(\.body) == ["hi", "two"])

            // A T3 dispatch whose effect lands but whose answer is lost: the replay returns the original sequence.
            await sim.inject(
                Fault(service: .t3, pathContains: "/api/orchestration/dispatch", status: 503, applyAfterDelay: true)
            )
            let body = T3OrchestrationTests.projectCreate("c1")
            let first = try await HTTP.send(
                "POST",
                sim.t3("/api/orchestration/dispatch"),
                token: Fixtures.t3Token,
                body: body
            )
            #expect(first.status == 503)
            let replay = try await HTTP.send(
                "POST",
                sim.t3("/api/orchestration/dispatch"),
                token: Fixtures.t3Token,
                body: body
            )
            #expect(replay.json == .obj(["sequence": .int(1)]))
        }
    }

    @Test func requestLogRecordsEverythingButTokens() async throws {
        try await withSimulator(try Fixtures.sample) { sim in
            _ = try await HTTP.send(
                "GET",
                sim.gh("/repos/acme/widgets/issues?labels=priority%3A1&per_page=5"),
                token: Fixtures.botToken
            )
            _ = try await HTTP.send("GET", sim.gh("/repos/acme/widgets/issues"))
            _ = try await HTTP.send("POST", sim.t3("/api/orchestration/dispatch"), token: Fixtures.t3Token, body: "{}")
            let log = await sim.requests()
            #expect(log.count == 3)
            #expect(log[0].service == .github && log[0].path == "/repos/acme/widgets/issues" && log[0].method == "GET")
            #expect(log[0].query == ["labels": "priority:1", "per_page": "5"])
            #expect(log[0].hadAuthorization && log[0].status == 200)
            #expect(!log[1].hadAuthorization && log[1].status == 401)
            #expect(
                log[2].service == .t3 && log[2].path == "/api/orchestration/dispatch" && log[2].body == "{}"
                    && log[2].status == 400
            )
            let encoded = String(decoding: try JSONEncoder().encode(log), as: UTF8.self)
            #expect(!encoded.contains(Fixtures.botToken) && !encoded.contains(Fixtures.t3Token))
            await sim.clearRequests()
            #expect(await sim.requests().isEmpty)
        }
    }

    @Test func controlEndpoints() async throws {
        try await withSimulator(Scenario()) { sim in
            let injected = try await HTTP.send(
                "POST",
                sim.control("/faults"),
                body: #"[{"service":"github","status":429,"headers":{"Retry-After":"1"},"times":2}]"#
            )
            #expect(injected.status == 201)
            #expect(await sim.pendingFaults().first?.times == 2)

            let load = try await HTTP.send("POST", sim.control("/scenario"), body: Fixtures.sampleJSON)
            #expect(load.status == 200)
            #expect(await sim.issue("acme", "widgets", 5)?.labels == ["area/ui", "ready-for-agent"])

            let state = try await HTTP.send("GET", sim.control("/state"))
            let dumped = try Scenario.decode(fromJSON: state.body)
            #expect(dumped.github.repos.count == 2)
            #expect(dumped == (await sim.currentScenario()))

            let log = try await HTTP.send("GET", sim.control("/requests"))
            #expect(log.json?.arrayValue?.first?["service"]?.stringValue == "sim")
            #expect(try await HTTP.send("DELETE", sim.control("/requests")).status == 204)
            #expect(await sim.requests().isEmpty)  // the DELETE clears its own entry too
        }
    }

    @Test func scenarioRoundTripsThroughJSON() throws {
        let scenario = try Fixtures.sample
        let again = try Scenario.decode(fromJSON: scenario.encodedJSON())
        #expect(again == scenario)
        let issue = try #require(scenario.github.repos.first?.issues.first)
        #expect(issue.blockedBy == [SimIssueRef(number: 3), SimIssueRef(owner: "acme", repo: "gadgets", number: 4)])
        #expect(issue.events[2].actor == nil)
        #expect(scenario.t3.tokens["t3-secret"] == ["orchestration:read", "orchestration:operate"])
        #expect(scenario.github.tokens["ghp_admin"] == "alice")  // dictionary keys are not case-converted
        let demo = try Scenario.decode(fromJSON: Scenario.demo.encodedJSON())
        #expect(demo == Scenario.demo)
    }
}
