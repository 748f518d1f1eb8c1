import AFKCore
import Foundation

/// One repository's settings once validated: the agent runtime with exactly the settings its
/// kind needs, the run limits, and each stage either unobserved or observed with its service's
/// settings. Nothing downstream checks "is this set?" again: an armed configuration has a
/// complete lane for every allowlisted repository, or it does not load.
public struct LaneSettings: Sendable {
    public var runtime: RuntimeSettings
    public var limits: RunLimits
    /// `stages.build: tracker`: the tracker's check runs and commit statuses are the build stage.
    public var buildObserved: Bool
    public var deploy: DeployStageSettings
    public var rollout: RolloutStageSettings
    /// How runs land: pushed to the default branch, or through a pull request with its settings.
    public var landing: LandingSettings
    /// The dashboard issue's title when the repository keeps one (`dashboard`); nil: none.
    public var dashboardTitle: String?
    /// Consecutive frozen or escalated runs that pause dispatching (`breaker_runs`; 0: off).
    public var breakerRuns: Int
}

/// How a lane's runs land on the default branch.
public enum LandingSettings: Hashable, Sendable {
    case push
    case pullRequest(AFKConfig.PullRequestSettings)

    public var mode: LandingMode {
        switch self {
        case .push: .push
        case .pullRequest: .pullRequest
        }
    }
}

/// The agent runtime a lane dispatches to.
public enum RuntimeSettings: Sendable {
    case t3(T3)
    case jobs(JobRunner)
    case claudomator(Claudomator)

    /// T3 Code (`executor.kind: t3`).
    public struct T3: Sendable {
        public var url: URL
        public var token: Secret
        public var model: String
        public var providerInstance: String
        public var runtimeMode: String
        public var workspaceRoot: String
    }

    /// The claude-agent-service job runner (`executor.kind: jobs`).
    public struct JobRunner: Sendable {
        public var url: URL
        public var token: Secret
        public var agent: String
        public var timeoutSeconds: Int
        public var budgetUSD: Double
    }

    /// Claudomator (`executor.kind: claudomator`); its token is optional.
    public struct Claudomator: Sendable {
        public var url: URL
        public var token: Secret?
        public var model: String
        /// Absolute on the Claudomator host.
        public var workspaceRoot: String
        public var timeoutSeconds: Int
        public var permissionMode: String?
        public var budgetUSD: Double
    }

    public var kind: AFKConfig.ExecutorKind {
        switch self {
        case .t3: .t3
        case .jobs: .jobs
        case .claudomator: .claudomator
        }
    }
}

/// The deploy stage of a lane.
public enum DeployStageSettings: Sendable {
    case unobserved
    case woodpecker(Woodpecker)

    public struct Woodpecker: Sendable {
        public var url: URL
        public var token: Secret
        public var repo: RepoRef?
        public var skippedIsSuccess: Bool
        public var events: [String]
        public var branch: String?
    }
}

/// The rollout stage of a lane.
public enum RolloutStageSettings: Sendable {
    case unobserved
    case kubernetes(Kubernetes)

    public struct Kubernetes: Sendable {
        /// How afk reaches the API server.
        public enum Access: Sendable {
            /// The pod's service account (token, CA and namespace from the projected volume).
            case inCluster
            /// `kubernetes.url` with `kubernetes.token`, out of the cluster.
            case explicit(url: URL, token: Secret)
        }

        /// At least one; a deployment without a namespace uses ``namespace`` or, in the cluster, the pod's.
        public var deployments: [AFKConfig.Kubernetes.Deployment]
        public var namespace: String?
        public var shaLength: Int
        public var container: String?
        public var access: Access
    }
}

