import AFKCore
import Foundation

/// A secret value: prints as `<redacted>` wherever it is interpolated, logged or dumped.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

/// afk's whole configuration, validated. See the README's configuration table; every key path
/// maps to the environment variable `AFK_` + the path upper-snake-cased.
public struct AFKConfig: Sendable {
    /// `forgejo` and `gitea` speak the same API v1 with small differences (https://codeberg.org/api/swagger, https://docs.gitea.com/api/1.22/).
    public enum TrackerKind: String, Sendable, CaseIterable { case github, forgejo, gitea }
    public enum ExecutorKind: String, Sendable, CaseIterable { case t3, jobs, claudomator }

    public struct Tracker: Sendable {
        public var kind: TrackerKind = .github
        public var url: URL = URL(string: "https://api.github.com")!  // literal, cannot fail
        public var token: Secret?
        public var botLogin: String?
        /// Authenticate as a GitHub App installation instead of with `token`.
        public var app: GitHubApp?
    }

    public struct Executor: Sendable {
        public var kind: ExecutorKind = .t3
        public var url: URL?
        public var token: Secret?
        public var model: String = "claude-sonnet-4-6"
        public var providerInstance: String = "claudeAgent"
        public var runtimeMode: String = "full-access"
        public var workspaceRoot: String = "~/afk"
        /// Job runner: the agent name passed to `claude --agent`.
        public var agent: String = "afk-implementer"
        /// Job runner and Claudomator: the longest an agent run may take.
        public var timeoutSeconds: Int = 2700
        /// Claudomator: `claude.permission_mode`, when set.
        public var permissionMode: String?
    }

    /// Which CI/deploy stages the watcher observes, folded in order build → deploy → rollout.
    public struct Stages: Sendable, Hashable {
        public enum Build: String, Sendable, CaseIterable { case tracker, unobserved }
        public enum Deploy: String, Sendable, CaseIterable { case unobserved, woodpecker }
        public enum Rollout: String, Sendable, CaseIterable { case unobserved, kubernetes }
        public var build: Build = .tracker
        public var deploy: Deploy = .unobserved
        public var rollout: Rollout = .unobserved
    }

    /// The Woodpecker deploy stage.
    public struct Woodpecker: Sendable {
        public enum Skipped: String, Sendable, CaseIterable { case success, failure }
        public var url: URL?
        public var token: Secret?
        /// The Woodpecker repository when its name differs from the tracker's.
        public var repo: RepoRef?
        public var skipped: Skipped = .failure
        /// Pipeline events that count (empty: any).
        public var events: [String] = []
        public var branch: String?
    }

    /// The Kubernetes rollout stage.
    public struct Kubernetes: Sendable {
        public struct Deployment: Sendable, Hashable {
            public var namespace: String?
            public var name: String
        }
        public var deployments: [Deployment] = []
        /// The namespace of deployments named without one; in-cluster default: the pod's own.
        public var namespace: String?
        /// Leading characters of the pushed sha the image tag must contain (7…40).
        public var shaLength = 7
        public var container: String?
        /// Out of cluster: the API server. Unset: in-cluster service account.
        public var url: URL?
        public var token: Secret?
    }

    /// Everything a repository may override under `repos.<owner/name>.…`.
    public struct RepoSettings: Sendable {
        public var executor = Executor()
        public var budgetUSD: Double = 100
        public var fixForwardMaxAttempts = 5
        public var fixForwardMaxSeconds = 3600
        public var stallSeconds: Int?
        public var stages = Stages()
        public var woodpecker = Woodpecker()
        public var kubernetes = Kubernetes()
        public var landing = LandingMode.push
        public var pullRequest = PullRequestSettings()
        public var dashboard = false
        public var dashboardTitle = "afk dashboard"
        public var breakerRuns = 3

        public init() {}
    }

    /// `pull_request.*`: how a run lands through a pull request.
    public struct PullRequestSettings: Hashable, Sendable {
        public var branchPrefix = RunBranch.defaultPrefix
        public var mergeMethod = MergeMethod.squash
        public var deleteBranch = true

        public init() {}
    }

    public struct Ntfy: Sendable {
        public var url: URL
        public var topic: String
        public var token: Secret?
    }

    public struct Notify: Sendable {
        public var ntfy: Ntfy?
        public var slackWebhookURL: Secret?
    }

