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
