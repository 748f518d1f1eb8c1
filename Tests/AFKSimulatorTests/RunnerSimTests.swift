import AFKSimulator
import Foundation
import Testing

/// The simulated job runner and Claudomator speak their APIs' shapes (the runner's `app/main.py` in
/// https://github.com/ViktorBarzin/claude-agent-service; Claudomator's task API as its CLAUDE.md describes it)
/// over real HTTP on 127.0.0.1, sending exactly the requests the adapters send,
/// and their scripted agents push, fail, time out, overspend and vanish as scenarios say.
struct RunnerSimTests {
    static func scenario(
        maxQueue: Int = 100,
        jobScript: String = "push_green",
        taskScript: String = "budget_exceeded",
        listSupported: Bool = true,
        concurrency: Int = 10
    ) throws -> Scenario {
        try Scenario.decode(
            fromJSON: Data(
                """
                { "github": { "repos": [{ "owner": "acme", "name": "widgets", "issues": [{"number": 1, "title": "x"}] }] },
                  "jobs": { "tokens": ["rt"], "max_queue_depth": \(maxQueue), "max_concurrency": \(concurrency),
                            "scripts": {"acme/widgets#1": "\(jobScript)"} },
                  "claudomator": { "list_supported": \(listSupported), "scripts": {"acme/widgets#1": "\(taskScript)"} } }
                """
                .utf8
            )
        )
    }

    /// What `JobRunnerExecutor` posts for afk-acme~widgets-i1-r1.
    static let execute =
        #"{"prompt":"Implement acme/widgets#1","agent":"afk-implementer","max_budget_usd":3,"timeout_seconds":60,"metadata":{"afk_run":"afk-acme~widgets-i1-r1","repo":"acme/widgets","issue":"1"}}"#

    /// What `ClaudomatorExecutor` posts for `name`.
    static func task(_ name: String = "afk-acme~widgets-i1-r1") -> String {
        #"{"name":"\#(name)","claude":{"model":"m","instructions":"do it","working_dir":"/srv/afk/acme/widgets","max_budget_usd":3},"timeout":"60s","priority":"normal","tags":["afk","acme/widgets"]}"#
    }

    /// Submits one job and returns its id.
    static func submit(_ sim: Simulator, body: String = execute) async throws -> String {
        let accepted = try await HTTP.send(
            "POST",
            await sim.jobsURL.appendingPathComponent("execute"),
            token: "rt",
            body: body
        )
        #expect(accepted.status == 202)
        return try #require(accepted.json?["job_id"]?.stringValue)
    }

    /// Reads a job `times` times; returns each answer's status code and `status`.
    static func poll(_ sim: Simulator, job id: String, times: Int) async throws -> [String] {
        var seen: [String] = []
        for _ in 0..<times {
            let reply = try await HTTP.send("GET", await sim.jobsURL.appendingPathComponent("jobs/\(id)"), token: "rt")
            seen.append(reply.status == 200 ? reply.json?["status"]?.stringValue ?? "?" : "\(reply.status)")
        }
        return seen
    }

    /// Creates and runs a task; returns its id.
    static func createAndRun(_ sim: Simulator, name: String = "afk-acme~widgets-i1-r1") async throws -> String {
        let base = await sim.claudomatorURL
        let created = try await HTTP.send("POST", base.appendingPathComponent("api/tasks"), body: task(name))
        #expect(created.status == 201)
        let id = try #require(created.json?["id"]?.stringValue)
        #expect(try await HTTP.send("POST", base.appendingPathComponent("api/tasks/\(id)/run")).status == 202)
        return id
    }

    static func pollTask(_ sim: Simulator, _ id: String, times: Int) async throws -> [String] {
        var seen: [String] = []
        for _ in 0..<times {
            let reply = try await HTTP.send("GET", await sim.claudomatorURL.appendingPathComponent("api/tasks/\(id)"))
            seen.append(reply.status == 200 ? reply.json?["state"]?.stringValue ?? "?" : "\(reply.status)")
        }
        return seen
    }

