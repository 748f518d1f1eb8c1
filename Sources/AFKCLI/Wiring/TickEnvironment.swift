import AFKAdapters
import AFKCore
import Foundation
import Logging

/// Configuration, logger and adapters for one tick, built from the command line and the
/// process environment. This is the only place that turns settings into live clients.
struct TickEnvironment {
    let config: AFKConfig
    let logger: Logger
    let options: TickProgram.Inputs
    /// The tick's deadline, stop request and per-service breakers, shared by every client.
    let tickGuard: TickGuard
    /// The GitHub App's installation tokens, shared by every client of the tick (nil with a token).
    var appTokens: AppTokenProvider?

    static func load(_ options: TickProgram.Inputs, program: String, environment: [String: String])
        async throws(ConfigurationError) -> TickEnvironment
    {
        let (format, level) = try LogDefaults.resolve(options, environment: environment)
        var logger = Logger(label: program) { label in
            LineLogHandler(label: label, format: format, level: level, write: options.log)
        }
        logger.logLevel = level
        let config = try await AFKConfig.load(
            from: .init(
                environment: environment,
                configFile: options.config,
                secretsDirectory: options.secretsDir ?? environment["AFK_SECRETS_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            )
        )
        var env = TickEnvironment(
            config: config,
            logger: logger,
            options: options,
            tickGuard: TickGuard(deadlineSeconds: config.tick.deadlineSeconds, maxInFlight: config.http.maxInFlight)
        )
        env.appTokens = env.makeAppTokens()
        return env
    }

    /// The repos this tick covers: the allowlist, or the one `--repo` names (which must be on it).
    func repos() throws(ConfigurationError) -> [RepoRef] {
        var allowlist = config.allowlist
        if let text = options.shard {
            guard let shard = Shard(parsing: text) else {
                throw ConfigurationError("--shard must be i/n with 0 ≤ i < n (for example 0/4), got \"\(text)\"")
            }
            allowlist = shard.select(allowlist)
        }
        guard let only = options.repo else { return allowlist }
        guard let repo = RepoRef(parsing: only) else {
            throw ConfigurationError("--repo must be owner/name, got \"\(only)\"")
        }
        guard let listed = config.allowlist.first(where: { $0.slug == repo.slug }) else {
            throw ConfigurationError(
                "--repo \(only) is not on the allowlist (allowlist / AFK_ALLOWLIST); afk never touches other repositories"
            )
        }
        return [listed]
    }

    var transport: any HTTPTransport {
        let live = GuardedTransport(NIOTransport(timeoutSeconds: config.http.timeoutSeconds), guard: tickGuard)
        return options.dryRun ? ReadOnlyTransport(live) : live
    }

    var retry: RetryPolicy { RetryPolicy(budgetSeconds: config.http.retryBudgetSeconds) }

    func tracker() throws(ConfigurationError) -> any Tracker {
        if let appTokens { return appTracker(appTokens) }
        guard let token = config.tracker.token else {
            throw ConfigurationError("tracker.token (AFK_TRACKER_TOKEN) is required")
        }
        switch config.tracker.kind {
        case .github:
            return GitHubTracker(
                baseURL: config.tracker.url,
                token: token.value,
                transport: transport,
                retry: retry,
                logger: logger
            )
        case .forgejo, .gitea:
            return ForgejoTracker(
                baseURL: config.tracker.url,
                token: token.value,
                flavor: config.tracker.kind == .gitea ? .gitea : .forgejo,
                transport: transport,
                retry: retry,
                logger: logger
            )
        }
    }

    /// The lanes of `repos`: the global one, and one per repository with overrides, built from
    /// the validated settings (an armed configuration has them all).
    func lanes(for repos: [RepoRef]) throws(ConfigurationError) -> RepoLanes {
        var global: RepoLane?
        var lanes: [String: RepoLane] = [:]
        for repo in repos {
            if config.repoOverrides[repo.slug] != nil {
                lanes[repo.slug] = try lane(config.laneOverrides[repo.slug], name: "repos.\(repo).")
            } else {
                // Repositories without overrides share one lane (and one executor client).
                if global == nil { global = try lane(config.globalLane, name: "") }
                lanes[repo.slug] = global
            }
        }
        return RepoLanes(lanes)
    }

    func lane(_ settings: LaneSettings?, name prefix: String) throws(ConfigurationError) -> RepoLane {
        guard let settings else {
            // Only a disabled configuration can lack a lane; the operator commands say what is missing.
            throw ConfigurationError(
                config.laneProblems.isEmpty ? ["\(prefix)executor is not configured"] : config.laneProblems
            )
        }
        return RepoLane(
            executor: executor(settings.runtime),
            limits: settings.limits,
            stages: try stages(settings, name: prefix),
            landing: settings.landing,
            dashboardTitle: settings.dashboardTitle,
            breakerRuns: settings.breakerRuns
        )
    }

    /// The deploy and rollout probes the lane observes.
    func stages(_ settings: LaneSettings, name prefix: String) throws(ConfigurationError) -> StagePlan {
        var plan = StagePlan()
        if settings.buildObserved { plan.build = TrackerBuildProbe(try tracker()) }
        if case .woodpecker(let w) = settings.deploy {
            plan.deploy = WoodpeckerStage(
                settings: WoodpeckerSettings(
                    baseURL: w.url,
                    token: w.token.value,
                    repo: w.repo,
                    skipped: w.skippedIsSuccess ? .success : .failure,
                    events: w.events,
                    branch: w.branch
                ),
                transport: transport,
                retry: retry,
                logger: logger
            )
        }
        if case .kubernetes(let k) = settings.rollout {
            let auth: KubernetesAuth
            let fallbackNamespace: String?
            switch k.access {
            case .inCluster:
                auth = .inCluster()
                fallbackNamespace = k.namespace ?? KubernetesAuth.namespace()
            case .explicit(let url, let token):
                auth = .explicit(url: url, token: token.value, caFile: nil)
                fallbackNamespace = k.namespace
            }
            var deployments: [KubernetesSettings.Deployment] = []
            for deployment in k.deployments {
                // The pod's namespace is known only where the tick runs.
                guard let namespace = deployment.namespace ?? fallbackNamespace else {
                    throw ConfigurationError(
                        """
                        \(prefix)kubernetes.deployments entry \(deployment.name) has no namespace: write it as namespace/name, \
                        or set \(prefix)kubernetes.namespace (in a pod, the pod's own namespace is the default)
                        """
                    )
                }
                deployments.append(.init(namespace: namespace, name: deployment.name))
            }
            plan.rollout = KubernetesRollout(
                settings: KubernetesSettings(
                    deployments: deployments,
                    shaLength: k.shaLength,
                    container: k.container,
                    auth: auth
                ),
                transport: transport,
                retry: retry,
                logger: logger
            )
        }
        return plan
    }

    /// The executor of the global lane (operator checks).
    func executor() throws(ConfigurationError) -> any Executor {
        try lane(config.globalLane, name: "").executor
    }

    /// The client for a runtime.
    func executor(_ runtime: RuntimeSettings) -> any Executor {
        switch runtime {
        case .t3(let t3):
            return T3Executor(
                baseURL: t3.url,
                token: t3.token.value,
                settings: .init(
                    workspaceRoot: t3.workspaceRoot,
                    providerInstance: t3.providerInstance,
                    model: t3.model,
                    runtimeMode: t3.runtimeMode
                ),
                transport: transport,
                retry: retry,
                logger: logger
            )
        case .jobs(let jobs):
            return JobRunnerExecutor(
                baseURL: jobs.url,
                token: jobs.token.value,
                settings: .init(agent: jobs.agent, budgetUSD: jobs.budgetUSD, timeoutSeconds: jobs.timeoutSeconds),
                transport: transport,
                retry: retry,
                logger: logger
            )
        case .claudomator(let c):
            return ClaudomatorExecutor(
                baseURL: c.url,
                token: c.token?.value,
                settings: .init(
                    model: c.model,
                    workspaceRoot: c.workspaceRoot,
                    budgetUSD: c.budgetUSD,
                    timeoutSeconds: c.timeoutSeconds,
                    permissionMode: c.permissionMode
                ),
                transport: transport,
                retry: retry,
                logger: logger
            )
        }
    }

    /// The configured doorbell channels.
    func notifiers() -> [any Notifier] {
        var notifiers: [any Notifier] = []
        if let ntfy = config.notify.ntfy {
            notifiers.append(
                NtfyNotifier(
                    url: ntfy.url,
                    topic: ntfy.topic,
                    token: ntfy.token?.value,
                    transport: transport,
                    retry: retry,
                    logger: logger
                )
            )
        }
        if let hook = config.notify.slackWebhookURL, let url = URL(string: hook.value) {
            notifiers.append(SlackNotifier(webhook: url, transport: transport, retry: retry, logger: logger))
        }
        return notifiers
    }

    /// The preamble: the built-in text, or the file `preamble_file` names.
    func preamble() throws(ConfigurationError) -> String {
        guard let path = config.preambleFile else { return ImplementerPreamble.defaultText }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("preamble_file \(path) cannot be read")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw ConfigurationError("preamble_file \(path) is empty") }
        return text
    }
}
