import AFKCore
import Configuration
import Foundation

extension AFKConfig {
    /// Where configuration comes from. Precedence: environment, then secret files, then the
    /// YAML file, then the built-in defaults.
    public struct Sources: Sendable {
        public var environment: [String: String]
        /// `--config PATH`; otherwise `AFK_CONFIG`. A named file that does not exist is an error.
        public var configFile: String?
        /// A mounted Kubernetes Secret directory (`AFK_SECRETS_DIR` or `secrets_dir`).
        public var secretsDirectory: String?

        public init(environment: [String: String], configFile: String? = nil, secretsDirectory: String? = nil) {
            self.environment = environment
            self.configFile = configFile
            self.secretsDirectory = secretsDirectory
        }
    }

    /// Keys whose values are secrets: never printed, and also read from secret files.
    public static var secretKeys: [String] { ConfigKeys.secretPaths }

    /// The environment variable for a key path: `tracker.bot_login` → `AFK_TRACKER_BOT_LOGIN`.
    public static func environmentName(for key: String) -> String {
        "AFK_" + key.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
    }

    /// Loads and validates. Reads local files only; makes no network request.
    ///
    /// Every problem is reported at once (one sentence each, naming the key, where it was set and
    /// what was expected): unknown keys in the YAML file at any level and `AFK_*` variables that
    /// name no key (with the nearest valid key), values that cannot be parsed, and what an armed
    /// configuration lacks. No message ever carries a secret or the file's text.
    public static func load(from sources: Sources) async throws(ConfigurationError) -> AFKConfig {
        let env = sources.environment
        let configFile = sources.configFile ?? env["AFK_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        var providers: [any ConfigProvider] = [
            EnvironmentVariablesProvider(
                environmentVariables: env,
                secretsSpecifier: .specific(Set(secretKeys.map(environmentName(for:))))
            )
            .prefixKeys(with: "afk")
        ]
        let file = try configFile.map { path throws(ConfigurationError) in try ConfigFile.load(path) }
        let yaml = file.map { InMemoryProvider(name: "config file \($0.path)", values: $0.values) }
        // The secrets directory may itself be configured in the YAML file.
        let preliminary = ConfigReader(providers: providers + (yaml.map { [$0] } ?? []))
        let secretsDirectory =
            sources.secretsDirectory ?? preliminary.string(forKey: "secrets_dir").flatMap { $0.isEmpty ? nil : $0 }
        if let secretsDirectory {
            providers.append(try SecretFiles.provider(directory: secretsDirectory, keys: secretKeys))
        }
        if let yaml { providers.append(yaml) }
        let problems = Problems()
        problems.add(file?.problems ?? [])
        problems.add(unknownEnvironmentNames(env))
        let values = Values(
            reader: ConfigReader(providers: providers),
            environment: env,
            file: configFile,
            problems: problems,
            overrideNames: Dictionary(
                (file?.overrides ?? [])
                    .compactMap { entry in RepoRef(parsing: entry.name).map { ($0.slug, entry.name) } },
                uniquingKeysWith: { first, _ in first }
            )
        )
        let config = build(from: values)
        problems.add(RepoOverrideNames.problems(file: file, environment: env, allowlist: config.allowlist))
        if !problems.messages.isEmpty { throw ConfigurationError(problems.messages) }
        return config
    }

    /// `AFK_*` variables that map to no key: each with the nearest valid name when one is near.
    /// Per-repository variables (`AFK_REPOS_…`) are checked by ``RepoOverrideNames``.
    static func unknownEnvironmentNames(_ env: [String: String]) -> [String] {
        let known = Set(ConfigKeys.all.map(\.environmentName)).union(ConfigKeys.environmentNonKeys)
        return env.keys.sorted().filter { $0.hasPrefix("AFK_") && !$0.hasPrefix("AFK_REPOS_") && !known.contains($0) }
            .map { name in
                let near = ConfigKeys.nearest(to: name, among: known.sorted())
                return "\(name) (environment) is not an afk configuration variable"
                    + (near.map { "; did you mean \($0)?" } ?? "")
            }
    }

