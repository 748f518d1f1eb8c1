import Foundation

/// The Woodpecker part of a scenario. Woodpecker CI (`/woodpecker/api/…`): repositories and pipelines (facts rest §8).
public struct WoodpeckerScenario: Sendable, Codable, Equatable {
    /// Creates the Woodpecker part of a scenario.
    public init() {}
}

/// The simulated Woodpecker service.
struct WoodpeckerWorld: Sendable {
    var scenario: WoodpeckerScenario

    init(_ scenario: WoodpeckerScenario) {
        self.scenario = scenario
    }

    mutating func handle(_ request: SimRequest, now: Date) -> SimResponse {
        SimResponse(status: 404)
    }
}