    // MARK: Job runner

    @Test func theJobRunnerAuthenticatesValidatesQueuesAndProgresses() async throws {
        try await withSimulator(try Self.scenario(maxQueue: 1)) { sim in
            let base = await sim.jobsURL
            let health = try await HTTP.send("GET", base.appendingPathComponent("health"))
            #expect(health.status == 200)
            #expect(
                health.json
                    == .obj([
                        "status": .string("ok"), "busy": .bool(false), "active": .int(0), "queued": .int(0),
                        "capacity": .int(10),
                    ])
            )
            let execute = base.appendingPathComponent("execute")
            #expect(
                try await HTTP.send("POST", execute, body: Self.execute).json
                    == .obj(["detail": .string("Missing bearer token")])
            )
            #expect(
                try await HTTP.send("POST", execute, token: "nope", body: Self.execute).json
                    == .obj(["detail": .string("Invalid token")])
            )
            #expect(
                try await HTTP.send("POST", execute, token: "rt", scheme: "token", body: Self.execute).status == 401
            )
            let invalid = try await HTTP.send(
                "POST",
                execute,
                token: "rt",
                body: #"{"prompt":"x","max_budget_usd":"lots"}"#
            )
            #expect(invalid.status == 422)
            let locs = invalid.json?["detail"]?.arrayValue?.map { $0["loc"] }
            #expect(
                locs == [
                    .array([.string("body"), .string("agent")]), .array([.string("body"), .string("max_budget_usd")]),
                ]
            )
            let accepted = try await HTTP.send("POST", execute, token: "rt", body: Self.execute)
            #expect(accepted.status == 202)
            #expect(accepted.json?["status"]?.stringValue == "queued")
            let id = try #require(accepted.json?["job_id"]?.stringValue)
            #expect(id.count == 12 && id.allSatisfy(\.isHexDigit))
            let full = try await HTTP.send("POST", execute, token: "rt", body: Self.execute)
            #expect(full.status == 429)
            #expect(full.json == .obj(["detail": .string("Queue full")]))
            #expect(try await Self.poll(sim, job: id, times: 3) == ["running", "running", "completed"])
            #expect(await sim.commits("acme", "widgets", branch: nil).last?.message.contains("Closes #1") == true)
            #expect(
                try await HTTP.send("GET", base.appendingPathComponent("jobs/000000000000"), token: "rt").json
                    == .obj(["detail": .string("Job not found")])
            )
            // The queue has room again once the job ended.
            #expect(try await HTTP.send("POST", execute, token: "rt", body: Self.execute).status == 202)
        }
    }

    @Test func anUnconfiguredRunnerRejectsEveryAuthenticatedRouteButHealth() async throws {
        try await withSimulator(try Scenario.decode(fromJSON: Data(#"{"jobs": {}}"#.utf8))) { sim in
            let base = await sim.jobsURL
            #expect(try await HTTP.send("GET", base.appendingPathComponent("health")).status == 200)
            let reply = try await HTTP.send(
                "POST",
                base.appendingPathComponent("execute"),
                token: "anything",
                body: Self.execute
            )
            #expect(reply.status == 401)
            #expect(reply.json == .obj(["detail": .string("Service unauthenticated")]))
        }
    }

    @Test func aJobStoresWhatWasSubmittedAndReadsBackTheDocumentedFields() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let id = try await Self.submit(sim)
            let job = try #require(await sim.jobs().first)
            #expect(job.id == id && job.agent == "afk-implementer" && job.maxBudgetUSD == 3 && job.timeoutSeconds == 60)
            #expect(job.metadata == ["afk_run": "afk-acme~widgets-i1-r1", "repo": "acme/widgets", "issue": "1"])
            _ = try await Self.poll(sim, job: id, times: 3)
            let done = try await HTTP.send("GET", await sim.jobsURL.appendingPathComponent("jobs/\(id)"), token: "rt")
                .json
            for key in [
                "status", "prompt", "agent", "created_at", "metadata", "started_at", "exit_code", "output", "stderr",
                "finished_at", "finished_epoch",
            ] {
                #expect(done?.has(key) == true, "a completed job carries \(key)")
            }
            #expect(done?["exit_code"]?.intValue == 0)
            #expect(done?["metadata"]?["afk_run"]?.stringValue == "afk-acme~widgets-i1-r1")
        }
    }

    @Test(arguments: [
        ("fail", "failed", "exit_code"), ("budget_exceeded", "failed", "stderr"), ("timeout", "timeout", "finished_at"),
        ("setup_error", "error", "error"),
    ])
    func scriptedJobsEndAsTheRunnerReportsThem(script: String, status: String, field: String) async throws {
        try await withSimulator(try Self.scenario(jobScript: script)) { sim in
            let id = try await Self.submit(sim)
            #expect(try await Self.poll(sim, job: id, times: 3) == ["running", "running", status])
            let job = try await HTTP.send("GET", await sim.jobsURL.appendingPathComponent("jobs/\(id)"), token: "rt")
                .json
            #expect(job?.has(field) == true)
            #expect(await sim.commits("acme", "widgets", branch: nil).allSatisfy { !$0.message.contains("Closes #1") })
        }
    }

    @Test func aVanishedJobAnswersNotFoundOnceItRan() async throws {
        try await withSimulator(try Self.scenario(jobScript: "vanish")) { sim in
            let id = try await Self.submit(sim)
            #expect(try await Self.poll(sim, job: id, times: 4) == ["running", "running", "404", "404"])
            #expect(await sim.jobs().first?.gone == true)
        }
    }

    @Test func aCorrectiveJobForTheSameRunPushesTheFix() async throws {
        try await withSimulator(try Self.scenario(jobScript: "push_red_then_green")) { sim in
            let first = try await Self.submit(sim)
            _ = try await Self.poll(sim, job: first, times: 3)
            let second = try await Self.submit(sim)
            _ = try await Self.poll(sim, job: second, times: 3)
            let subjects = await sim.commits("acme", "widgets", branch: nil).suffix(2)
                .map { $0.message.split(separator: "\n").first ?? "" }
            #expect(subjects == ["Implement #1", "Fix build for #1"])
        }
    }

    @Test func jobsBeyondTheConcurrencyWaitQueued() async throws {
        try await withSimulator(try Self.scenario(concurrency: 1)) { sim in
            let first = try await Self.submit(sim)
            let second = try await Self.submit(sim)
            #expect(try await Self.poll(sim, job: first, times: 1) == ["running"])
            #expect(try await Self.poll(sim, job: second, times: 1) == ["queued"])
            let health = try await HTTP.send("GET", await sim.jobsURL.appendingPathComponent("health")).json
            #expect(health?["busy"] == .bool(true) && health?["queued"]?.intValue == 1)
            _ = try await Self.poll(sim, job: first, times: 2)
            #expect(try await Self.poll(sim, job: second, times: 1) == ["running"])
        }
    }

    @Test func controlMethodsForceStatusesEvictAndRestart() async throws {
        try await withSimulator(try Self.scenario(jobScript: "never_finish")) { sim in
            let a = try await Self.submit(sim)
            let b = try await Self.submit(sim)
            #expect(await sim.setJobStatus(a, "paused"))
            #expect(try await Self.poll(sim, job: a, times: 1) == ["paused"])
            #expect(await sim.evictJob(a))
            #expect(try await Self.poll(sim, job: a, times: 1) == ["404"])
            #expect(await !sim.setJobStatus("nope", "completed"))
            await sim.restartJobRunner()
            #expect(try await Self.poll(sim, job: b, times: 1) == ["404"])
            await sim.setRunnerScript(.timeout, forIssue: "acme/widgets#1")
            let c = try await Self.submit(sim)
            #expect(try await Self.poll(sim, job: c, times: 3).last == "timeout")
        }
    }

    @Test func anUnreachableRunnerIsAFaultInjectedOnTheJobsService() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let id = try await Self.submit(sim)
            await sim.inject(Fault(service: .jobs, method: "GET", status: 503, body: "Service Unavailable", times: 2))
            #expect(try await Self.poll(sim, job: id, times: 3) == ["503", "503", "running"])
            #expect(await sim.requests().filter { $0.service == .jobs }.map(\.faulted) == [false, true, true, false])
        }
    }

    // MARK: Claudomator

    @Test func claudomatorCreatesRunsAndEndsATask() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let base = await sim.claudomatorURL
            let created = try await HTTP.send("POST", base.appendingPathComponent("api/tasks"), body: Self.task())
            #expect(created.status == 201)
            #expect(created.json?["state"]?.stringValue == "PENDING")
            #expect(created.json?["tags"] == .array([.string("afk"), .string("acme/widgets")]))
            let id = try #require(created.json?["id"]?.stringValue)
            #expect(
                try await HTTP.send("POST", base.appendingPathComponent("api/tasks/\(id)/run")).json?["state"]?
                    .stringValue == "QUEUED"
            )
            let again = try await HTTP.send("POST", base.appendingPathComponent("api/tasks/\(id)/run"))
            #expect(again.status == 409)
            #expect(again.json?["error"]?.stringValue?.contains("QUEUED") == true)
            #expect(try await Self.pollTask(sim, id, times: 3) == ["RUNNING", "RUNNING", "BUDGET_EXCEEDED"])
            let list = try await HTTP.send("GET", base.appendingPathComponent("api/tasks"))
            #expect(list.json?.arrayValue?.map { $0["name"] } == [.string("afk-acme~widgets-i1-r1")])
            #expect(await sim.claudomatorTasks().first?.workingDir == "/srv/afk/acme/widgets")
            #expect(await sim.claudomatorTasks().first?.timeout == "60s")
        }
    }

    @Test func anInvalidTaskIsABadRequestAndAnUnknownOneNotFound() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let base = await sim.claudomatorURL
            let invalid = try await HTTP.send(
                "POST",
                base.appendingPathComponent("api/tasks"),
                body: #"{"name":"x","claude":{}}"#
            )
            #expect(invalid.status == 400)
            #expect(invalid.json?["error"]?.stringValue == "claude.instructions is required")
            #expect(try await HTTP.send("GET", base.appendingPathComponent("api/tasks/nope")).status == 404)
            #expect(try await HTTP.send("POST", base.appendingPathComponent("api/tasks/nope/run")).status == 404)
        }
    }

    @Test func aTokenIsRequiredOnlyWhenConfigured() async throws {
        let scenario = try Scenario.decode(fromJSON: Data(#"{"claudomator": {"tokens": ["cl"]}}"#.utf8))
        try await withSimulator(scenario) { sim throws in
            let list = await sim.claudomatorURL.appendingPathComponent("api/tasks")
            #expect(try await HTTP.send("GET", list).status == 401)
            #expect(try await HTTP.send("GET", list, token: "wrong").status == 401)
            #expect(try await HTTP.send("GET", list, token: "cl").status == 200)
        }
    }

    @Test(arguments: [
        ("push_green", "COMPLETED"), ("fail", "FAILED"), ("setup_error", "FAILED"), ("timeout", "TIMED_OUT"),
        ("budget_exceeded", "BUDGET_EXCEEDED"), ("never_finish", "RUNNING"),
    ])
    func scriptedTasksEndInTheirState(script: String, state: String) async throws {
        try await withSimulator(try Self.scenario(taskScript: script)) { sim in
            let id = try await Self.createAndRun(sim)
            #expect(try await Self.pollTask(sim, id, times: 3).last == state)
            let pushed = await sim.commits("acme", "widgets", branch: nil).contains { $0.message.contains("Closes #1") }
            #expect(pushed == (script == "push_green"))
            if state == "FAILED" {
                #expect(await sim.claudomatorTasks().first?.error?.isEmpty == false)
            }
        }
    }

    @Test func aFailedTaskMayBeRunAgain() async throws {
        try await withSimulator(try Self.scenario(taskScript: "fail")) { sim in
            let id = try await Self.createAndRun(sim)
            _ = try await Self.pollTask(sim, id, times: 3)
            #expect(
                try await HTTP.send("POST", await sim.claudomatorURL.appendingPathComponent("api/tasks/\(id)/run"))
                    .status == 202
            )
            #expect(try await Self.pollTask(sim, id, times: 1) == ["RUNNING"])
        }
    }

    @Test func aVanishedTaskIsNotFoundAndLeavesTheList() async throws {
        try await withSimulator(try Self.scenario(taskScript: "vanish")) { sim in
            let id = try await Self.createAndRun(sim)
            #expect(try await Self.pollTask(sim, id, times: 3) == ["RUNNING", "RUNNING", "404"])
            let list = try await HTTP.send("GET", await sim.claudomatorURL.appendingPathComponent("api/tasks"))
            #expect(list.json == .array([]))
        }
    }

    @Test func aCorrectiveTaskPushesTheFix() async throws {
        try await withSimulator(try Self.scenario(taskScript: "push_red_then_green")) { sim in
            let first = try await Self.createAndRun(sim)
            _ = try await Self.pollTask(sim, first, times: 3)
            let fix = try await Self.createAndRun(sim, name: "afk-acme~widgets-i1-r1-turn2")
            _ = try await Self.pollTask(sim, fix, times: 3)
            let subjects = await sim.commits("acme", "widgets", branch: nil).suffix(2)
                .map { $0.message.split(separator: "\n").first ?? "" }
            #expect(subjects == ["Implement #1", "Fix build for #1"])
        }
    }

    @Test func withoutListingTheListAnswersGoNotFound() async throws {
        try await withSimulator(try Self.scenario(listSupported: false)) { sim in
            let list = try await HTTP.send("GET", await sim.claudomatorURL.appendingPathComponent("api/tasks"))
            #expect(list.status == 404)
            #expect(list.text == "404 page not found\n")
        }
    }

    @Test func controlMethodsForceStatesAndDelete() async throws {
        try await withSimulator(try Self.scenario(taskScript: "never_finish")) { sim in
            let id = try await Self.createAndRun(sim)
            for state in ["READY", "BLOCKED", "CANCELLED"] {
                #expect(await sim.setClaudomatorTaskState(id, state))
                #expect(try await Self.pollTask(sim, id, times: 1) == [state])
            }
            #expect(await sim.deleteClaudomatorTask(id))
            #expect(try await Self.pollTask(sim, id, times: 1) == ["404"])
            #expect(await !sim.deleteClaudomatorTask("nope"))
        }
    }

    @Test func anUnreachableClaudomatorIsAFaultInjectedOnItsService() async throws {
        try await withSimulator(try Self.scenario()) { sim in
            let id = try await Self.createAndRun(sim)
            await sim.inject(
                Fault(service: .claudomator, method: "GET", pathContains: "/api/tasks/", status: 502, times: 1)
            )
            #expect(try await Self.pollTask(sim, id, times: 2) == ["502", "RUNNING"])
        }
    }

    @Test func theScenarioKeysRoundTrip() throws {
        let scenario = try Self.scenario(maxQueue: 3, jobScript: "timeout", listSupported: false, concurrency: 2)
        #expect(scenario.jobs.maxQueueDepth == 3 && scenario.jobs.maxConcurrency == 2 && scenario.jobs.tokens == ["rt"])
        #expect(scenario.jobs.scripts["acme/widgets#1"] == .timeout)
        #expect(scenario.claudomator.listSupported == false)
        let again = try Scenario.decode(fromJSON: try JSONEncoder().encode(scenario))
        #expect(again.jobs == scenario.jobs && again.claudomator == scenario.claudomator)
        #expect(Scenario().jobs == JobRunnerScenario() && JobRunnerScenario().defaultScript == .pushGreen)
    }
}
