import AFKCore
import Foundation
import Testing

/// Fleet scale's pure parts: the search queries, which repositories get work, the rate budget and
/// the shards.
struct FleetTests {
    static func repos(_ slugs: [String]) -> [RepoRef] { slugs.compactMap(RepoRef.init(parsing:)) }

    @Test func aSingleRepositoryIsSearchedByName() {
        let queries = SearchQueries.queries(label: "ready-for-agent", repos: Self.repos(["acme/widgets"]))
        #expect(queries == [#"is:issue is:open label:"ready-for-agent" repo:acme/widgets"#])
    }

    @Test func anOwnerWithSeveralRepositoriesIsSearchedOnce() {
        let many = (1...200).map { String(format: "acme/r%03d", $0) }
        let queries = SearchQueries.queries(label: "ready-for-agent", repos: Self.repos(many))
        #expect(queries == [#"is:issue is:open label:"ready-for-agent" user:acme"#])
    }

    @Test func scopesAreOredInGroupsOfAtMostSixWithinTheOperatorLimit() {
        let scattered = (1...14).map { "owner\($0)/repo" }
        let queries = SearchQueries.queries(
            label: "agent-in-progress",
            state: nil,
            updatedSince: "2026-12-06T10:00:00Z",
            repos: Self.repos(scattered)
        )
        #expect(queries.count == 3)
        for query in queries {
            // GitHub: at most five AND/OR/NOT operators.
            #expect(query.components(separatedBy: " OR ").count - 1 <= 5)
            #expect(query.hasPrefix(#"is:issue label:"agent-in-progress" updated:>=2026-12-06T10:00:00Z"#))
            #expect(!query.contains("is:open"))
        }
        #expect(
            queries[0]
                .hasSuffix(
                    "(repo:owner1/repo OR repo:owner2/repo OR repo:owner3/repo OR repo:owner4/repo OR repo:owner5/repo OR repo:owner6/repo)"
                )
        )
        #expect(
            queries[2]
                == #"is:issue label:"agent-in-progress" updated:>=2026-12-06T10:00:00Z (repo:owner13/repo OR repo:owner14/repo)"#
        )
    }

    @Test func discoveryKeepsTheAllowlistOrderAndFallsBackToEveryRepository() {
        let allowlist = Self.repos(["acme/a", "acme/b", "Other/C"])
        #expect(
            Discovery.busy(allowlist, found: ["other/c", "acme/a", "stranger/x"]).map(\.slug) == ["acme/a", "other/c"]
        )
        #expect(Discovery.busy(allowlist, found: []).isEmpty)
        #expect(Discovery.busy(allowlist, found: nil) == allowlist)
    }

    /// (remaining, reserve, cost, starts)
    static let budgets: [(Int?, Int, Int, Bool)] = [
        (nil, 1000, 12, true),  // the tracker never said (Forgejo): nothing to budget
        (5000, 1000, 12, true),
        (1012, 1000, 12, true),
        (1011, 1000, 12, false),
        (0, 0, 12, false),
        (12, 0, 12, true),
    ]

    @Test(arguments: budgets) func theRateBudget(_ remaining: Int?, _ reserve: Int, _ cost: Int, _ starts: Bool) {
        let verdict = RateBudget(reserve: reserve, costPerRepository: cost).verdict(remaining: remaining)
        #expect((verdict == .start) == starts, "\(verdict)")
        if case .deferred(let why) = verdict { #expect(why.contains("reserve of \(reserve)")) }
    }

    @Test func shardsSplitTheAllowlistWithoutOverlapOrGaps() throws {
        let allowlist = (1...500).map { String(format: "acme/r%03d", $0) }.compactMap(RepoRef.init(parsing:))
        var seen: [String: Int] = [:]
        for index in 0..<4 {
            let shard = try #require(Shard(parsing: "\(index)/4"))
            let part = shard.select(allowlist)
            #expect(part.count > 80 && part.count < 170, "shard \(index) has \(part.count)")
            for repo in part { seen[repo.slug, default: 0] += 1 }
        }
        #expect(seen.count == 500 && seen.values.allSatisfy { $0 == 1 })
        // Stable: the same repository lands in the same shard whatever the order of the list.
        let shard = try #require(Shard(parsing: "1/4"))
        #expect(Set(shard.select(allowlist.reversed()).map(\.slug)) == Set(shard.select(allowlist).map(\.slug)))
        // Case does not move a repository.
        let mixed = try #require(RepoRef(parsing: "ACME/R001"))
        let lower = try #require(RepoRef(parsing: "acme/r001"))
        #expect(shard.contains(mixed) == shard.contains(lower))
    }

    @Test(arguments: ["4/4", "-1/2", "1", "a/b", "0/0", "1/2/3", ""]) func badShardsAreRefused(_ text: String) {
        #expect(Shard(parsing: text) == nil)
    }
}

/// The fleet caps: how many more dispatches a tick may make, and why not.
struct FleetCapsTests {
    /// (max runs, max per hour, in flight, dispatched in the hour, slots, reason mentions)
    static let table: [(Int?, Int?, Int, Int, Int?, String?)] = [
        (nil, nil, 40, 40, nil, nil),
        (5, nil, 3, 0, 2, "max_concurrent_runs"),
        (5, nil, 7, 0, 0, "7 run(s) in flight"),
        (nil, 10, 0, 10, 0, "max_dispatches_per_hour is 10"),
        (5, 10, 1, 8, 2, "max_dispatches_per_hour"),  // the hour leaves fewer than the runs cap
        (5, 10, 4, 2, 1, "max_concurrent_runs"),
    ]

    @Test(arguments: table.indices) func allowance(_ i: Int) {
        let (runs, hourly, inFlight, lastHour, slots, word) = Self.table[i]
        let allowance = FleetCaps(maxConcurrentRuns: runs, maxDispatchesPerHour: hourly)
            .allowance(inFlight: inFlight, dispatchedLastHour: lastHour)
        #expect(allowance.slots == slots)
        if let word { #expect(allowance.reason?.contains(word) == true, "\(allowance.reason ?? "nil")") }
    }

    @Test func onlyDispatchesWithinTheHourCount() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func record(_ ago: Double, _ phase: RunPhase? = nil) -> RunRecord {
            var r = RunRecord(run: 1, executor: "t3", threadID: "t", dispatchedAt: Timestamp.format(now - ago))
            r.phase = phase
            return r
        }
        let records = [record(10), record(3599), record(3601), record(60, .notStarted), record(120, .escalated)]
        #expect(FleetCaps.dispatchedLastHour(records, now: now) == 3)
    }
}