    static func build(from v: Values) -> AFKConfig {
        var c = AFKConfig()
        c.killSwitch = v.bool("kill_switch") ?? c.killSwitch
        c.allowlist = v.allowlist() ?? []
        c.labels.ready = v.label("ready_label") ?? c.labels.ready
        c.labels.inProgress = v.label("in_progress_label") ?? c.labels.inProgress
        c.labels.human = v.label("human_label") ?? c.labels.human
        c.labels.paused = v.label("paused_label") ?? c.labels.paused
        let distinct = Set(
            [c.labels.ready, c.labels.inProgress, c.labels.human, c.labels.paused].map { $0.lowercased() }
        )
        if distinct.count != 4 {
            v.fail("ready_label, in_progress_label, human_label and paused_label must be four different labels")
        }
        c.preambleFile = v.string("preamble_file")

        c.tracker.kind = v.choice("tracker.kind", AFKConfig.TrackerKind.self) ?? c.tracker.kind
        if let url = v.url("tracker.url") {
            c.tracker.url = url
        } else if c.tracker.kind != .github, !v.isSet("tracker.url") {
            v.missing(
                "tracker.url",
                because: "tracker.kind is \(c.tracker.kind.rawValue) (the server's root URL, e.g. https://codeberg.org)"
            )
        }
        c.tracker.token = v.secret("tracker.token")
        c.tracker.botLogin = v.string("tracker.bot_login")
        c.tracker.app = readGitHubApp(v, kind: c.tracker.kind, tokenSet: c.tracker.token != nil)

        let global = readRepoSettings(v, prefix: "", base: AFKConfig.RepoSettings())
        c.executor = global.executor
        c.budgetUSD = global.budgetUSD
        c.fixForwardMaxAttempts = global.fixForwardMaxAttempts
        c.fixForwardMaxSeconds = global.fixForwardMaxSeconds
        c.stallSeconds = global.stallSeconds
        c.stages = global.stages
        c.woodpecker = global.woodpecker
        c.kubernetes = global.kubernetes
        c.landing = global.landing
        c.pullRequest = global.pullRequest
        c.dashboard = global.dashboard
        c.dashboardTitle = global.dashboardTitle
        c.breakerRuns = global.breakerRuns
        // Only repositories the file names or an `AFK_REPOS_…` variable may name are looked up
        // key by key: an allowlist of thousands costs no more than the overrides written.
        let repoVariables = v.environment.keys.filter { $0.hasPrefix("AFK_REPOS_") }
        for repo in c.allowlist {
            // Repository names are case-insensitive: the file's spelling is the one to look up.
            let written = v.overrideNames[repo.slug]
            let prefix = "repos.\(written ?? repo.description)."
            let environmentPrefix = AFKConfig.environmentName(for: prefix)
            guard
                written != nil || repoVariables.contains(where: { $0.hasPrefix(environmentPrefix) }),
                v.hasAny(under: prefix, keys: repoKeys)
            else { continue }
            c.repoOverrides[repo.slug] = readRepoSettings(v, prefix: prefix, base: global)
        }

        let ntfyURL = v.url("notify.ntfy.url")
        let ntfyTopic = v.string("notify.ntfy.topic")
        let ntfyToken = v.secret("notify.ntfy.token")
        switch (ntfyURL, ntfyTopic) {
        case (let url?, let topic?): c.notify.ntfy = Ntfy(url: url, topic: topic, token: ntfyToken)
        case (nil, nil): if ntfyToken != nil { v.missing("notify.ntfy.url", because: "notify.ntfy.token is set") }
        case (nil, _?):
            if !v.isSet("notify.ntfy.url") { v.missing("notify.ntfy.url", because: "notify.ntfy.topic is set") }
        case (_?, nil): v.missing("notify.ntfy.topic", because: "notify.ntfy.url is set")
        }
        if let hook = v.secret("notify.slack.webhook_url") {
            if let url = URL(string: hook.value), let scheme = url.scheme?.lowercased(),
                ["http", "https"].contains(scheme), url.host != nil
            {
                c.notify.slackWebhookURL = hook
            } else {
                v.fail("\(v.name("notify.slack.webhook_url")) must be an http(s) URL (value not shown: it is a secret)")
            }
        }
        c.http.timeoutSeconds = v.number("http.timeout_seconds") ?? c.http.timeoutSeconds
        c.http.retryBudgetSeconds = v.number("http.retry_budget_seconds") ?? c.http.retryBudgetSeconds
        c.tick.deadlineSeconds = v.number("tick.deadline_seconds") ?? c.tick.deadlineSeconds
        c.http.maxInFlight = v.integer("http.max_in_flight") ?? c.http.maxInFlight
        c.caps.maxConcurrentRuns = v.integer("max_concurrent_runs")
        c.caps.maxDispatchesPerHour = v.integer("max_dispatches_per_hour")
        c.rateLimit.poller = v.integer("rate_limit.poller_reserve") ?? c.rateLimit.poller
        c.rateLimit.watcher = v.integer("rate_limit.watcher_reserve") ?? c.rateLimit.watcher

        // Each lane, validated into its runtime and stages. What an armed tick cannot run without
        // is an error; a disabled tick needs none of it (what is missing is kept for check-config).
        var missing: [String] = []
        let usesGlobal = c.allowlist.isEmpty || c.allowlist.contains { c.repoOverrides[$0.slug] == nil }
        if usesGlobal {
            c.globalLane = LaneSettings.validate(global, forRepo: "", key: v.name, isSet: v.isSet, missing: &missing)
        }
        for repo in c.allowlist {
            guard let settings = c.repoOverrides[repo.slug] else { continue }
            let prefix = "repos.\(repo.description)."
            c.laneOverrides[repo.slug] = LaneSettings.validate(
                settings,
                forRepo: " for \(repo)",
                key: { v.name(prefix + $0) },
                isSet: { v.isSet(prefix + $0) || v.isSet($0) },
                missing: &missing
            )
        }
        if c.disabledReason == nil {
            let usesApp = c.tracker.app != nil || v.isSet("tracker.app_id")
            if c.tracker.token == nil, !v.isSet("tracker.token"), !usesApp {
                v.missing("tracker.token", because: "afk is armed (or set tracker.app_id to act as a GitHub App)")
            }
            if c.tracker.botLogin == nil, !v.isSet("tracker.bot_login"), !usesApp {
                v.missing("tracker.bot_login", because: "afk is armed (it is the login afk writes as)")
            }
            missing.forEach(v.fail)
        } else {
            c.laneProblems = missing
        }
        return c
    }

