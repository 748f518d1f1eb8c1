import AFKCore
import Foundation

/// The parts of the Kubernetes `apps/v1` `Deployment` afk reads
/// (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/). Kubernetes
/// omits zero counters, `observedGeneration` 0 and empty lists (`omitempty`), so all of those
/// default to 0 / empty here.
enum Kubernetes {
    struct Deployment: Decodable {
        let metadata: Metadata
        let spec: Spec
        let status: Status

        enum CodingKeys: String, CodingKey { case metadata, spec, status }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            metadata = try c.decode(Metadata.self, forKey: .metadata)
            spec = try c.decode(Spec.self, forKey: .spec)
            status = try c.decodeIfPresent(Status.self, forKey: .status) ?? Status()
        }

        /// The fields `kubectl rollout status` decides on.
        var rollout: DeploymentRollout {
            DeploymentRollout(
                generation: metadata.generation,
                observedGeneration: status.observedGeneration,
                specReplicas: spec.replicas,
                replicas: status.replicas,
                updatedReplicas: status.updatedReplicas,
                availableReplicas: status.availableReplicas,
                progressingReason: status.conditions.last { $0.type == "Progressing" }?.reason
            )
        }
    }

    struct Metadata: Decodable {
        let name: String
        let namespace: String?
        let generation: Int64

        enum CodingKeys: String, CodingKey { case name, namespace, generation }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            namespace = try c.decodeIfPresent(String.self, forKey: .namespace)
            generation = try c.decodeIfPresent(Int64.self, forKey: .generation) ?? 0
        }
    }

    struct Spec: Decodable {
        /// nil when absent: kubectl's check is `spec.replicas != nil` (the API server defaults it to 1).
        let replicas: Int?
        let template: PodTemplate
    }

    struct PodTemplate: Decodable {
        let spec: PodSpec
    }

    struct PodSpec: Decodable {
        let containers: [Container]
    }

    struct Container: Decodable {
        let name: String
        /// `registry/path/name:tag` or `…@sha256:…`; optional in the schema (a higher-level controller may set it).
        let image: String?
    }

    struct Status: Decodable {
        var observedGeneration: Int64 = 0
        var replicas = 0
        var updatedReplicas = 0
        var availableReplicas = 0
        var conditions: [Condition] = []

        init() {}

        enum CodingKeys: String, CodingKey {
            case observedGeneration, replicas, updatedReplicas, availableReplicas, conditions
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            observedGeneration = try c.decodeIfPresent(Int64.self, forKey: .observedGeneration) ?? 0
            replicas = try c.decodeIfPresent(Int.self, forKey: .replicas) ?? 0
            updatedReplicas = try c.decodeIfPresent(Int.self, forKey: .updatedReplicas) ?? 0
            availableReplicas = try c.decodeIfPresent(Int.self, forKey: .availableReplicas) ?? 0
            conditions = try c.decodeIfPresent([Condition].self, forKey: .conditions) ?? []
        }
    }

    struct Condition: Decodable {
        let type: String
        let status: String?
        let reason: String?
        let message: String?
    }

    /// The tag of an image reference: the part after the last `:` that comes after the last `/`,
    /// with any `@digest` removed first (`registry:5000/team/app:abc1234@sha256:…` → `abc1234`).
    /// Empty when the reference has no tag (Kubernetes then pulls `latest`).
    static func tag(of image: String) -> String {
        var reference = Substring(image)
        if let at = reference.firstIndex(of: "@") { reference = reference[..<at] }
        let lastComponent = reference.lastIndex(of: "/").map { reference[reference.index(after: $0)...] } ?? reference
        guard let colon = lastComponent.lastIndex(of: ":") else { return "" }
        return String(lastComponent[lastComponent.index(after: colon)...])
    }
}
