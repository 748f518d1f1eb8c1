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

/// The build stage read from the tracker: the commit's check runs and commit statuses, folded by
/// ``CIVerdict`` (`stages.build: tracker`).
public struct TrackerBuildProbe: StageProbe {
    public let stage = DeployStage.build
    let checks: any CommitChecks

    public init(_ checks: any CommitChecks) {
        self.checks = checks
    }

    public var serviceName: String { checks.serviceName }

    public func read(sha: String, in repo: RepoRef) async throws(ServiceError) -> StageReading {
        DeployStages.reading(from: CIVerdict.fold(try await checks.ciStatus(of: sha, in: repo)))
    }
}

/// Reads the stages of one commit in order, never asking a later stage once an earlier one is
/// red or pending (``DeployStages/shouldQuery(after:)``).
public enum StageProbes {
    /// The outcome of each stage for `sha`, in the order given.
    ///
    /// - Parameters:
    ///   - stages: every stage in order (build, deploy, rollout), each with its probe, or nil when
    ///     that stage is unobserved.
    ///   - onError: called with each stage that could not be asked; that stage reads as pending
    ///     (`could not ask <service>: <message>`). A rejected token is thrown instead: it stops the tick.
    /// - Returns: one outcome per stage, ready for ``DeployStages/verdict(_:)`` and
    ///   ``DeployStages/summary(_:)``.
    public static func read(
        sha: String,
        in repo: RepoRef,
        stages: [(DeployStage, (any StageProbe)?)],
        onError: (DeployStage, ServiceError) -> Void = { _, _ in }
    ) async throws(ServiceError) -> [(DeployStage, StageOutcome)] {
        var outcomes: [(DeployStage, StageOutcome)] = []
        for (stage, probe) in stages {
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
                if error.stopsTick { throw error }
                onError(stage, error)
                outcomes.append((stage, .observed(.pending("could not ask \(probe.serviceName): \(error.message)"))))
            }
        }
        return outcomes
    }
}