extension LaneSettings {
    /// Validates read settings into a lane. Every missing requirement is named in `missing`
    /// (`key` is how a message names a key, e.g. `executor.url (AFK_EXECUTOR_URL)`), and the lane
    /// is nil then.
    /// A key that is set but invalid was reported already (`isSet`) and is not called missing too.
    static func validate(
        _ r: AFKConfig.RepoSettings,
        forRepo: String,
        key: (String) -> String,
        isSet: (String) -> Bool,
        missing: inout [String]
    ) -> LaneSettings? {
        var incomplete = false
        func need<T>(_ value: T?, _ name: String, because: String) -> T? {
            if value == nil {
                incomplete = true
                if !isSet(name) { missing.append("\(key(name)) is required because \(because)\(forRepo)") }
            }
            return value
        }
        let e = r.executor
        var runtime: RuntimeSettings?
        let url = need(e.url, "executor.url", because: "afk is armed")
        switch e.kind {
        case .t3:
            let token = need(e.token, "executor.token", because: "afk is armed and executor.kind is t3")
            if let url, let token {
                runtime = .t3(
                    .init(
                        url: url,
                        token: token,
                        model: e.model,
                        providerInstance: e.providerInstance,
                        runtimeMode: e.runtimeMode,
                        workspaceRoot: e.workspaceRoot
                    )
                )
            }
        case .jobs:
            let token = need(e.token, "executor.token", because: "afk is armed and executor.kind is jobs")
            if let url, let token {
                runtime = .jobs(
                    .init(
                        url: url,
                        token: token,
                        agent: e.agent,
                        timeoutSeconds: e.timeoutSeconds,
                        budgetUSD: r.budgetUSD
                    )
                )
            }
        case .claudomator:
            if let url {
                runtime = .claudomator(
                    .init(
                        url: url,
                        token: e.token,
                        model: e.model,
                        workspaceRoot: e.workspaceRoot,
                        timeoutSeconds: e.timeoutSeconds,
                        permissionMode: e.permissionMode,
                        budgetUSD: r.budgetUSD
                    )
                )
            }
        }
        var deploy = DeployStageSettings.unobserved
        if r.stages.deploy == .woodpecker {
            let w = r.woodpecker
            let url = need(w.url, "woodpecker.url", because: "stages.deploy is woodpecker")
            let token = need(w.token, "woodpecker.token", because: "stages.deploy is woodpecker")
            if let url, let token {
                deploy = .woodpecker(
                    .init(
                        url: url,
                        token: token,
                        repo: w.repo,
                        skippedIsSuccess: w.skipped == .success,
                        events: w.events,
                        branch: w.branch
                    )
                )
            }
        }
        var rollout = RolloutStageSettings.unobserved
        if r.stages.rollout == .kubernetes {
            let k = r.kubernetes
            let deployments = need(
                k.deployments.isEmpty ? nil : k.deployments,
                "kubernetes.deployments",
                because: "stages.rollout is kubernetes"
            )
            var access = RolloutStageSettings.Kubernetes.Access.inCluster
            if let url = k.url {
                if let token = need(k.token, "kubernetes.token", because: "kubernetes.url is set (out of cluster)") {
                    access = .explicit(url: url, token: token)
                }
            }
            if let deployments {
                rollout = .kubernetes(
                    .init(
                        deployments: deployments,
                        namespace: k.namespace,
                        shaLength: k.shaLength,
                        container: k.container,
                        access: access
                    )
                )
            }
        }
        guard !incomplete, let runtime else { return nil }
        let limits = RunLimits(
            maxAttempts: r.fixForwardMaxAttempts,
            maxSeconds: Double(r.fixForwardMaxSeconds),
            stallSeconds: r.stallSeconds.map(Double.init)
        )
        return LaneSettings(
            runtime: runtime,
            limits: limits,
            buildObserved: r.stages.build == .tracker,
            deploy: deploy,
            rollout: rollout,
            landing: r.landing == .pullRequest ? .pullRequest(r.pullRequest) : .push,
            dashboardTitle: r.dashboard ? r.dashboardTitle : nil,
            breakerRuns: r.breakerRuns
        )
    }
}
