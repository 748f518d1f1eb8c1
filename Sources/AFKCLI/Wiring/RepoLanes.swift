import AFKAdapters
import AFKCore

/// What one repository's runs use once its `repos.<owner/name>.…` overrides are applied: the
/// agent runtime, the watcher's limits and the deploy stages its verdict is folded from.
struct RepoLane: Sendable {
    let executor: any Executor
    let limits: RunLimits
    let stages: StagePlan
}

/// The lanes of one tick: repositories without overrides share the global lane (and so one
/// executor client).
struct RepoLanes: Sendable {
    let global: RepoLane
    let overrides: [String: RepoLane]

    init(global: RepoLane, overrides: [String: RepoLane] = [:]) {
        self.global = global
        self.overrides = overrides
    }

    func lane(for repo: RepoRef) -> RepoLane {
        overrides[repo.slug] ?? global
    }
}

extension RunLimits {
    init(_ settings: AFKConfig.RepoSettings) {
        self.init(maxAttempts: settings.fixForwardMaxAttempts, maxSeconds: Double(settings.fixForwardMaxSeconds),
                  stallSeconds: settings.stallSeconds.map(Double.init))
    }
}

/// The stages a lane's verdict is folded from (build → deploy → rollout); nil probes are
/// unobserved stages.
struct StagePlan: Sendable {
    var buildObserved = true
    var deploy: (any StageProbe)?
    var rollout: (any StageProbe)?
}
