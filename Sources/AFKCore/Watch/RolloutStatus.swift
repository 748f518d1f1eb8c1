import Foundation

/// The fields of a Kubernetes `apps/v1` Deployment that decide whether its rollout is done
/// (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#deployment-status).
///
/// Kubernetes omits zero-valued status counters and `observedGeneration` from the JSON, so a
/// missing counter is 0.
public struct DeploymentRollout: Hashable, Sendable {
    /// `metadata.generation`: bumped by every spec change.
    public var generation: Int64
    /// `status.observedGeneration`: the generation the controller has acted on.
    public var observedGeneration: Int64
    /// `spec.replicas`; nil when absent (the API server defaults it to 1, but kubectl checks for nil).
    public var specReplicas: Int?
    /// `status.replicas`: pods of every ReplicaSet of the Deployment (old ones still terminating count).
    public var replicas: Int
    /// `status.updatedReplicas`: pods of the newest template.
    public var updatedReplicas: Int
    /// `status.availableReplicas`.
    public var availableReplicas: Int
    /// The `reason` of the `Progressing` condition, if there is one (`NewReplicaSetAvailable`,
    /// `ReplicaSetUpdated`, `ProgressDeadlineExceeded`, …).
    public var progressingReason: String?

    /// Creates the rollout view of a Deployment.
    public init(
        generation: Int64,
        observedGeneration: Int64,
        specReplicas: Int?,
        replicas: Int,
        updatedReplicas: Int,
        availableReplicas: Int,
        progressingReason: String?
    ) {
        self.generation = generation
        self.observedGeneration = observedGeneration
        self.specReplicas = specReplicas
        self.replicas = replicas
        self.updatedReplicas = updatedReplicas
        self.availableReplicas = availableReplicas
        self.progressingReason = progressingReason
    }
}

/// Where a Deployment's rollout stands, decided exactly as `kubectl rollout status` does
/// (`DeploymentStatusViewer.Status` in `pkg/polymorphichelpers/rollout_status.go` of
/// https://github.com/kubernetes/kubectl).
public enum RolloutStatus: Hashable, Sendable {
    /// `successfully rolled out`.
    case complete(String)
    /// Still rolling; the reason is kubectl's "Waiting for …" text.
    case waiting(String)
    /// `exceeded its progress deadline`: `kubectl rollout status` exits 1.
    case failed(String)

    /// The `Progressing` condition reason that means the rollout failed (deployment utils `TimedOutReason`).
    public static let progressDeadlineExceeded = "ProgressDeadlineExceeded"

    /// kubectl's decision, in its order:
    /// 1. `generation > observedGeneration`: waiting for the spec update to be observed.
    /// 2. `Progressing` reason `ProgressDeadlineExceeded`: failed.
    /// 3. `specReplicas != nil && updated < specReplicas`: waiting (new replicas being updated).
    /// 4. `replicas > updated`: waiting (old replicas pending termination).
    /// 5. `available < updated`: waiting (updated replicas not yet available).
    /// 6. Otherwise complete.
    public static func of(_ d: DeploymentRollout) -> RolloutStatus {
        guard d.generation <= d.observedGeneration else {
            return .waiting("waiting for the deployment spec update to be observed")
        }
        if d.progressingReason == progressDeadlineExceeded {
            return .failed("exceeded its progress deadline (\(progressDeadlineExceeded))")
        }
        if let want = d.specReplicas, d.updatedReplicas < want {
            return .waiting("\(d.updatedReplicas) out of \(want) new replicas have been updated")
        }
        if d.replicas > d.updatedReplicas {
            return .waiting("\(d.replicas - d.updatedReplicas) old replicas are pending termination")
        }
        if d.availableReplicas < d.updatedReplicas {
            return .waiting("\(d.availableReplicas) of \(d.updatedReplicas) updated replicas are available")
        }
        return .complete("successfully rolled out")
    }
}
