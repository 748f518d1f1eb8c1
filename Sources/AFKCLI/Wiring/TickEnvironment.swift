import AFKAdapters
import AFKCore
import Foundation
import Logging

/// Configuration, logger and adapters for one tick, built from the command line and the
/// process environment. This is the only place that turns settings into live clients.
struct TickEnvironment {
    /// What the command line chose, as plain values.
    struct Inputs: Sendable {
        var config: String?
        var secretsDir: String?
        var dryRun = false
        var output: ReportRenderer.Format = .text
        var logFormat: StreamLogHandler.Format = .text
        var repo: String?
        var verbose = false
    }

    let config: AFKConfig
    let logger: Logger
    let options: Inputs
    /// The tick's deadline, stop request and per-service breakers, shared by every client.
    let tickGuard: TickGuard

    static func load(_ options: Inputs, program: String, environment: [String: String]) async throws(ConfigurationError) -> TickEnvironment {
        var logger = Logger(label: program) { label in
            StreamLogHandler(label: label, format: options.logFormat, level: options.verbose ? .debug : .info)
        }
        logger.logLevel = options.verbose ? .debug : .info
        let config = try await AFKConfig.load(from: .init(
            environment: environment, configFile: options.config,
            secretsDirectory: options.secretsDir ?? environment["AFK_SECRETS_DIR"].flatMap { $0.isEmpty ? nil : $0 }))
        return TickEnvironment(
            config: config, logger: logger, options: options, tickGuard: TickGuard(deadlineSeconds: config.tick.deadlineSeconds))
    }

    /// The repos this tick covers: the allowlist, or the one `--repo` names (which must be on it).
    func repos() throws(ConfigurationError) -> [RepoRef] {
        guard let only = options.repo else { return config.allowlist }
        guard let repo = RepoRef(parsing: only) else {
            throw ConfigurationError("--repo must be owner/name, got \"\(only)\"")
        }
        guard let listed = config.allowlist.first(where: { $0.slug == repo.slug }) else {
            throw ConfigurationError("--repo \(only) is not on the allowlist (allowlist / AFK_ALLOWLIST); afk never touches other repositories")
        }
        return [listed]
    }

    var transport: any HTTPTransport {
        let live = GuardedTransport(URLSessionTransport(timeoutSeconds: config.http.timeoutSeconds), guard: tickGuard)
        return options.dryRun ? ReadOnlyTransport(live) : live
    }

    var retry: RetryPolicy { RetryPolicy(budgetSeconds: config.http.retryBudgetSeconds) }

    func tracker() throws(ConfigurationError) -> any Tracker {
        guard let token = config.tracker.token else { throw ConfigurationError("tracker.token (AFK_TRACKER_TOKEN) is required") }
        switch config.tracker.kind {
        case .github:
            return GitHubTracker(baseURL: config.tracker.url, token: token.value, transport: transport, retry: retry, logger: logger)
        case .forgejo, .gitea:
            return ForgejoTracker(
                baseURL: config.tracker.url, token: token.value, flavor: config.tracker.kind == .gitea ? .gitea : .forgejo,
                transport: transport, retry: retry, logger: logger)
        }
    }

    /// The lanes of `repos`: the global one, and one per repository with overrides.
    func lanes(for repos: [RepoRef]) throws(ConfigurationError) -> RepoLanes {
        let global = try lane(config.globalSettings, name: "")
        var overrides: [String: RepoLane] = [:]
        for repo in repos {
            guard let settings = config.repoOverrides[repo.slug] else { continue }
            overrides[repo.slug] = try lane(settings, name: "repos.\(repo).")
        }
        return RepoLanes(global: global, overrides: overrides)
    }

    func lane(_ settings: AFKConfig.RepoSettings, name prefix: String) throws(ConfigurationError) -> RepoLane {
        RepoLane(executor: try executor(settings, name: prefix), limits: RunLimits(settings), stages: try stages(settings, name: prefix))
    }

