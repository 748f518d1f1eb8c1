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
