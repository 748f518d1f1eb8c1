import Foundation

/// The JobRunner part of a scenario. The claude-agent-service job runner (`/jobs/execute`, `/jobs/jobs/{id}`; facts t3-and-job-runner §2).
public struct JobRunnerScenario: Sendable, Codable, Equatable {
    /// Creates the JobRunner part of a scenario.
    public init() {}
}

/// The simulated JobRunner service.
struct JobRunnerWorld: Sendable {
    var scenario: JobRunnerScenario
    /// Commits scripted agents pushed since the last request; the simulator lands them on the
    /// GitHub world (see `AgentPush`).
    var pendingPushes: [AgentPush] = []

    init(_ scenario: JobRunnerScenario) {
        self.scenario = scenario
    }

    mutating func handle(_ request: SimRequest, now: Date) -> SimResponse {
        SimResponse(status: 404)
    }
}
