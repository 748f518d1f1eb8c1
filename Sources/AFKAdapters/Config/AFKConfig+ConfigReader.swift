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
    public static let secretKeys = ["tracker.token", "executor.token", "notify.ntfy.token", "notify.slack.webhook_url"]

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
        return try build(from: values)
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
        c.budgetUSD = try v.number("budget_usd", minimum: 0, exclusive: true) ?? c.budgetUSD
        c.fixForwardMaxAttempts = try v.integer("fix_forward_max_attempts", minimum: 0) ?? c.fixForwardMaxAttempts
        c.fixForwardMaxSeconds = try v.integer("fix_forward_max_seconds", minimum: 1) ?? c.fixForwardMaxSeconds
        c.stallSeconds = try v.integer("stall_seconds", minimum: 1)
        c.preambleFile = try v.string("preamble_file")

        c.tracker.kind = try v.choice("tracker.kind", AFKConfig.TrackerKind.self) ?? c.tracker.kind
        if let url = try v.url("tracker.url") {
            c.tracker.url = url
        } else if c.tracker.kind != .github {
            throw v.missing("tracker.url", because: "tracker.kind is \(c.tracker.kind.rawValue) (the server's root URL, e.g. https://codeberg.org)")
        }
        c.tracker.token = try v.secret("tracker.token")
        c.tracker.botLogin = try v.string("tracker.bot_login")

        c.executor.kind = try v.choice("executor.kind", AFKConfig.ExecutorKind.self) ?? c.executor.kind
        c.executor.url = try v.url("executor.url")
        c.executor.token = try v.secret("executor.token")
        c.executor.model = try v.string("executor.model") ?? c.executor.model
        c.executor.providerInstance = try v.slug("executor.provider_instance") ?? c.executor.providerInstance
        c.executor.runtimeMode = try v.oneOf("executor.runtime_mode", ["approval-required", "auto-accept-edits", "full-access", "auto"])
            ?? c.executor.runtimeMode
        c.executor.workspaceRoot = try v.string("executor.workspace_root") ?? c.executor.workspaceRoot

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

        // What an armed tick cannot run without. A disabled tick needs none of it.
        if c.disabledReason == nil {
            if c.tracker.token == nil { throw v.missing("tracker.token", because: "afk is armed") }
            if c.tracker.botLogin == nil { throw v.missing("tracker.bot_login", because: "afk is armed (it is the login afk writes as)") }
            if c.executor.url == nil { throw v.missing("executor.url", because: "afk is armed") }
            if c.executor.token == nil { throw v.missing("executor.token", because: "afk is armed") }
        }
        return c
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

        func allowlist() throws(ConfigurationError) -> [RepoRef]? {
            let key = "allowlist"
            var entries: [String]
            do {
                entries = try reader.requiredStringArray(forKey: ConfigKey(key))
            } catch {
                if "\(error)".hasPrefix("Missing required config value") { return nil }
                // A YAML scalar rather than a list: accept a comma-separated string as in the environment.
                guard let text = try raw(key) else { return nil }
                entries = text.split(separator: ",").map(String.init)
            }
            var repos: [RepoRef] = []
            for entry in entries {
                let trimmed = entry.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                guard let repo = RepoRef(parsing: trimmed) else {
                    throw ConfigurationError("\(name(key)) entries must be owner/name, got \"\(trimmed)\"")
                }
                if !repos.contains(where: { $0.slug == repo.slug }) { repos.append(repo) }
            }
            return repos
        }
    }
}
