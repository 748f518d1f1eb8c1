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
            ).prefixKeys(with: "afk")
        ]
        let file = try configFile.map { path throws(ConfigurationError) in try ConfigFile.load(path) }
        let yaml = file.map { InMemoryProvider(name: "config file \($0.path)", values: $0.values) }
        // The secrets directory may itself be configured in the YAML file.
        let preliminary = ConfigReader(providers: providers + (yaml.map { [$0] } ?? []))
        let secretsDirectory = sources.secretsDirectory ?? preliminary.string(forKey: "secrets_dir").flatMap { $0.isEmpty ? nil : $0 }
        if let secretsDirectory {
            providers.append(try SecretFiles.provider(directory: secretsDirectory, keys: secretKeys))
        }
        if let yaml { providers.append(yaml) }
        let problems = Problems()
        problems.add(file?.problems ?? [])
        problems.add(unknownEnvironmentNames(env))
        let values = Values(reader: ConfigReader(providers: providers), environment: env, file: configFile, problems: problems)
        let config = build(from: values)
        problems.add(RepoOverrideNames.problems(file: file, environment: env, allowlist: config.allowlist))
        if !problems.messages.isEmpty { throw ConfigurationError(problems.messages) }
        return config
    }

    /// `AFK_*` variables that map to no key: each with the nearest valid name when one is near.
    /// Per-repository variables (`AFK_REPOS_…`) are checked by ``RepoOverrideNames``.
    static func unknownEnvironmentNames(_ env: [String: String]) -> [String] {
        let known = Set(ConfigKeys.all.map(\.environmentName)).union(ConfigKeys.environmentNonKeys)
        return env.keys.sorted().filter { $0.hasPrefix("AFK_") && !$0.hasPrefix("AFK_REPOS_") && !known.contains($0) }.map { name in
            let near = ConfigKeys.nearest(to: name, among: known.sorted())
            return "\(name) (environment) is not an afk configuration variable" + (near.map { "; did you mean \($0)?" } ?? "")
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
        let distinct = Set([c.labels.ready, c.labels.inProgress, c.labels.human, c.labels.paused].map { $0.lowercased() })
        if distinct.count != 4 {
            v.fail("ready_label, in_progress_label, human_label and paused_label must be four different labels")
        }
        c.preambleFile = v.string("preamble_file")

        c.tracker.kind = v.choice("tracker.kind", AFKConfig.TrackerKind.self) ?? c.tracker.kind
        if let url = v.url("tracker.url") {
            c.tracker.url = url
        } else if c.tracker.kind != .github, !v.isSet("tracker.url") {
            v.missing("tracker.url", because: "tracker.kind is \(c.tracker.kind.rawValue) (the server's root URL, e.g. https://codeberg.org)")
        }
        c.tracker.token = v.secret("tracker.token")
        c.tracker.botLogin = v.string("tracker.bot_login")

        let global = readRepoSettings(v, prefix: "", base: AFKConfig.RepoSettings())
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
            guard v.hasAny(under: prefix, keys: repoKeys) else { continue }
            c.repoOverrides[repo.slug] = readRepoSettings(v, prefix: prefix, base: global)
        }

        let ntfyURL = v.url("notify.ntfy.url")
        let ntfyTopic = v.string("notify.ntfy.topic")
        let ntfyToken = v.secret("notify.ntfy.token")
        switch (ntfyURL, ntfyTopic) {
        case let (url?, topic?): c.notify.ntfy = Ntfy(url: url, topic: topic, token: ntfyToken)
        case (nil, nil): if ntfyToken != nil { v.missing("notify.ntfy.url", because: "notify.ntfy.token is set") }
        case (nil, _?): if !v.isSet("notify.ntfy.url") { v.missing("notify.ntfy.url", because: "notify.ntfy.topic is set") }
        case (_?, nil): v.missing("notify.ntfy.topic", because: "notify.ntfy.url is set")
        }
        if let hook = v.secret("notify.slack.webhook_url") {
            if let url = URL(string: hook.value), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil {
                c.notify.slackWebhookURL = hook
            } else {
                v.fail("\(v.name("notify.slack.webhook_url")) must be an http(s) URL (value not shown: it is a secret)")
            }
        }
        c.http.timeoutSeconds = v.number("http.timeout_seconds", minimum: 0, exclusive: true) ?? c.http.timeoutSeconds
        c.http.retryBudgetSeconds = v.number("http.retry_budget_seconds", minimum: 0, exclusive: false) ?? c.http.retryBudgetSeconds
        c.tick.deadlineSeconds = v.number("tick.deadline_seconds", minimum: 0, exclusive: true) ?? c.tick.deadlineSeconds

        // What an armed tick cannot run without. A disabled tick needs none of it.
        if c.disabledReason == nil {
            if c.tracker.token == nil, !v.isSet("tracker.token") { v.missing("tracker.token", because: "afk is armed") }
            if c.tracker.botLogin == nil, !v.isSet("tracker.bot_login") {
                v.missing("tracker.bot_login", because: "afk is armed (it is the login afk writes as)")
            }
            for repo in c.allowlist {
                let prefix = c.repoOverrides[repo.slug] == nil ? "" : "repos.\(repo.description)."
                requireArmed(c.settings(for: repo), v, prefix: prefix, repo: repo)
            }
        }
        return c
    }

    /// The keys a repository may override under `repos.<owner/name>.…`.
    static var repoKeys: [String] { ConfigKeys.overridablePaths }

    /// Reads the overridable keys under `prefix` ("" for the global ones), each falling back to `base`.
    static func readRepoSettings(_ v: Values, prefix p: String, base: RepoSettings) -> RepoSettings {
        var r = base
        r.budgetUSD = v.number(p + "budget_usd", minimum: 0, exclusive: true) ?? r.budgetUSD
        r.fixForwardMaxAttempts = v.integer(p + "fix_forward_max_attempts", minimum: 0) ?? r.fixForwardMaxAttempts
        r.fixForwardMaxSeconds = v.integer(p + "fix_forward_max_seconds", minimum: 1) ?? r.fixForwardMaxSeconds
        r.stallSeconds = v.integer(p + "stall_seconds", minimum: 1) ?? r.stallSeconds

        r.executor.kind = v.choice(p + "executor.kind", AFKConfig.ExecutorKind.self) ?? r.executor.kind
        r.executor.url = v.url(p + "executor.url") ?? r.executor.url
        r.executor.token = v.secret(p + "executor.token") ?? r.executor.token
        r.executor.model = v.string(p + "executor.model") ?? r.executor.model
        r.executor.providerInstance = v.slug(p + "executor.provider_instance") ?? r.executor.providerInstance
        r.executor.runtimeMode = v.oneOf(p + "executor.runtime_mode", ["approval-required", "auto-accept-edits", "full-access", "auto"])
            ?? r.executor.runtimeMode
        r.executor.workspaceRoot = v.string(p + "executor.workspace_root") ?? r.executor.workspaceRoot
        r.executor.agent = v.string(p + "executor.agent") ?? r.executor.agent
        r.executor.timeoutSeconds = v.integer(p + "executor.timeout_seconds", minimum: 60) ?? r.executor.timeoutSeconds
        r.executor.permissionMode = v.string(p + "executor.permission_mode") ?? r.executor.permissionMode
        if r.executor.kind == .claudomator, !r.executor.workspaceRoot.hasPrefix("/") {
            // Claudomator's server takes working_dir as given: it expands no `~`.
            v.fail("""
                \(v.name(p + "executor.workspace_root")) must be an absolute path on the Claudomator host when executor.kind is \
                claudomator, got "\(r.executor.workspaceRoot)"
                """)
        }

        r.stages.build = v.choice(p + "stages.build", AFKConfig.Stages.Build.self) ?? r.stages.build
        r.stages.deploy = v.choice(p + "stages.deploy", AFKConfig.Stages.Deploy.self) ?? r.stages.deploy
        r.stages.rollout = v.choice(p + "stages.rollout", AFKConfig.Stages.Rollout.self) ?? r.stages.rollout
        if r.stages == AFKConfig.Stages(build: .unobserved, deploy: .unobserved, rollout: .unobserved) {
            v.fail("""
                \(v.name(p + "stages.build")): at least one of stages.build, stages.deploy and stages.rollout must be observed, \
                or no run could ever be green
                """)
        }

        r.woodpecker.url = v.url(p + "woodpecker.url") ?? r.woodpecker.url
        r.woodpecker.token = v.secret(p + "woodpecker.token") ?? r.woodpecker.token
        if let text = v.string(p + "woodpecker.repo") {
            if let repo = RepoRef(parsing: text) {
                r.woodpecker.repo = repo
            } else {
                v.fail("\(v.name(p + "woodpecker.repo")) must be owner/name, got \"\(text)\"")
            }
        }
        r.woodpecker.skipped = v.choice(p + "woodpecker.skipped", AFKConfig.Woodpecker.Skipped.self) ?? r.woodpecker.skipped
        if let events = v.list(p + "woodpecker.events") {
            let known = ["push", "pull_request", "pull_request_closed", "pull_request_metadata", "tag", "release", "deployment", "cron", "manual"]
            let unknown = events.filter { !known.contains($0) }
            for event in unknown {
                v.fail("\(v.name(p + "woodpecker.events")) entries must be Woodpecker events (\(known.joined(separator: ", "))), got \"\(event)\"")
            }
            if unknown.isEmpty { r.woodpecker.events = events }
        }
        r.woodpecker.branch = v.string(p + "woodpecker.branch") ?? r.woodpecker.branch

        if let entries = v.list(p + "kubernetes.deployments") {
            var deployments: [AFKConfig.Kubernetes.Deployment] = []
            for entry in entries {
                let parts = entry.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                guard parts.allSatisfy({ Self.isDNSLabel($0) }), (1...2).contains(parts.count) else {
                    v.fail("""
                        \(v.name(p + "kubernetes.deployments")) entries must be name or namespace/name (lowercase DNS labels), \
                        got "\(entry)"
                        """)
                    continue
                }
                deployments.append(parts.count == 2 ? .init(namespace: parts[0], name: parts[1]) : .init(namespace: nil, name: parts[0]))
            }
            r.kubernetes.deployments = deployments
        }
        if let namespace = v.string(p + "kubernetes.namespace") {
            if Self.isDNSLabel(namespace) {
                r.kubernetes.namespace = namespace
            } else {
                v.fail("\(v.name(p + "kubernetes.namespace")) must be a namespace name (a lowercase DNS label), got \"\(namespace)\"")
            }
        }
        if let length = v.integer(p + "kubernetes.sha_length", minimum: 7) {
            if length <= 40 {
                r.kubernetes.shaLength = length
            } else {
                v.fail("\(v.name(p + "kubernetes.sha_length")) must be a whole number from 7 to 40, got \"\(length)\"")
            }
        }
        r.kubernetes.container = v.string(p + "kubernetes.container") ?? r.kubernetes.container
        r.kubernetes.url = v.url(p + "kubernetes.url") ?? r.kubernetes.url
        r.kubernetes.token = v.secret(p + "kubernetes.token") ?? r.kubernetes.token
        return r
    }

    /// What an armed tick needs for one repository's settings. A key that is set but invalid was
    /// reported already and is not reported missing as well.
    static func requireArmed(_ r: RepoSettings, _ v: Values, prefix p: String, repo: RepoRef) {
        let armed = "afk is armed"
        let forRepo = p.isEmpty ? "" : " for \(repo)"
        let need = { (key: String, because: String) in
            if !v.isSet(p + key), p.isEmpty || !v.isSet(key) { v.missing(p + key, because: because) }
        }
        if r.executor.url == nil { need("executor.url", armed + forRepo) }
        if r.executor.token == nil, r.executor.kind != .claudomator {
            need("executor.token", "\(armed) and executor.kind is \(r.executor.kind.rawValue)\(forRepo)")
        }
        if r.stages.deploy == .woodpecker {
            if r.woodpecker.url == nil { need("woodpecker.url", "stages.deploy is woodpecker\(forRepo)") }
            if r.woodpecker.token == nil { need("woodpecker.token", "stages.deploy is woodpecker\(forRepo)") }
        }
        if r.stages.rollout == .kubernetes {
            if r.kubernetes.deployments.isEmpty { need("kubernetes.deployments", "stages.rollout is kubernetes\(forRepo)") }
            if r.kubernetes.url != nil, r.kubernetes.token == nil { need("kubernetes.token", "kubernetes.url is set (out of cluster)\(forRepo)") }
        }
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
            guard key.hasPrefix("repos."), let suffix = ConfigKeys.overridablePaths.first(where: { key.hasSuffix("." + $0) }) else {
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

        func string(_ key: String) -> String? { raw(key) }

        func secret(_ key: String) -> Secret? { raw(key, secret: true).map(Secret.init) }

        func label(_ key: String) -> String? {
            guard let value = raw(key) else { return nil }
            guard !value.contains(",") else {
                fail("\(name(key)) must be one label name without commas, got \"\(value)\"")
                return nil
            }
            return value
        }

        func bool(_ key: String) -> Bool? {
            guard let value = raw(key) else { return nil }
            switch value.lowercased() {
            case "true": return true
            case "false": return false
            default:
                fail("\(name(key)) must be true or false, got \"\(value)\"")
                return nil
            }
        }

        func integer(_ key: String, minimum: Int) -> Int? {
            guard let value = raw(key) else { return nil }
            guard let n = Int(value), n >= minimum else {
                fail("\(name(key)) must be a whole number of at least \(minimum), got \"\(value)\"")
                return nil
            }
            return n
        }

        func number(_ key: String, minimum: Double, exclusive: Bool) -> Double? {
            guard let value = raw(key) else { return nil }
            guard let n = Double(value), n.isFinite, exclusive ? n > minimum : n >= minimum else {
                let bound = exclusive ? "greater than" : "at least"
                fail("\(name(key)) must be a number \(bound) \(Int(minimum)), got \"\(value)\"")
                return nil
            }
            return n
        }

        func url(_ key: String) -> URL? {
            let secret = ConfigKeys.spec(key.split(separator: ".").suffix(from: key.hasPrefix("repos.") ? 2 : 0).joined(separator: "."))?.secret ?? false
            guard let value = raw(key, secret: secret) else { return nil }
            guard let url = URL(string: value), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  url.host != nil, url.query == nil
            else {
                fail("\(name(key)) must be an http(s) URL without a query, got " + (secret ? "a value not shown (it is a secret)" : "\"\(value)\""))
                return nil
            }
            return url
        }

        func oneOf(_ key: String, _ allowed: [String]) -> String? {
            guard let value = raw(key) else { return nil }
            guard allowed.contains(value) else {
                fail("\(name(key)) must be one of \(allowed.joined(separator: ", ")), got \"\(value)\"")
                return nil
            }
            return value
        }

        func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) -> E? where E.RawValue == String {
            oneOf(key, E.allCases.map(\.rawValue)).flatMap(E.init(rawValue:))
        }

        func slug(_ key: String) -> String? {
            guard let value = raw(key) else { return nil }
            let ok = value.count <= 64 && value.first.map(\.isLetter) == true
                && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
            guard ok else {
                fail("\(name(key)) must be a slug (a letter, then letters, digits, _ or -; at most 64), got \"\(value)\"")
                return nil
            }
            return value
        }

        /// A YAML list, or a comma-separated string (as in the environment); nil when absent.
        func list(_ key: String) -> [String]? {
            var entries: [String]
            do {
                entries = try reader.requiredStringArray(forKey: configKey(key))
            } catch {
                if "\(error)".hasPrefix("Missing required config value") { return nil }
                guard let text = raw(key) else { return nil }
                entries = text.split(separator: ",").map(String.init)
            }
            return entries.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        /// Whether any of `keys` is set under `prefix`.
        func hasAny(under prefix: String, keys: [String]) -> Bool {
            keys.contains { isSet(prefix + $0) }
        }

        func allowlist() -> [RepoRef]? {
            let key = "allowlist"
            guard let entries = list(key) else { return nil }
            var repos: [RepoRef] = []
            for trimmed in entries {
                guard let repo = RepoRef(parsing: trimmed) else {
                    fail("\(name(key)) entries must be owner/name, got \"\(trimmed)\"")
                    continue
                }
                if !repos.contains(where: { $0.slug == repo.slug }) { repos.append(repo) }
            }
            return repos
        }
    }
}
