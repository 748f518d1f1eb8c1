import Foundation

/// The Claudomator part of a scenario. Claudomator (`/claudomator/api/tasks…`; facts claudomator.md).
public struct ClaudomatorScenario: Sendable, Codable, Equatable {
    /// Creates the Claudomator part of a scenario.
    public init() {}
}

/// The simulated Claudomator service.
struct ClaudomatorWorld: Sendable {
    var scenario: ClaudomatorScenario
    /// Commits scripted agents pushed since the last request; the simulator lands them on the
    /// GitHub world (see `AgentPush`).
    var pendingPushes: [AgentPush] = []

    init(_ scenario: ClaudomatorScenario) {
        self.scenario = scenario
    }

    mutating func handle(_ request: SimRequest, now: Date) -> SimResponse {
        SimResponse(status: 404)
    }
}
