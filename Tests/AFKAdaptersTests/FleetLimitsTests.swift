import AFKAdapters
import Foundation
import Testing

/// Requests in flight per service, and the rate-limit readings a tick budgets with.
struct FleetLimitsTests {
    @Test func neverMoreThanTheLimitInFlightPerServiceAndTheOtherServiceIsNotHeldUp() async {
        let fleet = FleetLimits(maxInFlight: 3)
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<12 {
                group.addTask {
                    let key = i % 4 == 0 ? "T3" : "GitHub"
                    await fleet.acquire(key)
                    try? await Task.sleep(nanoseconds: 20_000_000)
                    fleet.release(key)
                }
            }
        }
        #expect(fleet.peakInFlight("GitHub") == 3)
        #expect(fleet.peakInFlight("T3") == 3)
    }

    /// With the only place taken, requests queue up; each freed place goes to a read before a
    /// write, then to the earliest repository, then to the longest waiter.
    @Test func aFreedPlaceGoesToReadsFirstThenByRankThenInArrivalOrder() async {
        let fleet = FleetLimits(maxInFlight: 1)
        await fleet.acquire("GitHub")
        let waiters: [(name: String, rank: Int, writing: Bool)] = [
            ("write r0", 0, true), ("read r5", 5, false), ("read r2", 2, false), ("write r1", 1, true),
            ("read r2 again", 2, false), ("survey", Int.min, false),
        ]
        let order = Order()
        await withTaskGroup(of: Void.self) { group in
            for waiter in waiters {
                let queued = fleet.queuedCount("GitHub")
                group.addTask {
                    await FleetLimits.$rank.withValue(waiter.rank) {
                        await fleet.acquire("GitHub", writing: waiter.writing)
                    }
                    await order.append(waiter.name)
                    fleet.release("GitHub")
                }
                // Queue them one at a time, so that arrival order is known.
                while fleet.queuedCount("GitHub") == queued { await Task.yield() }
            }
            fleet.release("GitHub")
        }
        #expect(
            await order.names == ["survey", "read r2", "read r2 again", "read r5", "write r0", "write r1"]
        )
        #expect(fleet.peakInFlight("GitHub") == 1)
    }

    actor Order {
        var names: [String] = []
        func append(_ name: String) { names.append(name) }
    }

    @Test func theLowestCoreRemainingCounts() {
        let fleet = FleetLimits(maxInFlight: 8)
        #expect(fleet.lowestRemaining() == nil)
        fleet.observe(["x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4200"], from: "GitHub a")
        fleet.observe(
            ["X-RateLimit-Limit": "30", "X-RateLimit-Remaining": "2", "X-RateLimit-Resource": "search"],
            from: "GitHub a"
        )
        #expect(fleet.lowestRemaining() == 4200)
        #expect(fleet.reading("GitHub a", resource: "search")?.remaining == 2)
        fleet.observe(["x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4199"], from: "GitHub a")
        #expect(fleet.lowestRemaining() == 4199)
        fleet.observe(["x-ratelimit-remaining": "abc", "x-ratelimit-limit": "5000"], from: "GitHub a")
        #expect(fleet.lowestRemaining() == 4199)  // unreadable headers change nothing
    }
}