    /// The keys a repository may override under `repos.<owner/name>.…`.
    static var repoKeys: [String] { ConfigKeys.overridablePaths }

    /// Reads the overridable keys under `prefix` ("" for the global ones), each falling back to `base`.
    static func readRepoSettings(_ v: Values, prefix p: String, base: RepoSettings) -> RepoSettings {
        var r = base
        r.budgetUSD = v.number(p + "budget_usd") ?? r.budgetUSD
        r.fixForwardMaxAttempts = v.integer(p + "fix_forward_max_attempts") ?? r.fixForwardMaxAttempts
        r.fixForwardMaxSeconds = v.integer(p + "fix_forward_max_seconds") ?? r.fixForwardMaxSeconds
        r.stallSeconds = v.integer(p + "stall_seconds") ?? r.stallSeconds
        r.landing = v.choice(p + "landing", LandingMode.self) ?? r.landing
        r.dashboard = v.bool(p + "dashboard") ?? r.dashboard
        r.dashboardTitle = v.string(p + "dashboard_title") ?? r.dashboardTitle
        r.breakerRuns = v.integer(p + "breaker_runs") ?? r.breakerRuns
        if let prefix = v.string(p + "pull_request.branch_prefix") {
            if RunBranch.isValidPrefix(prefix) {
                r.pullRequest.branchPrefix = prefix
            } else {
                v.fail(
                    """
                    \(v.name(p + "pull_request.branch_prefix")) must be usable as the start of a git branch name (no spaces, \
                    `..`, `~^:?*[\\`, and not starting with `/` or `-`), got "\(prefix)"
                    """
                )
            }
        }
        r.pullRequest.mergeMethod =
            v.choice(p + "pull_request.merge_method", MergeMethod.self) ?? r.pullRequest.mergeMethod
        r.pullRequest.deleteBranch = v.bool(p + "pull_request.delete_branch") ?? r.pullRequest.deleteBranch

        r.executor.kind = v.choice(p + "executor.kind", AFKConfig.ExecutorKind.self) ?? r.executor.kind
        r.executor.url = v.url(p + "executor.url") ?? r.executor.url
        r.executor.token = v.secret(p + "executor.token") ?? r.executor.token
        r.executor.model = v.string(p + "executor.model") ?? r.executor.model
        r.executor.providerInstance =
            v.string(p + "executor.provider_instance", as: .slug) ?? r.executor.providerInstance
        r.executor.runtimeMode =
            v.oneOf(p + "executor.runtime_mode")
            ?? r.executor.runtimeMode
        r.executor.workspaceRoot = v.string(p + "executor.workspace_root") ?? r.executor.workspaceRoot
        r.executor.agent = v.string(p + "executor.agent") ?? r.executor.agent
        r.executor.timeoutSeconds = v.integer(p + "executor.timeout_seconds") ?? r.executor.timeoutSeconds
        r.executor.permissionMode = v.string(p + "executor.permission_mode") ?? r.executor.permissionMode
        if r.executor.kind == .claudomator, !r.executor.workspaceRoot.hasPrefix("/") {
            // Claudomator's server takes working_dir as given: it expands no `~`.
            v.fail(
                """
                \(v.name(p + "executor.workspace_root")) must be an absolute path on the Claudomator host when executor.kind is \
                claudomator, got "\(r.executor.workspaceRoot)"
                """
            )
        }

        r.stages.build = v.choice(p + "stages.build", AFKConfig.Stages.Build.self) ?? r.stages.build
        r.stages.deploy = v.choice(p + "stages.deploy", AFKConfig.Stages.Deploy.self) ?? r.stages.deploy
        r.stages.rollout = v.choice(p + "stages.rollout", AFKConfig.Stages.Rollout.self) ?? r.stages.rollout
        if r.stages == AFKConfig.Stages(build: .unobserved, deploy: .unobserved, rollout: .unobserved) {
            v.fail(
                """
                \(v.name(p + "stages.build")): at least one of stages.build, stages.deploy and stages.rollout must be observed, \
                or no run could ever be green
                """
            )
        }

        r.woodpecker.url = v.url(p + "woodpecker.url") ?? r.woodpecker.url
        r.woodpecker.token = v.secret(p + "woodpecker.token") ?? r.woodpecker.token
        r.woodpecker.repo = v.repository(p + "woodpecker.repo") ?? r.woodpecker.repo
        r.woodpecker.skipped =
            v.choice(p + "woodpecker.skipped", AFKConfig.Woodpecker.Skipped.self) ?? r.woodpecker.skipped
        r.woodpecker.events = v.list(p + "woodpecker.events") ?? r.woodpecker.events
        r.woodpecker.branch = v.string(p + "woodpecker.branch") ?? r.woodpecker.branch

        if let entries = v.list(p + "kubernetes.deployments") {
            r.kubernetes.deployments = entries.map { entry in
                let parts = entry.split(separator: "/").map(String.init)
                return parts.count == 2
                    ? .init(namespace: parts[0], name: parts[1]) : .init(namespace: nil, name: parts[0])
            }
        }
        r.kubernetes.namespace = v.string(p + "kubernetes.namespace", as: .namespace) ?? r.kubernetes.namespace
        r.kubernetes.shaLength = v.integer(p + "kubernetes.sha_length") ?? r.kubernetes.shaLength
        r.kubernetes.container = v.string(p + "kubernetes.container") ?? r.kubernetes.container
        r.kubernetes.url = v.url(p + "kubernetes.url") ?? r.kubernetes.url
        r.kubernetes.token = v.secret(p + "kubernetes.token") ?? r.kubernetes.token
        return r
    }

