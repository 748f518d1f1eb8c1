import AFKAdapters
import AFKCore

/// What one repository's runs use once its `repos.<owner/name>.…` overrides are applied: the
/// agent runtime, the watcher's limits and the deploy stages its verdict is folded from.
struct RepoLane: Sendable {
    let executor: any Executor
    let limits: RunLimits
    let stages: StagePlan
    /// How the lane's runs land: pushed to the default branch, or through a pull request.
    var landing: LandingSettings = .push
    /// The dashboard issue's title when the repository keeps one; nil: none.
    var dashboardTitle: String? = nil
    /// Consecutive frozen or escalated runs that pause dispatching (0: off).
    var breakerRuns: Int = 0

    /// The branch run `run` of issue `number` works on, when the lane lands through pull requests.
    func branch(issue number: Int, run: Int) -> String? {
        guard case .pullRequest(let settings) = landing else { return nil }
        return RunBranch.name(prefix: settings.branchPrefix, issue: number, run: run)
    }
}

/// The lanes of one tick, by repository: repositories without overrides share the global lane
/// (and so one executor client).
struct RepoLanes: Sendable {
    let lanes: [String: RepoLane]

    init(_ lanes: [String: RepoLane]) {
        self.lanes = lanes
    }

    /// Every repository of the tick has one.
    func lane(for repo: RepoRef) -> RepoLane {
        guard let lane = lanes[repo.slug] else { preconditionFailure("no lane was built for \(repo)") }
        return lane
    }

    /// Each distinct lane once.
    var distinct: [RepoLane] {
        var seen: Set<ObjectIdentifier> = []
        return lanes.keys.sorted()
            .compactMap { key in
                guard let lane = lanes[key], seen.insert(ObjectIdentifier(lane.executor as AnyObject)).inserted else {
                    return nil
                }
                return lane
            }
    }
}

/// The stages a lane's verdict is folded from, in order build → deploy → rollout; a nil probe is
/// an unobserved stage.
struct StagePlan: Sendable {
    var build: (any StageProbe)?
    var deploy: (any StageProbe)?
    var rollout: (any StageProbe)?

    /// Every stage in order, with its probe when observed.
    var ordered: [(DeployStage, (any StageProbe)?)] { [(.build, build), (.deploy, deploy), (.rollout, rollout)] }
}
