import AFKCore
import Configuration
import Foundation
import SystemPackage

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
    public static let secretKeys = [
        "tracker.token", "executor.token", "notify.ntfy.token", "notify.slack.webhook_url", "woodpecker.token", "kubernetes.token",
    ]

    /// The environment variable for a key path: `tracker.bot_login` → `AFK_TRACKER_BOT_LOGIN`.
    public static func environmentName(for key: String) -> String {
        "AFK_" + key.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
    }

    /// Loads and validates. Reads local files only; makes no network request.
    public static func load(from sources: Sources) async throws(ConfigurationError) -> AFKConfig {
        let env = sources.environment
        let configFile = sources.configFile ?? env["AFK_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        var providers: [any ConfigProvider] = [
            EnvironmentVariablesProvider(
                environmentVariables: env,
                secretsSpecifier: .specific(Set(secretKeys.map(environmentName(for:))))
            ).prefixKeys(with: "afk")
        ]
        var yaml: (any ConfigProvider)?
        if let configFile {
            guard FileManager.default.fileExists(atPath: configFile) else {
                throw ConfigurationError("config file \(configFile) (--config / AFK_CONFIG) does not exist")
            }
            do {
                yaml = try await FileProvider<YAMLSnapshot>(filePath: FilePath(configFile))
            } catch {
                throw ConfigurationError("config file \(configFile) is not valid YAML for afk: \(error)")
            }
        }
        // The secrets directory may itself be configured in the YAML file.
        let preliminary = ConfigReader(providers: providers + (yaml.map { [$0] } ?? []))
        let secretsDirectory = sources.secretsDirectory ?? preliminary.string(forKey: "secrets_dir")
        if let secretsDirectory {
            providers.append(try SecretFiles.provider(directory: secretsDirectory, keys: secretKeys))
        }
        if let yaml { providers.append(yaml) }
        let values = Values(reader: ConfigReader(providers: providers), environment: env, file: configFile)
        let config = try build(from: values)
        let yamlText = configFile.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
        try RepoOverrideNames.check(yamlText: yamlText, file: configFile, environment: env, allowlist: config.allowlist)
        return config
    }

    static func build(from v: Values) throws(ConfigurationError) -> AFKConfig {
        var c = AFKConfig()
        c.killSwitch = try v.bool("kill_switch") ?? c.killSwitch
        c.allowlist = try v.allowlist() ?? []
        c.labels.ready = try v.label("ready_label") ?? c.labels.ready
        c.labels.inProgress = try v.label("in_progress_label") ?? c.labels.inProgress
        c.labels.human = try v.label("human_label") ?? c.labels.human
        c.labels.paused = try v.label("paused_label") ?? c.labels.paused
        let distinct = Set([c.labels.ready, c.labels.inProgress, c.labels.human, c.labels.paused].map { $0.lowercased() })
        guard distinct.count == 4 else {
            throw ConfigurationError("ready_label, in_progress_label, human_label and paused_label must be four different labels")
        }
        c.preambleFile = try v.string("preamble_file")

        c.tracker.kind = try v.choice("tracker.kind", AFKConfig.TrackerKind.self) ?? c.tracker.kind
        if let url = try v.url("tracker.url") {
            c.tracker.url = url
        } else if c.tracker.kind != .github {
            throw v.missing("tracker.url", because: "tracker.kind is \(c.tracker.kind.rawValue) (the server's root URL, e.g. https://codeberg.org)")
        }
        c.tracker.token = try v.secret("tracker.token")
        c.tracker.botLogin = try v.string("tracker.bot_login")

        let global = try readRepoSettings(v, prefix: "", base: AFKConfig.RepoSettings())
        c.executor = global.executor
        c.budgetUSD = global.budgetUSD
        c.fixForwardMaxAttempts = global.fixForwardMaxAttempts
        c.fixForwardMaxSeconds = global.fixForwardMaxSeconds
        c.stallSeconds = global.stallSeconds
        c.stages = global.stages
        c.woodpecker = global.woodpecker
        c.kubernetes = global.kubernetes
        for repo in c.allowlist {
            let prefix = "repos.\(repo.description)."
            guard try v.hasAny(under: prefix, keys: repoKeys) else { continue }
            c.repoOverrides[repo.slug] = try readRepoSettings(v, prefix: prefix, base: global)
        }

        let ntfyURL = try v.url("notify.ntfy.url")
        let ntfyTopic = try v.string("notify.ntfy.topic")
        let ntfyToken = try v.secret("notify.ntfy.token")
        switch (ntfyURL, ntfyTopic) {
        case let (url?, topic?): c.notify.ntfy = Ntfy(url: url, topic: topic, token: ntfyToken)
        case (nil, nil): if ntfyToken != nil { throw v.missing("notify.ntfy.url", because: "notify.ntfy.token is set") }
        case (nil, _?): throw v.missing("notify.ntfy.url", because: "notify.ntfy.topic is set")
        case (_?, nil): throw v.missing("notify.ntfy.topic", because: "notify.ntfy.url is set")
        }
        if let hook = try v.secret("notify.slack.webhook_url") {
            guard let url = URL(string: hook.value), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
                throw ConfigurationError("\(v.name("notify.slack.webhook_url")) must be an http(s) URL (value not shown: it is a secret)")
            }
            c.notify.slackWebhookURL = hook
        }
        c.http.timeoutSeconds = try v.number("http.timeout_seconds", minimum: 0, exclusive: true) ?? c.http.timeoutSeconds
        c.http.retryBudgetSeconds = try v.number("http.retry_budget_seconds", minimum: 0, exclusive: false) ?? c.http.retryBudgetSeconds
        c.tick.deadlineSeconds = try v.number("tick.deadline_seconds", minimum: 0, exclusive: true) ?? c.tick.deadlineSeconds

        // What an armed tick cannot run without. A disabled tick needs none of it.
        if c.disabledReason == nil {
            if c.tracker.token == nil { throw v.missing("tracker.token", because: "afk is armed") }
            if c.tracker.botLogin == nil { throw v.missing("tracker.bot_login", because: "afk is armed (it is the login afk writes as)") }
            for repo in c.allowlist {
                let prefix = c.repoOverrides[repo.slug] == nil ? "" : "repos.\(repo.description)."
                try requireArmed(c.settings(for: repo), v, prefix: prefix, repo: repo)
            }
        }
        return c
    }

    /// The keys a repository may override under `repos.<owner/name>.…`.
    static let repoKeys = [
        "executor.kind", "executor.url", "executor.token", "executor.model", "executor.provider_instance",
        "executor.runtime_mode", "executor.workspace_root", "executor.agent", "executor.timeout_seconds",
        "executor.permission_mode", "budget_usd", "fix_forward_max_attempts", "fix_forward_max_seconds", "stall_seconds",
        "stages.build", "stages.deploy", "stages.rollout",
        "woodpecker.url", "woodpecker.token", "woodpecker.repo", "woodpecker.skipped", "woodpecker.events", "woodpecker.branch",
        "kubernetes.deployments", "kubernetes.namespace", "kubernetes.sha_length", "kubernetes.container",
        "kubernetes.url", "kubernetes.token",
    ]

    /// Reads the overridable keys under `prefix` ("" for the global ones), each falling back to `base`.
    static func readRepoSettings(_ v: Values, prefix p: String, base: RepoSettings) throws(ConfigurationError) -> RepoSettings {
        var r = base
        r.budgetUSD = try v.number(p + "budget_usd", minimum: 0, exclusive: true) ?? r.budgetUSD
        r.fixForwardMaxAttempts = try v.integer(p + "fix_forward_max_attempts", minimum: 0) ?? r.fixForwardMaxAttempts
        r.fixForwardMaxSeconds = try v.integer(p + "fix_forward_max_seconds", minimum: 1) ?? r.fixForwardMaxSeconds
        r.stallSeconds = try v.integer(p + "stall_seconds", minimum: 1) ?? r.stallSeconds

        r.executor.kind = try v.choice(p + "executor.kind", AFKConfig.ExecutorKind.self) ?? r.executor.kind
        r.executor.url = try v.url(p + "executor.url") ?? r.executor.url
        r.executor.token = try v.secret(p + "executor.token") ?? r.executor.token
        r.executor.model = try v.string(p + "executor.model") ?? r.executor.model
        r.executor.providerInstance = try v.slug(p + "executor.provider_instance") ?? r.executor.providerInstance
        r.executor.runtimeMode = try v.oneOf(p + "executor.runtime_mode", ["approval-required", "auto-accept-edits", "full-access", "auto"])
            ?? r.executor.runtimeMode
        r.executor.workspaceRoot = try v.string(p + "executor.workspace_root") ?? r.executor.workspaceRoot
        r.executor.agent = try v.string(p + "executor.agent") ?? r.executor.agent
        r.executor.timeoutSeconds = try v.integer(p + "executor.timeout_seconds", minimum: 60) ?? r.executor.timeoutSeconds
        r.executor.permissionMode = try v.string(p + "executor.permission_mode") ?? r.executor.permissionMode
        if r.executor.kind == .claudomator, !r.executor.workspaceRoot.hasPrefix("/") {
            // Claudomator's server takes working_dir as given: it expands no `~`.
            throw ConfigurationError(
                "\(v.name(p + "executor.workspace_root")) must be an absolute path on the Claudomator host when executor.kind is claudomator, got \"\(r.executor.workspaceRoot)\"")
        }

        r.stages.build = try v.choice(p + "stages.build", AFKConfig.Stages.Build.self) ?? r.stages.build
        r.stages.deploy = try v.choice(p + "stages.deploy", AFKConfig.Stages.Deploy.self) ?? r.stages.deploy
        r.stages.rollout = try v.choice(p + "stages.rollout", AFKConfig.Stages.Rollout.self) ?? r.stages.rollout
        if r.stages == AFKConfig.Stages(build: .unobserved, deploy: .unobserved, rollout: .unobserved) {
            throw ConfigurationError(
                "\(v.name(p + "stages.build")): at least one of stages.build, stages.deploy and stages.rollout must be observed, or no run could ever be green")
        }

        r.woodpecker.url = try v.url(p + "woodpecker.url") ?? r.woodpecker.url
        r.woodpecker.token = try v.secret(p + "woodpecker.token") ?? r.woodpecker.token
        if let text = try v.string(p + "woodpecker.repo") {
            guard let repo = RepoRef(parsing: text) else {
                throw ConfigurationError("\(v.name(p + "woodpecker.repo")) must be owner/name, got \"\(text)\"")
            }
            r.woodpecker.repo = repo
        }
        r.woodpecker.skipped = try v.choice(p + "woodpecker.skipped", AFKConfig.Woodpecker.Skipped.self) ?? r.woodpecker.skipped
        if let events = try v.list(p + "woodpecker.events") {
            let known = ["push", "pull_request", "pull_request_closed", "pull_request_metadata", "tag", "release", "deployment", "cron", "manual"]
            for event in events where !known.contains(event) {
                throw ConfigurationError("\(v.name(p + "woodpecker.events")) entries must be Woodpecker events (\(known.joined(separator: ", "))), got \"\(event)\"")
            }
            r.woodpecker.events = events
        }
        r.woodpecker.branch = try v.string(p + "woodpecker.branch") ?? r.woodpecker.branch

        if let entries = try v.list(p + "kubernetes.deployments") {
            r.kubernetes.deployments = try entries.map { entry throws(ConfigurationError) in
                let parts = entry.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                let valid = parts.allSatisfy { Self.isDNSLabel($0) } && (1...2).contains(parts.count)
                guard valid else {
                    throw ConfigurationError("\(v.name(p + "kubernetes.deployments")) entries must be name or namespace/name (lowercase DNS labels), got \"\(entry)\"")
                }
                return parts.count == 2 ? .init(namespace: parts[0], name: parts[1]) : .init(namespace: nil, name: parts[0])
            }
        }
        if let namespace = try v.string(p + "kubernetes.namespace") {
            guard Self.isDNSLabel(namespace) else {
                throw ConfigurationError("\(v.name(p + "kubernetes.namespace")) must be a namespace name (a lowercase DNS label), got \"\(namespace)\"")
            }
            r.kubernetes.namespace = namespace
        }
        if let length = try v.integer(p + "kubernetes.sha_length", minimum: 7) {
            guard length <= 40 else {
                throw ConfigurationError("\(v.name(p + "kubernetes.sha_length")) must be a whole number from 7 to 40, got \"\(length)\"")
            }
            r.kubernetes.shaLength = length
        }
        r.kubernetes.container = try v.string(p + "kubernetes.container") ?? r.kubernetes.container
        r.kubernetes.url = try v.url(p + "kubernetes.url") ?? r.kubernetes.url
        r.kubernetes.token = try v.secret(p + "kubernetes.token") ?? r.kubernetes.token
        return r
    }

    /// What an armed tick needs for one repository's settings.
    static func requireArmed(_ r: RepoSettings, _ v: Values, prefix p: String, repo: RepoRef) throws(ConfigurationError) {
        let armed = "afk is armed"
        let forRepo = p.isEmpty ? "" : " for \(repo)"
        if r.executor.url == nil { throw v.missing(p + "executor.url", because: armed + forRepo) }
        if r.executor.token == nil, r.executor.kind != .claudomator {
            throw v.missing(p + "executor.token", because: "\(armed) and executor.kind is \(r.executor.kind.rawValue)\(forRepo)")
        }
        if r.stages.deploy == .woodpecker {
            if r.woodpecker.url == nil { throw v.missing(p + "woodpecker.url", because: "stages.deploy is woodpecker\(forRepo)") }
            if r.woodpecker.token == nil { throw v.missing(p + "woodpecker.token", because: "stages.deploy is woodpecker\(forRepo)") }
        }
        if r.stages.rollout == .kubernetes {
            if r.kubernetes.deployments.isEmpty {
                throw v.missing(p + "kubernetes.deployments", because: "stages.rollout is kubernetes\(forRepo)")
            }
            if r.kubernetes.url != nil, r.kubernetes.token == nil {
                throw v.missing(p + "kubernetes.token", because: "kubernetes.url is set (out of cluster)\(forRepo)")
            }
        }
    }

    /// A Kubernetes object name of the DNS-label kind (RFC 1123): lowercase letters, digits, `-`.
    static func isDNSLabel(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 63 && text.first != "-" && text.last != "-"
            && text.allSatisfy { ($0.isASCII && $0.isLowercase) || $0.isNumber || $0 == "-" }
    }

    /// Typed, strict reads over a `ConfigReader`. swift-configuration's defaulted getters fall
    /// back silently on a bad value (toolchain facts §2), so every read here goes through the
    /// `required…` getters and separates "absent" from "present but wrong".
    struct Values {
        let reader: ConfigReader
        let environment: [String: String]
        let file: String?

        /// How the message names a key: the environment variable when it is set there,
        /// otherwise the YAML key (and the file).
        func name(_ key: String) -> String {
            let envName = AFKConfig.environmentName(for: key)
            if environment[envName] != nil { return envName }
            if let file { return "\(key) (in \(file); or \(envName))" }
            return "\(key) (\(envName))"
        }

        func missing(_ key: String, because: String) -> ConfigurationError {
            ConfigurationError("\(name(key)) is required because \(because)")
        }

        func raw(_ key: String, secret: Bool = false) throws(ConfigurationError) -> String? {
            do {
                let value = try reader.requiredString(forKey: ConfigKey(key), isSecret: secret)
                let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
                return trimmed.isEmpty ? nil : trimmed
            } catch {
                // `ConfigError` is package-internal; its "missing" case is recognisable by text.
                if "\(error)".hasPrefix("Missing required config value") { return nil }
                throw ConfigurationError("\(name(key)) must be a single value, not a list or a map")
            }
        }

        func string(_ key: String) throws(ConfigurationError) -> String? { try raw(key) }

        func secret(_ key: String) throws(ConfigurationError) -> Secret? { try raw(key, secret: true).map(Secret.init) }

        func label(_ key: String) throws(ConfigurationError) -> String? {
            guard let value = try raw(key) else { return nil }
            guard !value.contains(",") else { throw ConfigurationError("\(name(key)) must be one label name without commas, got \"\(value)\"") }
            return value
        }

        func bool(_ key: String) throws(ConfigurationError) -> Bool? {
            guard let value = try raw(key) else { return nil }
            switch value.lowercased() {
            case "true": return true
            case "false": return false
            default: throw ConfigurationError("\(name(key)) must be true or false, got \"\(value)\"")
            }
        }

        func integer(_ key: String, minimum: Int) throws(ConfigurationError) -> Int? {
            guard let value = try raw(key) else { return nil }
            guard let n = Int(value), n >= minimum else {
                throw ConfigurationError("\(name(key)) must be a whole number of at least \(minimum), got \"\(value)\"")
            }
            return n
        }

        func number(_ key: String, minimum: Double, exclusive: Bool) throws(ConfigurationError) -> Double? {
            guard let value = try raw(key) else { return nil }
            guard let n = Double(value), n.isFinite, exclusive ? n > minimum : n >= minimum else {
                let bound = exclusive ? "greater than" : "at least"
                throw ConfigurationError("\(name(key)) must be a number \(bound) \(Int(minimum)), got \"\(value)\"")
            }
            return n
        }

        func url(_ key: String) throws(ConfigurationError) -> URL? {
            guard let value = try raw(key) else { return nil }
            guard let url = URL(string: value), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  url.host != nil, url.query == nil
            else { throw ConfigurationError("\(name(key)) must be an http(s) URL without a query, got \"\(value)\"") }
            return url
        }

        func oneOf(_ key: String, _ allowed: [String]) throws(ConfigurationError) -> String? {
            guard let value = try raw(key) else { return nil }
            guard allowed.contains(value) else {
                throw ConfigurationError("\(name(key)) must be one of \(allowed.joined(separator: ", ")), got \"\(value)\"")
            }
            return value
        }

        func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) throws(ConfigurationError) -> E? where E.RawValue == String {
            guard let value = try oneOf(key, E.allCases.map(\.rawValue)) else { return nil }
            return E(rawValue: value)
        }

        func slug(_ key: String) throws(ConfigurationError) -> String? {
            guard let value = try raw(key) else { return nil }
            let ok = value.count <= 64 && value.first.map(\.isLetter) == true
                && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
            guard ok else { throw ConfigurationError("\(name(key)) must be a slug (a letter, then letters, digits, _ or -; at most 64), got \"\(value)\"") }
            return value
        }

        /// A YAML list, or a comma-separated string (as in the environment); nil when absent.
        func list(_ key: String) throws(ConfigurationError) -> [String]? {
            var entries: [String]
            do {
                entries = try reader.requiredStringArray(forKey: ConfigKey(key))
            } catch {
                if "\(error)".hasPrefix("Missing required config value") { return nil }
                guard let text = try raw(key) else { return nil }
                entries = text.split(separator: ",").map(String.init)
            }
            let trimmed = entries.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return trimmed
        }

        /// Whether any of `keys` is set under `prefix`.
        func hasAny(under prefix: String, keys: [String]) throws(ConfigurationError) -> Bool {
            for key in keys {
                if try raw(prefix + key) != nil { return true }
                if (try? reader.requiredStringArray(forKey: ConfigKey(prefix + key))) != nil { return true }
            }
            return false
        }

        func allowlist() throws(ConfigurationError) -> [RepoRef]? {
            let key = "allowlist"
            guard let entries = try list(key) else { return nil }
            var repos: [RepoRef] = []
            for trimmed in entries {
                guard let repo = RepoRef(parsing: trimmed) else {
                    throw ConfigurationError("\(name(key)) entries must be owner/name, got \"\(trimmed)\"")
                }
                if !repos.contains(where: { $0.slug == repo.slug }) { repos.append(repo) }
            }
            return repos
        }
    }
}
