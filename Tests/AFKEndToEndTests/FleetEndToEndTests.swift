import AFKSimulator
import AFKTesting
import Foundation
import Testing

/// Fleet scale end to end: shards, concurrency, the rate-limit reserve, search-based discovery.
@Suite(.timeLimit(.minutes(3)))
struct FleetEndToEndTests {
    static let names = (1...6).map { "acme/r\($0)" }

    static func fleet(_ names: [String] = names, ready: Bool = true) async throws -> World {
        try await World.start(
            repos: names.map { repoJSON($0, issues: ready ? [issueJSON(1, title: "Work in \($0)")] : []) }
                .joined(separator: ",")
        )
    }

    @Test func shardsSplitTheAllowlistAndTogetherCoverIt() async throws {
        let world = try await Self.fleet()
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: Self.names.joined(separator: ","))
        let first = try await world.poller(["--output", "json", "--shard", "0/2"], env: env)
        let second = try await world.poller(["--output", "json", "--shard", "1/2"], env: env)
        #expect(first.code == 0 && second.code == 0, "\(first.stderr)\(second.stderr)")
        #expect(Set(first.dispatched).isDisjoint(with: second.dispatched))
        #expect((first.dispatched + second.dispatched).sorted() == Self.names.map { "\($0)#1" }.sorted())
        #expect(!first.dispatched.isEmpty && !second.dispatched.isEmpty)
    }

    @Test(arguments: ["2/2", "x/3", "1"]) func aBadShardIsAConfigurationError(_ shard: String) async throws {
        let world = try await Self.fleet()
        defer { Task { await world.stop() } }
        let run = try await world.poller(
            ["--output", "json", "--shard", shard],
            env: world.environment(allowlist: Self.names.joined(separator: ","))
        )
        #expect(run.code == 2)
        #expect(run.stderr.contains("--shard"), "\(run.stderr)")
        #expect(await world.sim.requests().filter { $0.service != .sim }.isEmpty)
    }

    /// Repositories are worked on concurrently, but one repository's writes keep their order:
    /// the lock, then the run record.
    @Test func concurrencyNeverReordersWritesWithinARepository() async throws {
        let world = try await Self.fleet()
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: Self.names.joined(separator: ","), ["AFK_HTTP_MAX_IN_FLIGHT": "4"])
        let run = try await world.poller(env: env)
        #expect(run.dispatched.count == Self.names.count, "\(run.stderr)")
        // The report lists repositories in the allowlist's order, whatever finished first.
        #expect(run.actions.compactMap { $0["repo"] as? String } == Self.names)
        for name in Self.names {
            let writes = await world.writes().filter { $0.service == .github && $0.path.hasPrefix("/repos/\(name)/") }
            let kinds = writes.map {
                $0.path.hasSuffix("/labels") ? "lock" : $0.path.hasSuffix("/comments") ? "record" : "other"
            }
            #expect(kinds == ["lock", "record"], "\(name): \(writes.map(\.path))")
        }
    }
}

extension FleetEndToEndTests {
    @Test func maxConcurrentRunsPausesDispatchingAndSaysWhy() async throws {
        let world = try await Self.fleet()
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: Self.names.joined(separator: ","), ["AFK_MAX_CONCURRENT_RUNS": "2"])
        let first = try await world.poller(env: env)
        #expect(first.dispatched.count == 2, "\(first.stdout)")
        let paused = first.actions.filter { ($0["reason"] as? String ?? "").contains("dispatching paused") }
        #expect(paused.count == Self.names.count - 2, "\(first.stdout)")
        #expect(first.stderr.contains("max_concurrent_runs") || first.stdout.contains("max_concurrent_runs"))
        // The two runs still hold their locks: the next tick starts nothing.
        let second = try await world.poller(env: env)
        #expect(second.dispatched.isEmpty, "\(second.stdout)")
    }

    @Test func maxDispatchesPerHourCountsRunRecords() async throws {
        let world = try await Self.fleet()
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: Self.names.joined(separator: ","), ["AFK_MAX_DISPATCHES_PER_HOUR": "3"])
        #expect(try await world.poller(env: env).dispatched.count == 3)
        // Even with every lock released (the runs ended), the hour's dispatches are spent.
        for name in Self.names {
            let parts = name.split(separator: "/").map(String.init)
            _ = await world.sim.removeLabel(parts[0], parts[1], 1, "agent-in-progress", actor: "alice")
        }
        let again = try await world.poller(env: env)
        #expect(again.dispatched.isEmpty, "\(again.stdout)")
        #expect(again.stdout.contains("max_dispatches_per_hour"))
    }
}

