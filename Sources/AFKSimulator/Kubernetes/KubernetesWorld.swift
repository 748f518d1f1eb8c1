import Foundation

/// The Kubernetes part of a scenario. The Kubernetes API (`/k8s/apis/apps/v1/…`): Deployments and their rollout status (facts rest §9).
public struct KubernetesScenario: Sendable, Codable, Equatable {
    /// Creates the Kubernetes part of a scenario.
    public init() {}
}

/// The simulated Kubernetes service.
struct KubernetesWorld: Sendable {
    var scenario: KubernetesScenario

    init(_ scenario: KubernetesScenario) {
        self.scenario = scenario
    }

    mutating func handle(_ request: SimRequest, now: Date) -> SimResponse {
        SimResponse(status: 404)
    }
}
