import AFKCore

/// One observed stage after the build (``DeployStage/deploy``: Woodpecker, ``DeployStage/rollout``:
/// Kubernetes): what it says about one pushed commit.
///
/// `read` throws only when the stage could not be asked (unreachable, rejected token, missing
/// repository or deployment). The watcher treats a throw as *pending*, never as failed: an outage
/// of the deploy system must not start a corrective turn. A stage that answered "failed" returns
/// ``StageReading/red(failing:)``.
public protocol StageProbe: Sendable {
    /// The stage this probe observes.
    var stage: DeployStage { get }
    /// The service asked, for logs and errors (`Woodpecker`, `Kubernetes`).
    var serviceName: String { get }
    /// What the stage says about `sha` (the full 40-character commit) pushed to `repo`.
    /// - Throws: ``ServiceError`` when the stage could not be asked.
    func read(sha: String, in repo: RepoRef) async throws(ServiceError) -> StageReading
}

/// Reads the stages of one commit in order, never asking a later stage once an earlier one is
/// red or pending (``DeployStages/shouldQuery(after:)``).
public enum StageProbes {
    /// The outcomes of build, deploy and rollout for `sha`.
    ///
    /// - Parameters:
    ///   - build: the build stage, already read from the tracker (`.observed(DeployStages.reading(from: ci))`)
    ///     or `.unobserved` when `stages.build` is `unobserved`.
    ///   - deploy: the deploy probe, or nil when `stages.deploy` is `unobserved`.
    ///   - rollout: the rollout probe, or nil when `stages.rollout` is `unobserved`.
    ///   - onError: called with each stage that could not be asked; that stage reads as pending
    ///     (`could not ask <service>: <message>`).
    /// - Returns: one outcome per stage, in stage order, ready for ``DeployStages/verdict(_:)`` and
    ///   ``DeployStages/summary(_:)``.
    public static func read(
        sha: String, in repo: RepoRef, build: StageOutcome, deploy: (any StageProbe)?, rollout: (any StageProbe)?,
        onError: (DeployStage, ServiceError) -> Void = { _, _ in }
    ) async -> [(DeployStage, StageOutcome)] {
        var outcomes: [(DeployStage, StageOutcome)] = [(.build, build)]
        for (stage, probe) in [(DeployStage.deploy, deploy), (.rollout, rollout)] {
            guard let probe else {
                outcomes.append((stage, .unobserved))
                continue
            }
            guard DeployStages.shouldQuery(after: outcomes) else {
                outcomes.append((stage, .notQueried))
                continue
            }
            do {
                outcomes.append((stage, .observed(try await probe.read(sha: sha, in: repo))))
            } catch {
                onError(stage, error)
                outcomes.append((stage, .observed(.pending("could not ask \(probe.serviceName): \(error.message)"))))
            }
        }
        return outcomes
    }
}