    public struct HTTP: Sendable {
        public var timeoutSeconds: Double = 30
        public var retryBudgetSeconds: Double = 60
        /// Requests in flight per service at once (`http.max_in_flight`).
        public var maxInFlight = 8
    }

    /// `rate_limit.*`: the share of the tracker's rate limit each tick leaves alone.
    public struct RateLimitReserve: Sendable {
        public var poller = 1000
        public var watcher = 200
    }

    public struct Tick: Sendable {
        /// Seconds after which a tick starts no new repository or run and writes its report. The
        /// shipped CronJobs' `activeDeadlineSeconds` is 100: this stays comfortably below it.
        public var deadlineSeconds: Double = 75
    }

    public var killSwitch = true
    public var allowlist: [RepoRef] = []
    public var labels = DispatchLabels()
    public var budgetUSD: Double = 100
    public var fixForwardMaxAttempts = 5
    public var fixForwardMaxSeconds = 3600
    /// Seconds a run may wait in one phase before the watcher escalates it; nil means
    /// 2 × `fixForwardMaxSeconds`.
    public var stallSeconds: Int?
    public var preambleFile: String?
    public var tracker = Tracker()
    public var executor = Executor()
    public var notify = Notify()
    public var http = HTTP()
    public var tick = Tick()
    public var rateLimit = RateLimitReserve()
    /// `max_concurrent_runs`, `max_dispatches_per_hour`.
    public var caps = FleetCaps()
    public var stages = Stages()
    public var woodpecker = Woodpecker()
    public var kubernetes = Kubernetes()
    public var landing = LandingMode.push
    public var pullRequest = PullRequestSettings()
    public var dashboard = false
    public var dashboardTitle = "afk dashboard"
    public var breakerRuns = 3
    /// `repos.<owner/name>.…` overrides, by lowercased `owner/name`: each is the global settings
    /// with that repository's keys applied.
    public var repoOverrides: [String: RepoSettings] = [:]
    /// The validated lane of repositories without overrides; nil when it is incomplete (only
    /// possible while afk is disabled: ``laneProblems`` says what is missing).
    public var globalLane: LaneSettings?
    /// The validated lanes of repositories with overrides, by lowercased `owner/name`.
    public var laneOverrides: [String: LaneSettings] = [:]
    /// What keeps a lane from being complete while afk is disabled (an armed configuration with
    /// any of these does not load).
    public var laneProblems: [String] = []

    /// The validated lane `repo` uses; nil only while afk is disabled and it is incomplete.
    public func lane(for repo: RepoRef) -> LaneSettings? {
        repoOverrides[repo.slug.lowercased()] != nil ? laneOverrides[repo.slug.lowercased()] : globalLane
    }

    public init() {}

    /// The global keys as one value.
    public var globalSettings: RepoSettings {
        var g = RepoSettings()
        g.executor = executor
        g.budgetUSD = budgetUSD
        g.fixForwardMaxAttempts = fixForwardMaxAttempts
        g.fixForwardMaxSeconds = fixForwardMaxSeconds
        g.stallSeconds = stallSeconds
        g.stages = stages
        g.woodpecker = woodpecker
        g.kubernetes = kubernetes
        g.landing = landing
        g.pullRequest = pullRequest
        g.dashboard = dashboard
        g.dashboardTitle = dashboardTitle
        g.breakerRuns = breakerRuns
        return g
    }

    /// What `repo` uses: its overrides, or the global keys.
    public func settings(for repo: RepoRef) -> RepoSettings {
        repoOverrides[repo.slug.lowercased()] ?? globalSettings
    }

    /// Why a tick must do nothing, or nil when armed. Arming takes both switches.
    public var disabledReason: String? {
        if killSwitch { return "kill switch is on (kill_switch / AFK_KILL_SWITCH)" }
        if allowlist.isEmpty { return "allowlist is empty (allowlist / AFK_ALLOWLIST)" }
        return nil
    }
}

/// A configuration or usage problem: exit 2, and each message names the key, where it was set
/// and what was expected. Carries every problem found, not only the first.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One sentence per problem.
    public let messages: [String]

    public init(_ message: String) { self.messages = [message] }

    public init(_ messages: [String]) { self.messages = messages }

    /// Every problem, one per line.
    public var message: String { messages.joined(separator: "\n") }
    public var description: String { message }
}