extension FleetEndToEndTests {
    /// Over real HTTP, with every answer delayed: the requests in flight to one service never
    /// exceed `http.max_in_flight`, and repositories do overlap (more than one request at once).
    @Test(arguments: [1, 3]) func requestsInFlightStayWithinTheLimit(limit: Int) async throws {
        let names = (1...8).map { "acme/r\($0)" }
        let world = try await Self.fleet(names)
        defer { Task { await world.stop() } }
        world.sim.setLatency(nil, milliseconds: 20)
        world.sim.resetMaxInFlight()
        let env = world.environment(
            allowlist: names.joined(separator: ","),
            ["AFK_HTTP_MAX_IN_FLIGHT": String(limit)]
        )
        let run = try await world.poller(env: env)
        #expect(run.dispatched.count == names.count, "\(run.stderr)")
        #expect(world.sim.maxInFlight(.github) <= limit)
        #expect(world.sim.maxInFlight(.t3) <= limit)
        if limit > 1 { #expect(world.sim.maxInFlight(.github) > 1) }
    }

    /// Search still shows an issue as ready after it was dispatched (its index lags): the next
    /// tick visits the repository, reads its lock there and dispatches nothing.
    @Test func aLaggingSearchNeverCausesTwoDispatchesInARepository() async throws {
        let world = try await World.start(
            repos: Self.names.prefix(2).map { repoJSON($0, issues: [issueJSON(1), issueJSON(2)]) }
                .joined(separator: ",")
        )
        defer { Task { await world.stop() } }
        await world.sim.setSearchLag(seconds: 600)
        let env = world.environment(allowlist: Self.names.prefix(2).joined(separator: ","))
        let first = try await world.poller(env: env)
        #expect(first.dispatched == ["acme/r1#1", "acme/r2#1"], "\(first.stderr)")
        let second = try await world.poller(env: env)
        #expect(second.dispatched.isEmpty, "\(second.stdout)")
        #expect(second.reason("acme/r1", 2).contains("repo locked"))
        #expect(await world.sim.threads().count == 2)
        // The search was asked, and the lock read per repository all the same.
        let asked = await world.sim.requests().map(\.path)
        #expect(asked.contains { $0.hasPrefix("/search/issues") })
        #expect(asked.contains { $0.hasPrefix("/repos/acme/r1/issues") })
    }

    /// A quiet repository costs nothing: search finds the busy one, the others are not listed.
    @Test func quietRepositoriesAreNotVisited() async throws {
        let world = try await World.start(
            repos: Self.names.enumerated()
                .map { index, name in
                    repoJSON(name, issues: index == 2 ? [issueJSON(1)] : [])
                }
                .joined(separator: ",")
        )
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: Self.names.joined(separator: ","))
        #expect(try await world.poller(env: env).dispatched == ["acme/r3#1"])
        let paths = await world.sim.requests().filter { $0.service == .github }.map(\.path)
        for (index, name) in Self.names.enumerated() where index != 2 {
            #expect(!paths.contains { $0.hasPrefix("/repos/\(name)/") }, "\(name) was visited")
        }
    }