    /// A Kubernetes object name of the DNS-label kind (RFC 1123): lowercase letters, digits, `-`.
    static func isDNSLabel(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 63 && text.first != "-" && text.last != "-"
            && text.allSatisfy { ($0.isASCII && $0.isLowercase) || $0.isNumber || $0 == "-" }
    }

    /// Every configuration problem found, in the order found; reported together.
    final class Problems {
        private(set) var messages: [String] = []

        func add(_ message: String) {
            if !messages.contains(message) { messages.append(message) }
        }

        func add(_ list: [String]) { list.forEach(add) }
    }

    /// Typed, strict reads over a `ConfigReader`. swift-configuration's defaulted getters fall
    /// back silently on a bad value, so every read here goes through the `required…` getters and
    /// separates "absent" from "present but wrong". A wrong value is recorded in ``Problems``
    /// and reads as absent, so that every problem is found in one pass.
    struct Values {
        let reader: ConfigReader
        let environment: [String: String]
        let file: String?
        let problems: Problems
        /// The repositories the file's `repos:` map names: lower-cased `owner/name` → as written.
        let overrideNames: [String: String]

        /// How the message names a key: the environment variable when it is set there,
        /// otherwise the YAML key (and the file).
        func name(_ key: String) -> String {
            let envName = AFKConfig.environmentName(for: key)
            if environment[envName] != nil { return envName }
            if let file { return "\(key) (in \(file); or \(envName))" }
            return "\(key) (\(envName))"
        }

