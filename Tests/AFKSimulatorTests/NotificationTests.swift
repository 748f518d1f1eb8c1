import AFKSimulator
import Foundation
import Testing

@Suite struct NotificationTests {
    func ntfy(_ sim: Simulator, _ topic: String, headers: [String: String] = [:], body: String, query: String = "")
        async throws -> Reply
    {
        let url = try #require(URL(string: await sim.ntfyURL.absoluteString + "/" + topic + query))
        return try await HTTP.send("POST", url, headers: headers, body: Data(body.utf8))
    }

    func slack(_ sim: Simulator, _ hook: String, body: String) async throws -> Reply {
        try await HTTP.send(
            "POST",
            await sim.slackWebhookURL(hook),
            headers: ["Content-Type": "application/json"],
            body: Data(body.utf8)
        )
    }

    @Test func ntfyPublishRecordsAndAnswersTheMessage() async throws {
        try await withSimulator(Scenario()) { sim in
            let reply = try await ntfy(
                sim,
                "afk-demo",
                headers: [
                    "Title": "acme/widgets#1 is done", "Priority": "high", "Tags": "white_check_mark, afk",
                    "Click": "https://github.com/acme/widgets/issues/1", "Markdown": "yes",
                ],
                body: "Add CSV export\nClosed by abc1234"
            )
            #expect(reply.status == 200)
            let json = try #require(reply.json)
            #expect(json["event"]?.stringValue == "message")
            #expect(json["topic"]?.stringValue == "afk-demo")
            #expect(json["title"]?.stringValue == "acme/widgets#1 is done")
            #expect(json["message"]?.stringValue == "Add CSV export\nClosed by abc1234")
            #expect(json["priority"]?.intValue == 4)
            #expect(json["tags"] == .array([.string("white_check_mark"), .string("afk")]))
            #expect(json["click"]?.stringValue == "https://github.com/acme/widgets/issues/1")
            #expect(json["id"]?.stringValue?.count == 12)
            let time = try #require(json["time"]?.intValue)
            #expect(json["expires"]?.intValue ?? 0 > time)

            // Short aliases and query parameters; no priority → the key is omitted.
            let short = try await ntfy(sim, "afk-demo", headers: ["t": "Short", "ta": "a"], body: "")
            #expect(short.json?["title"]?.stringValue == "Short")
            #expect(short.json?["message"]?.stringValue == "triggered")
            #expect(short.json?.has("priority") == false)
            let viaQuery = try await ntfy(sim, "afk-demo", body: "q", query: "?title=Q&p=urgent")
            #expect(viaQuery.json?["priority"]?.intValue == 5)

            let bad = try await ntfy(sim, "afk-demo", headers: ["X-Priority": "loud"], body: "x")
            #expect(bad.status == 400)
            #expect(
                bad.json
                    == .obj([
                        "code": .int(40007), "http": .int(400), "error": .string("invalid priority"),
                        "link": .string("https://ntfy.sh/docs/publish/#message-priority"),
                    ])
            )

            let delivered = await sim.notifications()
            #expect(delivered.count == 3)
            let first = try #require(delivered.first)
            #expect(first.sink == "ntfy" && first.topic == "afk-demo")
            #expect(first.title == "acme/widgets#1 is done")
            #expect(first.priority == 4)
            #expect(first.tags == ["white_check_mark", "afk"])
            #expect(first.markdown)
            #expect(first.hadAuthorization == false)
            #expect(delivered[1].priority == nil)

            let log = await sim.requests()
            #expect(log.allSatisfy { $0.service == .ntfy })
            #expect(log.first?.path == "/afk-demo")
        }
    }

    @Test func ntfyTokensAreChecked() async throws {
        try await withSimulator(Scenario(ntfy: NtfyScenario(tokens: ["tk_good"]))) { sim in
            let anonymous = try await ntfy(sim, "alerts", body: "x")
            #expect(anonymous.status == 403)
            #expect(anonymous.json?["code"]?.intValue == 40301)
            let wrong = try await ntfy(sim, "alerts", headers: ["Authorization": "Bearer tk_bad"], body: "x")
            #expect(wrong.status == 401)
            #expect(wrong.json?["code"]?.intValue == 40101)
            #expect(wrong.json?["error"]?.stringValue == "unauthorized")
            let good = try await ntfy(sim, "alerts", headers: ["Authorization": "Bearer tk_good"], body: "x")
            #expect(good.status == 200)
            let basic = Data(":tk_good".utf8).base64EncodedString()
            #expect(
                try await ntfy(sim, "alerts", headers: ["Authorization": "Basic \(basic)"], body: "y").status == 200
            )
            let delivered = await sim.notifications()
            #expect(delivered.map(\.hadAuthorization) == [true, true])
            // The token never reaches the records.
            let control = try await HTTP.send("GET", sim.control("/notifications"))
            #expect(!control.text.contains("tk_good"))
            #expect(!(try await HTTP.send("GET", sim.control("/requests")).text.contains("tk_good")))
            #expect(control.json?.arrayValue?.count == 2)
        }
    }

    @Test func slackWebhook() async throws {
        try await withSimulator(Scenario(slack: SlackScenario(hooks: ["/services/TDEMO/BDEMO/demo"]))) { sim in
            let ok = try await slack(sim, "TDEMO/BDEMO/demo", body: #"{"text":"*acme/widgets#1* is done"}"#)
            #expect(ok.status == 200)
            #expect(ok.text == "ok")
            #expect(ok.header("Content-Type")?.hasPrefix("text/plain") == true)
            let empty = try await slack(sim, "TDEMO/BDEMO/demo", body: #"{"text":"  "}"#)
            #expect(empty.status == 400 && empty.text == "invalid_payload")
            let missing = try await slack(sim, "TDEMO/BDEMO/demo", body: #"{"username":"afk"}"#)
            #expect(missing.status == 400 && missing.text == "invalid_payload")
            let garbage = try await slack(sim, "TDEMO/BDEMO/demo", body: "not json")
            #expect(garbage.status == 400 && garbage.text == "invalid_payload")
            let unknown = try await slack(sim, "TX/BX/nope", body: #"{"text":"hi"}"#)
            #expect(unknown.status == 404 && unknown.text == "no_service")

            // A doorbell that fails once.
            await sim.inject(Fault(service: .slack, status: 500, body: "rollup_error"))
            let failed = try await slack(sim, "TDEMO/BDEMO/demo", body: #"{"text":"again"}"#)
            #expect(failed.status == 500 && failed.text == "rollup_error")
            #expect(try await slack(sim, "TDEMO/BDEMO/demo", body: #"{"text":"again"}"#).status == 200)

            let delivered = await sim.notifications()
            #expect(delivered.map(\.message) == ["*acme/widgets#1* is done", "again"])
            #expect(delivered.allSatisfy { $0.sink == "slack" && $0.path == "TDEMO/BDEMO/demo" })
            let log = await sim.requests()
            #expect(log.allSatisfy { $0.service == .slack })
            #expect(log.filter(\.faulted).count == 1)
        }
    }

    @Test func ntfyFaultAndGlobalFaultsSkipSinks() async throws {
        try await withSimulator(Scenario()) { sim in
            // A service-less fault targets GitHub and T3 only, never a doorbell.
            await sim.inject(Fault(status: 503))
            #expect(try await ntfy(sim, "t", body: "a").status == 200)
            await sim.clearFaults()
            await sim.inject(
                Fault(
                    service: .ntfy,
                    method: "POST",
                    status: 429,
                    body: #"{"code":42901,"http":429,"error":"limit reached: too many requests"}"#
                )
            )
            let limited = try await ntfy(sim, "t", body: "b")
            #expect(limited.status == 429)
            #expect(limited.json?["code"]?.intValue == 42901)
            #expect(try await ntfy(sim, "t", body: "c").status == 200)
            #expect(await sim.notifications().map(\.message) == ["a", "c"])
            await sim.clearNotifications()
            #expect(await sim.notifications().isEmpty)
        }
    }
}
