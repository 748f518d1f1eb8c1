import AFKSimulator
import Foundation
import Testing

/// The simulated job runner and Claudomator speak their APIs' shapes (facts t3-and-job-runner §2,
/// claudomator.md), over real HTTP.
struct RunnerSimTests {
    static func scenario(maxQueue: Int = 100) throws -> Scenario {
        try Scenario.decode(fromJSON: Data("""
            { "github": { "repos": [{ "owner": "acme", "name": "widgets", "issues": [{"number": 1, "title": "x"}] }] },
              "jobs": { "tokens": ["rt"], "max_queue_depth": \(maxQueue), "scripts": {"acme/widgets#1": "push_green"} },
              "claudomator": { "scripts": {"acme/widgets#1": "budget_exceeded"} } }
            """.utf8))
    }

    static let execute = #"{"prompt":"Implement acme/widgets#1","agent":"afk-implementer","max_budget_usd":3,"timeout_seconds":60,"metadata":{"afk_run":"afk-acme~widgets-i1-r1","repo":"acme/widgets","issue":"1"}}"#

    @Test func theJobRunnerAuthenticatesValidatesQueuesAndProgresses() async throws {
        try await withSimulator(try Self.scenario(maxQueue: 1)) { sim in
            let base = await sim.jobsURL
            let health = try await HTTP.send("GET", base.appendingPathComponent("health"))
            #expect(health.status == 200)
            #expect(health.json?["capacity"]?.intValue == 10)
            let execute = base.appendingPathComponent("execute")
            #expect(try await HTTP.send("POST", execute, body: Self.execute).json == .obj(["detail": .string("Missing bearer token")]))
            #expect(try await HTTP.send("POST", execute, token: "nope", body: Self.execute).json == .obj(["detail": .string("Invalid token")]))
            let invalid = try await HTTP.send("POST", execute, token: "rt", body: #"{"prompt":"x"}"#)
            #expect(invalid.status == 422)
            #expect(invalid.json?["detail"]?.arrayValue?.first?["loc"] == .array([.string("body"), .string("agent")]))
            let accepted = try await HTTP.send("POST", execute, token: "rt", body: Self.execute)
            #expect(accepted.status == 202)
            #expect(accepted.json?["status"]?.stringValue == "queued")
            let id = try #require(accepted.json?["job_id"]?.stringValue)
            #expect(id.count == 12)
            let full = try await HTTP.send("POST", execute, token: "rt", body: Self.execute)
            #expect(full.status == 429)
            #expect(full.json == .obj(["detail": .string("Queue full")]))
            let job = base.appendingPathComponent("jobs/\(id)")
            var statuses: [String] = []
            for _ in 0..<3 { statuses.append(try await HTTP.send("GET", job, token: "rt").json?["status"]?.stringValue ?? "?") }
            #expect(statuses == ["running", "running", "completed"])
            #expect(await sim.commits("acme", "widgets", branch: nil).last?.message.contains("Closes #1") == true)
            #expect(try await HTTP.send("GET", base.appendingPathComponent("jobs/000000000000"), token: "rt").json
                == .obj(["detail": .string("Job not found")]))
        }
    }

    @Test func claudomatorCreatesRunsAndEndsATask() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let base = await sim.claudomatorURL
            let created = try await HTTP.send("POST", base.appendingPathComponent("api/tasks"), body: """
                {"name":"afk-acme~widgets-i1-r1","claude":{"model":"m","instructions":"do it","working_dir":"/srv/afk/acme/widgets","max_budget_usd":3},"timeout":"60s","priority":"normal","tags":["afk"]}
                """)
            #expect(created.status == 201)
            #expect(created.json?["state"]?.stringValue == "PENDING")
            let id = try #require(created.json?["id"]?.stringValue)
            #expect(try await HTTP.send("POST", base.appendingPathComponent("api/tasks/\(id)/run")).json?["state"]?.stringValue == "QUEUED")
            #expect(try await HTTP.send("POST", base.appendingPathComponent("api/tasks/\(id)/run")).status == 409)
            var states: [String] = []
            for _ in 0..<3 { states.append(try await HTTP.send("GET", base.appendingPathComponent("api/tasks/\(id)")).json?["state"]?.stringValue ?? "?") }
            #expect(states == ["RUNNING", "RUNNING", "BUDGET_EXCEEDED"])
            let list = try await HTTP.send("GET", base.appendingPathComponent("api/tasks"))
            #expect(list.json?.arrayValue?.count == 1)
            #expect(await sim.claudomatorTasks().first?.workingDir == "/srv/afk/acme/widgets")
        }
    }
}