        func fail(_ message: String) { problems.add(message) }

        func missing(_ key: String, because: String) {
            fail("\(name(key)) is required because \(because)")
        }

        /// Whether the key has a value at all (valid or not).
        func isSet(_ key: String) -> Bool {
            if (try? reader.requiredString(forKey: configKey(key), isSecret: true)) != nil { return true }
            return (try? reader.requiredStringArray(forKey: configKey(key), isSecret: true)) != nil
        }

        /// The reader's key for a dotted path; the repository of a `repos.<owner/name>.…` path
        /// stays one component even when its name holds dots.
        func configKey(_ key: String) -> ConfigKey {
            guard key.hasPrefix("repos."),
                let suffix = ConfigKeys.overridablePaths.first(where: { key.hasSuffix("." + $0) })
            else {
                return ConfigKey(key)
            }
            let repo = String(key.dropFirst("repos.".count).dropLast(suffix.count + 1))
            return ConfigKey(["repos", repo] + suffix.split(separator: ".").map(String.init))
        }

        func raw(_ key: String, secret: Bool = false) -> String? {
            do {
                let value = try reader.requiredString(forKey: configKey(key), isSecret: secret)
                let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
                return trimmed.isEmpty ? nil : trimmed
            } catch {
                // `ConfigError` is package-internal; its "missing" case is recognisable by text.
                if "\(error)".hasPrefix("Missing required config value") { return nil }
                if (try? reader.requiredStringArray(forKey: configKey(key), isSecret: true)) == nil {
                    fail("\(name(key)) must be a single value, not a list or a map")
                } else {
                    fail("\(name(key)) must be a single value, not a list")
                }
                return nil
            }
        }

        /// The table's entry for `key` (a per-repository key is its overridable key's).
        func spec(_ key: String) -> ConfigKeySpec.ValueType {
            ConfigKeys.spec(key)?.type ?? .string
        }

        /// A single value, checked against the table's type for `key` (or `type`).
        func string(_ key: String, as type: ConfigKeySpec.ValueType? = nil) -> String? {
            let type = type ?? spec(key)
            guard let value = raw(key, secret: ConfigKeys.spec(key)?.secret ?? false) else { return nil }
            if let problem = Self.problem(value, type) {
                fail("\(name(key)) must be \(problem)")
                return nil
            }
            return value
        }