    /// The deploy and rollout probes the settings ask for.
    func stages(_ settings: AFKConfig.RepoSettings, name prefix: String) throws(ConfigurationError) -> StagePlan {
        var plan = StagePlan(buildObserved: settings.stages.build == .tracker)
        switch settings.stages.deploy {
        case .unobserved: break
        case .woodpecker:
            let w = settings.woodpecker
            guard let url = w.url, let token = w.token else {
                throw ConfigurationError("\(prefix)woodpecker.url and \(prefix)woodpecker.token are required because stages.deploy is woodpecker")
            }
            plan.deploy = WoodpeckerStage(
                settings: WoodpeckerSettings(
                    baseURL: url, token: token.value, repo: w.repo, skipped: w.skipped == .success ? .success : .failure,
                    events: w.events, branch: w.branch),
                transport: transport, retry: retry, logger: logger)
        }
        switch settings.stages.rollout {
        case .unobserved: break
        case .kubernetes:
            let k = settings.kubernetes
            let auth: KubernetesAuth
            if let url = k.url {
                guard let token = k.token else {
                    throw ConfigurationError("\(prefix)kubernetes.token is required because kubernetes.url is set")
                }
                auth = .explicit(url: url, token: token.value, caFile: nil)
            } else {
                auth = .inCluster()
            }
            var deployments: [KubernetesSettings.Deployment] = []
            for deployment in k.deployments {
                guard let namespace = deployment.namespace ?? k.namespace ?? (k.url == nil ? KubernetesAuth.namespace() : nil) else {
                    throw ConfigurationError("""
                        \(prefix)kubernetes.deployments entry \(deployment.name) has no namespace: write it as namespace/name, \
                        or set \(prefix)kubernetes.namespace (in a pod, the pod's own namespace is the default)
                        """)
                }
                deployments.append(.init(namespace: namespace, name: deployment.name))
            }
            plan.rollout = KubernetesRollout(
                settings: KubernetesSettings(deployments: deployments, shaLength: k.shaLength, container: k.container, auth: auth),
                transport: transport, retry: retry, logger: logger)
        }
        return plan
    }

    /// The executor of the global settings (operator checks).
    func executor() throws(ConfigurationError) -> any Executor {
        try executor(config.globalSettings, name: "")
    }

    func executor(_ settings: AFKConfig.RepoSettings, name prefix: String) throws(ConfigurationError) -> any Executor {
        let executor = settings.executor
        let envName = { (key: String) in AFKConfig.environmentName(for: prefix + key) }
        guard let url = executor.url else { throw ConfigurationError("\(prefix)executor.url (\(envName("executor.url"))) is required") }
        switch executor.kind {
        case .t3:
            guard let token = executor.token else { throw ConfigurationError("\(prefix)executor.token (\(envName("executor.token"))) is required") }
            return T3Executor(
                baseURL: url, token: token.value,
                settings: .init(workspaceRoot: executor.workspaceRoot, providerInstance: executor.providerInstance,
                                model: executor.model, runtimeMode: executor.runtimeMode),
                transport: transport, retry: retry, logger: logger)
        case .jobs:
            guard let token = executor.token else { throw ConfigurationError("\(prefix)executor.token (\(envName("executor.token"))) is required") }
            return JobRunnerExecutor(
                baseURL: url, token: token.value,
                settings: .init(agent: executor.agent, budgetUSD: settings.budgetUSD, timeoutSeconds: executor.timeoutSeconds),
                transport: transport, retry: retry, logger: logger)
        case .claudomator:
            return ClaudomatorExecutor(
                baseURL: url, token: executor.token?.value,
                settings: .init(model: executor.model, workspaceRoot: executor.workspaceRoot, budgetUSD: settings.budgetUSD,
                                timeoutSeconds: executor.timeoutSeconds, permissionMode: executor.permissionMode),
                transport: transport, retry: retry, logger: logger)
        }
    }

    /// The configured doorbell channels.
    func notifiers() -> [any Notifier] {
        var notifiers: [any Notifier] = []
        if let ntfy = config.notify.ntfy {
            notifiers.append(NtfyNotifier(url: ntfy.url, topic: ntfy.topic, token: ntfy.token?.value, transport: transport, retry: retry, logger: logger))
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
