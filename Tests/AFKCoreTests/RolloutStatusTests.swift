import AFKCore
import Testing

/// `kubectl rollout status` (DeploymentStatusViewer.Status), branch by branch
/// (`pkg/polymorphichelpers/rollout_status.go` in https://github.com/kubernetes/kubectl).
struct RolloutStatusTests {
    enum Kind: String, Sendable { case complete, waiting, failed }

    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let rollout: DeploymentRollout
        let kind: Kind
        let reason: String
        var description: String { name }
    }

    static func d(
        gen: Int64 = 2,
        observed: Int64 = 2,
        spec: Int? = 3,
        replicas: Int = 3,
        updated: Int = 3,
        available: Int = 3,
        progressing: String? = "NewReplicaSetAvailable"
    ) -> DeploymentRollout {
        DeploymentRollout(
            generation: gen,
            observedGeneration: observed,
            specReplicas: spec,
            replicas: replicas,
            updatedReplicas: updated,
            availableReplicas: available,
            progressingReason: progressing
        )
    }

    static let cases: [Case] = [
        Case(name: "complete", rollout: d(), kind: .complete, reason: "successfully rolled out"),
        Case(
            name: "observed ahead of generation counts as observed",
            rollout: d(gen: 2, observed: 3),
            kind: .complete,
            reason: "successfully rolled out"
        ),
        Case(
            name: "spec update not observed yet",
            rollout: d(gen: 3, observed: 2),
            kind: .waiting,
            reason: "waiting for the deployment spec update to be observed"
        ),
        Case(
            name: "not observed wins over a deadline",
            rollout: d(gen: 3, observed: 2, progressing: "ProgressDeadlineExceeded"),
            kind: .waiting,
            reason: "waiting for the deployment spec update to be observed"
        ),
        Case(
            name: "progress deadline exceeded",
            rollout: d(updated: 1, available: 1, progressing: "ProgressDeadlineExceeded"),
            kind: .failed,
            reason: "exceeded its progress deadline (ProgressDeadlineExceeded)"
        ),
        Case(
            name: "deadline wins even when counters look complete",
            rollout: d(progressing: "ProgressDeadlineExceeded"),
            kind: .failed,
            reason: "exceeded its progress deadline (ProgressDeadlineExceeded)"
        ),
        Case(
            name: "new replicas being updated",
            rollout: d(replicas: 4, updated: 1, available: 3, progressing: "ReplicaSetUpdated"),
            kind: .waiting,
            reason: "1 out of 3 new replicas have been updated"
        ),
        Case(
            name: "old replicas pending termination",
            rollout: d(replicas: 4, updated: 3, available: 3, progressing: "ReplicaSetUpdated"),
            kind: .waiting,
            reason: "1 old replicas are pending termination"
        ),
        Case(
            name: "updated replicas not yet available",
            rollout: d(available: 1, progressing: "ReplicaSetUpdated"),
            kind: .waiting,
            reason: "1 of 3 updated replicas are available"
        ),
        Case(
            name: "no spec.replicas skips the first count check",
            rollout: d(spec: nil, replicas: 2, updated: 2, available: 2),
            kind: .complete,
            reason: "successfully rolled out"
        ),
        Case(
            name: "no spec.replicas, old pods left",
            rollout: d(spec: nil, replicas: 3, updated: 2, available: 2),
            kind: .waiting,
            reason: "1 old replicas are pending termination"
        ),
        Case(
            name: "scaled to zero",
            rollout: d(spec: 0, replicas: 0, updated: 0, available: 0),
            kind: .complete,
            reason: "successfully rolled out"
        ),
        Case(
            name: "no Progressing condition",
            rollout: d(progressing: nil),
            kind: .complete,
            reason: "successfully rolled out"
        ),
        Case(
            name: "other reasons are not failures",
            rollout: d(available: 2, progressing: "FoundNewReplicaSet"),
            kind: .waiting,
            reason: "2 of 3 updated replicas are available"
        ),
        Case(
            name: "fresh object, nothing observed (status omitted)",
            rollout: d(gen: 1, observed: 0, replicas: 0, updated: 0, available: 0, progressing: nil),
            kind: .waiting,
            reason: "waiting for the deployment spec update to be observed"
        ),
    ]

    @Test(arguments: cases) func decidesLikeKubectl(_ c: Case) {
        let status = RolloutStatus.of(c.rollout)
        switch (status, c.kind) {
        case (.complete(let reason), .complete), (.waiting(let reason), .waiting), (.failed(let reason), .failed):
            #expect(reason == c.reason)
        default:
            Issue.record("\(c.name): expected \(c.kind.rawValue), got \(status)")
        }
    }
}