        /// Why `value` is not of `type` ("a slug …, got …"), or nil when it is.
        static func problem(_ value: String, _ type: ConfigKeySpec.ValueType) -> String? {
            let got = "got \"\(value)\""
            switch type {
            case .string, .list:
                return nil
            case .bool:
                return ["true", "false"].contains(value.lowercased()) ? nil : "true or false, \(got)"
            case .label:
                return value.contains(",") ? "one label name without commas, \(got)" : nil
            case .slug:
                let ok =
                    value.count <= 64 && value.first.map(\.isLetter) == true
                    && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
                return ok ? nil : "a slug (a letter, then letters, digits, _ or -; at most 64), \(got)"
            case .repository:
                return RepoRef(parsing: value) == nil ? "owner/name, \(got)" : nil
            case .deployment:
                let parts = value.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                let ok = parts.allSatisfy { AFKConfig.isDNSLabel($0) } && (1...2).contains(parts.count)
                return ok ? nil : "name or namespace/name (lowercase DNS labels), \(got)"
            case .namespace:
                return AFKConfig.isDNSLabel(value) ? nil : "a namespace name (a lowercase DNS label), \(got)"
            case .integer(let minimum, let maximum):
                guard let n = Int(value), n >= minimum else { return "a whole number of at least \(minimum), \(got)" }
                if let maximum, n > maximum { return "a whole number from \(minimum) to \(maximum), \(got)" }
                return nil
            case .number(let minimum, let exclusive):
                guard let n = Double(value), n.isFinite, exclusive ? n > minimum : n >= minimum else {
                    return "a number \(exclusive ? "greater than" : "at least") \(Int(minimum)), \(got)"
                }
                return nil
            case .url:
                guard let url = URL(string: value), let scheme = url.scheme?.lowercased(),
                    ["http", "https"].contains(scheme),
                    url.host != nil, url.query == nil
                else { return "an http(s) URL without a query, \(got)" }
                return nil
            case .choice(let allowed):
                return allowed.contains(value) ? nil : "one of \(allowed.joined(separator: ", ")), \(got)"
            }
        }

        func secret(_ key: String) -> Secret? { raw(key, secret: true).map(Secret.init) }

        func label(_ key: String) -> String? { string(key) }

        func bool(_ key: String) -> Bool? { string(key).map { $0.lowercased() == "true" } }

        func integer(_ key: String) -> Int? { string(key).flatMap { Int($0) } }

        func number(_ key: String) -> Double? { string(key).flatMap { Double($0) } }

        func url(_ key: String) -> URL? {
            let secret = ConfigKeys.spec(key)?.secret ?? false
            guard let value = raw(key, secret: secret) else { return nil }
            if Self.problem(value, .url) != nil {
                fail(
                    "\(name(key)) must be an http(s) URL without a query, got "
                        + (secret ? "a value not shown (it is a secret)" : "\"\(value)\"")
                )
                return nil
            }
            return URL(string: value)
        }

        func repository(_ key: String) -> RepoRef? { string(key).flatMap(RepoRef.init(parsing:)) }

        func oneOf(_ key: String) -> String? { string(key) }

        func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) -> E?
        where E.RawValue == String {
            oneOf(key).flatMap(E.init(rawValue:))
        }

        /// A YAML list, or a comma-separated string (as in the environment); nil when absent or
        /// when an entry is not of the table's element type (each such entry is reported).
        func list(_ key: String) -> [String]? {
            var entries: [String]
            do {
                entries = try reader.requiredStringArray(forKey: configKey(key))
            } catch {
                if "\(error)".hasPrefix("Missing required config value") { return nil }
                guard let text = raw(key) else { return nil }
                entries = text.split(separator: ",").map(String.init)
            }
            let trimmed = entries.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard case .list(let element) = spec(key) else { return trimmed }
            var valid = true
            for entry in trimmed {
                if let problem = Self.problem(entry, element) {
                    fail("\(name(key)) entries must be \(Self.entryNoun(element, problem))")
                    valid = false
                }
            }
            return valid ? trimmed : nil
        }

        /// How a list's entries are described (`Woodpecker events (push, …)`).
        static func entryNoun(_ element: ConfigKeySpec.ValueType, _ problem: String) -> String {
            if case .choice = element { return "Woodpecker events (" + problem.dropFirst("one of ".count) }
            return problem
        }

        /// Whether any of `keys` is set under `prefix`.
        func hasAny(under prefix: String, keys: [String]) -> Bool {
            keys.contains { isSet(prefix + $0) }
        }

        func allowlist() -> [RepoRef]? {
            guard let entries = list("allowlist") else { return nil }
            var repos: [RepoRef] = []
            var seen = Set<String>()
            for repo in entries.compactMap(RepoRef.init(parsing:)) where seen.insert(repo.slug).inserted {
                repos.append(repo)
            }
            return repos
        }
    }
}