    /// A dispatch reads only what it needs. An issue the listing shows without comments or
    /// blockers costs, per repository, the two lists, the label's events, the labeler's
    /// permission, the lock and the record; the tick adds its identity check and two searches.
    /// With a comment and a (closed) native blocker, their lists are read too.
    @Test func aDispatchReadsOnlyWhatTheIssueNeeds() async throws {
        let world = try await World.start(
            repos: [
                repoJSON("acme/r1", issues: [issueJSON(1)]),
                repoJSON(
                    "acme/r2",
                    issues: [issueJSON(1, labels: [], state: "closed"), issueJSON(2, blockedBy: ["1"])]
                ),
            ]
            .joined(separator: ",")
        )
        defer { Task { await world.stop() } }
        _ = await world.sim.addComment("acme", "r2", 2, "Some context.", user: "alice")
        let run = try await world.poller(env: world.environment(allowlist: "acme/r1,acme/r2"))
        #expect(run.dispatched == ["acme/r1#1", "acme/r2#2"], "\(run.stderr)")
        let github = await world.sim.requests().filter { $0.service == .github }
        func asked(_ repo: String) -> [String] {
            github.filter { $0.path.hasPrefix("/repos/\(repo)") }.map { "\($0.method) \($0.path)" }
        }
        #expect(github.count(where: { !$0.path.hasPrefix("/repos/") }) == 3)  // /user and two searches
        #expect(
            asked("acme/r1").sorted() == [
                "GET /repos/acme/r1/collaborators/alice/permission", "GET /repos/acme/r1/issues",
                "GET /repos/acme/r1/issues", "GET /repos/acme/r1/issues/1/events",
                "POST /repos/acme/r1/issues/1/comments",
                "POST /repos/acme/r1/issues/1/labels",
            ]
        )
        let r2 = asked("acme/r2")
        #expect(r2.contains("GET /repos/acme/r2/issues/2/dependencies/blocked_by"), "\(r2)")
        #expect(r2.contains("GET /repos/acme/r2/issues/2/comments"), "\(r2)")
        #expect(r2.count == 8, "\(r2)")
    }

    /// The rate-limit reserve reached mid-tick: the repositories not started are deferred, said
    /// so in the report, and the tick still succeeds.
    @Test func aReserveReachedMidTickDefersTheRest() async throws {
        let world = try await Self.fleet()
        defer { Task { await world.stop() } }
        await world.sim.setRateLimit(core: 5000, remaining: 1040)
        let env = world.environment(allowlist: Self.names.joined(separator: ","), ["AFK_HTTP_MAX_IN_FLIGHT": "2"])
        let run = try await world.poller(env: env)
        #expect(run.code == 0, "\(run.stderr)")
        let deferred = run.report?["deferred"] as? [[String: Any]] ?? []
        #expect(!deferred.isEmpty, "\(run.stdout)")
        #expect(run.dispatched.count + deferred.count == Self.names.count, "\(run.stdout)")
        #expect(deferred.allSatisfy { ($0["message"] as? String ?? "").contains("reserve of 1000") })
        // The deferred repositories were not asked anything.
        let paths = await world.sim.requests().map(\.path)
        for entry in deferred {
            let repo = entry["repo"] as? String ?? "?"
            #expect(!paths.contains { $0.hasPrefix("/repos/\(repo)/") }, "\(repo) was asked")
        }
    }
}

extension FleetEndToEndTests {
    /// Over several repositories the watcher finds runs by search: an escalated run whose doorbell
    /// failed is found among the issues carrying the ready label (open and handed to a human), and
    /// rung on the next tick; a quiet repository is not visited.
    @Test func theWatchersSearchFindsAnEndedRunThatStillOwesADoorbell() async throws {
        let world = try await World.start(
            repos: [repoJSON("acme/r1", issues: [issueJSON(1)]), repoJSON("acme/r2", issues: [])]
                .joined(separator: ",")
        )
        defer { Task { await world.stop() } }
        let base = await world.sim.baseURL
        let env = world.environment(
            allowlist: "acme/r1,acme/r2",
            [
                "AFK_NOTIFY_NTFY_URL": base.appendingPathComponent("ntfy").absoluteString,
                "AFK_NOTIFY_NTFY_TOPIC": "afk-e2e",
            ]
        )
        #expect(try await world.poller(env: env).dispatched == ["acme/r1#1"])
        #expect(await world.sim.failTurn(threadId: "afk-acme~r1-i1-r1", error: "boom"))
        await world.sim.inject(Fault(service: .ntfy, status: 400, body: #"{"code":40000,"error":"bad request"}"#))
        let escalated = try await world.run("afk-watcher", ["--output", "json"], env: env)
        #expect(escalated.verb("acme/r1", 1) == "escalate", "\(escalated.stdout)")
        #expect(await world.sim.notifications().isEmpty)
        await world.sim.clearRequests()
        let retried = try await world.run("afk-watcher", ["--output", "json"], env: env)
        #expect(retried.code == 0, "\(retried.stderr)")
        #expect(await world.sim.notifications().count == 1)
        let paths = await world.sim.requests().filter { $0.service == .github }.map(\.path)
        #expect(paths.contains { $0.hasPrefix("/search/issues") })
        #expect(!paths.contains { $0.hasPrefix("/repos/acme/r2/") }, "the quiet repository was visited")
    }
}
