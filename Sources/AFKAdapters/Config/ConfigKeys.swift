/// One configuration key: where it lives in the YAML, how the environment spells it, what it
/// takes, whether it is a secret and whether a repository may override it.
public struct ConfigKeySpec: Hashable, Sendable {
    /// What a key's value is, with the bounds a value must keep.
    public indirect enum ValueType: Hashable, Sendable {
        case bool
        case string
        /// A label name: one name, no commas.
        case label
        /// A slug: a letter, then letters, digits, `_` or `-`; at most 64.
        case slug
        /// `owner/name`.
        case repository
        /// A Kubernetes Deployment, `name` or `namespace/name` (lowercase DNS labels).
        case deployment
        /// A Kubernetes namespace (a lowercase DNS label).
        case namespace
        case integer(minimum: Int, maximum: Int? = nil)
        /// A number greater than `minimum` (`exclusive`) or at least it.
        case number(minimum: Double, exclusive: Bool)
        /// An http(s) URL without a query.
        case url
        case choice([String])
        /// A YAML list, or a comma-separated string (as in the environment), of `element`s.
        case list(ValueType)
    }

    /// Dotted path in the YAML file (`tracker.bot_login`).
    public let path: String
    public let type: ValueType
    /// The default, in words (`true`, `—`, `2 × fix_forward_max_seconds`).
    public let defaultText: String
    /// Never printed; also read from a file in the secrets directory.
    public let secret: Bool
    /// May be set per repository under `repos.<owner/name>.…`.
    public let overridable: Bool
    /// One line for the README and `--help`.
    public let doc: String

    /// The environment variable: `AFK_` + the path upper-snake-cased.
    public var environmentName: String { AFKConfig.environmentName(for: path) }
}

/// Every configuration key afk reads. The unknown-key check, the secret-file keys and the
/// overridable keys all come from this one table.
public enum ConfigKeys {
    public static let all: [ConfigKeySpec] = [
        key(
            "kill_switch",
            .bool,
            "`true`",
            "`true`/`false`. On: every tick does nothing, makes no request, exits 0."
        ),
        key(
            "allowlist",
            .list(.repository),
            "empty",
            "Repositories afk may touch, `owner/name`; a YAML list, or comma-separated. Empty: disabled."
        ),
        key(
            "ready_label",
            .label,
            "`ready-for-agent`",
            "The label a trusted person applies to hand an issue to an agent."
        ),
        key(
            "in_progress_label",
            .label,
            "`agent-in-progress`",
            "The lock afk stamps on a dispatched issue."
        ),
        key(
            "human_label",
            .label,
            "`ready-for-human`",
            "Marks a run handed back to a human; such issues are not dispatched."
        ),
        key(
            "paused_label",
            .label,
            "`afk-paused`",
            "Issues carrying it are skipped."
        ),
        key(
            "budget_usd",
            .number(minimum: 0, exclusive: true),
            "`100`",
            "Spending limit per run, for executors that take one.",
            overridable: true
        ),
        key(
            "fix_forward_max_attempts",
            .integer(minimum: 0),
            "`5`",
            "Corrective turns after red CI (watcher).",
            overridable: true
        ),
        key(
            "fix_forward_max_seconds",
            .integer(minimum: 1),
            "`3600`",
            "Time after dispatch within which fixing forward is allowed (watcher).",
            overridable: true
        ),
        key(
            "stall_seconds",
            .integer(minimum: 1),
            "2 × `fix_forward_max_seconds`",
            "A run waiting longer than this in one phase is escalated (watcher).",
            overridable: true
        ),
        key(
            "max_concurrent_runs",
            .integer(minimum: 1),
            "none",
            "At most this many runs in flight across every repository (counted from the tracker's lock labels); the poller dispatches no more until runs end."
        ),
        key(
            "max_dispatches_per_hour",
            .integer(minimum: 1),
            "none",
            "At most this many dispatches across every repository in any hour (counted from run records' dispatch times)."
        ),
        key(
            "preamble_file",
            .string,
            "built in",
            "A file whose text replaces the implementer preamble."
        ),
        key(
            "secrets_dir",
            .string,
            "none",
            "Directory of secret files (see above)."
        ),
        key(
            "tracker.kind",
            .choice(["github", "forgejo", "gitea"]),
            "`github`",
            "The tracker: `github`, `forgejo` or `gitea` (see [Forgejo and Gitea](#forgejo-and-gitea))."
        ),
        key(
            "tracker.url",
            .url,
            "`https://api.github.com`",
            "API base URL (GitHub Enterprise: `https://HOST/api/v3`). Forgejo/Gitea: the server's root URL (`https://codeberg.org`), required."
        ),
        key(
            "tracker.token",
            .string,
            "—",
            "Secret. Required when armed. See the scopes below.",
            secret: true
        ),
        key(
            "tracker.bot_login",
            .string,
            "—",
            "The login the token writes as. Required when armed with a token; only its comments count as run state. Each tick checks the token acts as this login (exit 2 if not). With a GitHub App: defaults to `<app-slug>[bot]`."
        ),
        key(
            "tracker.app_id",
            .string,
            "—",
            "GitHub App ID (or client ID): afk authenticates as the App's installation instead of with `tracker.token` (set one of the two). See [GitHub App](#github-app)."
        ),
        key(
            "tracker.app_private_key",
            .string,
            "—",
            "Secret. The App's private key, PEM (usually the secret file `tracker-app-private-key`). Required with `tracker.app_id`.",
            secret: true
        ),
        key(
            "tracker.app_installation_id",
            .integer(minimum: 1),
            "looked up",
            "The App's installation id; unset: looked up per repository (`GET /repos/{owner}/{repo}/installation`)."
        ),
        key(
            "executor.kind",
            .choice(["t3", "jobs", "claudomator"]),
            "`t3`",
            "The agent runtime: `t3`, `jobs` (claude-agent-service job runner) or `claudomator` (see [Agent runtimes](#agent-runtimes)).",
            overridable: true
        ),
        key(
            "executor.url",
            .url,
            "—",
            "The runtime's base URL, e.g. `http://t3.internal:3773`. Required when armed.",
            overridable: true
        ),
        key(
            "executor.token",
            .string,
            "—",
            "Secret. Bearer token (T3: `t3 auth session issue --token-only`; job runner: its `API_BEARER_TOKEN`; Claudomator: optional). Required when armed (not for Claudomator).",
            secret: true,
            overridable: true
        ),
        key(
            "executor.model",
            .string,
            "`claude-sonnet-4-6`",
            "Model for new threads.",
            overridable: true
        ),
        key(
            "executor.provider_instance",
            .slug,
            "`claudeAgent`",
            "T3 provider instance for new threads.",
            overridable: true
        ),
        key(
            "executor.runtime_mode",
            .choice(["approval-required", "auto-accept-edits", "full-access", "auto"]),
            "`full-access`",
            "T3 runtime mode (`approval-required`, `auto-accept-edits`, `full-access`, `auto`; `auto` needs T3 0.0.29 or later, checked before dispatching). Unattended runs need `full-access`.",
            overridable: true
        ),
        key(
            "executor.workspace_root",
            .string,
            "`~/afk`",
            "On the T3 host; each repo's project lives in `ROOT/owner/name` (created if missing). Claudomator: the root of each task's working directory (an absolute path).",
            overridable: true
        ),
        key(
            "executor.agent",
            .string,
            "`afk-implementer`",
            "Job runner: the agent name passed to `claude --agent`.",
            overridable: true
        ),
        key(
            "executor.timeout_seconds",
            .integer(minimum: 60),
            "`2700`",
            "Job runner and Claudomator: the longest one agent run may take (at least 60).",
            overridable: true
        ),
        key(
            "executor.permission_mode",
            .string,
            "unset",
            "Claudomator: `claude.permission_mode` of new tasks.",
            overridable: true
        ),
        key(
            "landing",
            .choice(["push", "pull_request"]),
            "`push`",
            "How a run's work lands: `push` (the agent pushes to the default branch) or `pull_request` (a run branch, a pull request afk verifies and merges). See [Landing modes](#landing-modes).",
            overridable: true
        ),
        key(
            "dashboard",
            .bool,
            "`false`",
            "Keep a dashboard issue in the repository: the queue, runs in flight, last verdicts, and controls (pause, resume, retry, dispatch next). See [Operator controls](#operator-controls).",
            overridable: true
        ),
        key(
            "dashboard_title",
            .string,
            "`afk dashboard`",
            "The dashboard issue's title.",
            overridable: true
        ),
        key(
            "breaker_runs",
            .integer(minimum: 0),
            "`3`",
            "After this many consecutive runs ending frozen or escalated, dispatching pauses in the repository until a human resumes it on the dashboard (needs `dashboard`; 0: off).",
            overridable: true
        ),
        key(
            "pull_request.branch_prefix",
            .string,
            "`afk/`",
            "Prefix of a run's branch (`afk/<issue>-r<run>`), `landing: pull_request`.",
            overridable: true
        ),
        key(
            "pull_request.merge_method",
            .choice(["merge", "squash", "rebase"]),
            "`squash`",
            "How afk merges a verified pull request: `merge`, `squash` or `rebase`.",
            overridable: true
        ),
        key(
            "pull_request.delete_branch",
            .bool,
            "`true`",
            "Delete the run's branch after afk merged its pull request.",
            overridable: true
        ),
        key(
            "stages.build",
            .choice(["tracker", "unobserved"]),
            "`tracker`",
            "`tracker` (check runs and commit statuses) or `unobserved`. See [Deploy verification](#deploy-verification).",
            overridable: true
        ),
        key(
            "stages.deploy",
            .choice(["unobserved", "woodpecker"]),
            "`unobserved`",
            "`unobserved` or `woodpecker`.",
            overridable: true
        ),
        key(
            "stages.rollout",
            .choice(["unobserved", "kubernetes"]),
            "`unobserved`",
            "`unobserved` or `kubernetes`.",
            overridable: true
        ),
        key(
            "woodpecker.url",
            .url,
            "—",
            "Woodpecker server root (the API is under `/api`). Required for the Woodpecker stage.",
            overridable: true
        ),
        key(
            "woodpecker.token",
            .string,
            "—",
            "Secret. Woodpecker personal access token. Required for the Woodpecker stage.",
            secret: true,
            overridable: true
        ),
        key(
            "woodpecker.repo",
            .repository,
            "the tracker's",
            "The Woodpecker repository (`owner/name`) when its name differs.",
            overridable: true
        ),
        key(
            "woodpecker.skipped",
            .choice(["success", "failure"]),
            "`failure`",
            "Whether a skipped pipeline counts as `success` or `failure`.",
            overridable: true
        ),
        key(
            "woodpecker.events",
            .list(
                .choice([
                    "push", "pull_request", "pull_request_closed", "pull_request_metadata", "tag", "release",
                    "deployment", "cron", "manual",
                ])
            ),
            "any",
            "Pipeline events that count (`push`, `deployment`, `manual`, …).",
            overridable: true
        ),
        key(
            "woodpecker.branch",
            .string,
            "any",
            "Only pipelines of this branch.",
            overridable: true
        ),
        key(
            "kubernetes.deployments",
            .list(.deployment),
            "—",
            "`namespace/name` (or `name`) of the Deployments that must roll out the commit. Required for the Kubernetes stage.",
            overridable: true
        ),
        key(
            "kubernetes.namespace",
            .namespace,
            "the pod's",
            "Namespace of deployments named without one.",
            overridable: true
        ),
        key(
            "kubernetes.sha_length",
            .integer(minimum: 7, maximum: 40),
            "`7`",
            "How many leading characters of the pushed sha the image tag must contain (7–40; 40 = the full sha).",
            overridable: true
        ),
        key(
            "kubernetes.container",
            .string,
            "any",
            "The container whose image tag is checked.",
            overridable: true
        ),
        key(
            "kubernetes.url",
            .url,
            "in cluster",
            "API server for out-of-cluster runs (then `kubernetes.token` is required). Unset: the pod's service account.",
            overridable: true
        ),
        key(
            "kubernetes.token",
            .string,
            "—",
            "Secret. Bearer token for `kubernetes.url`.",
            secret: true,
            overridable: true
        ),
        key(
            "notify.ntfy.url",
            .url,
            "—",
            "ntfy server (watcher doorbell). Set with `notify.ntfy.topic`."
        ),
        key(
            "notify.ntfy.topic",
            .string,
            "—",
            "ntfy topic."
        ),
        key(
            "notify.ntfy.token",
            .string,
            "—",
            "Secret. ntfy access token.",
            secret: true
        ),
        key(
            "notify.slack.webhook_url",
            .url,
            "—",
            "Secret. Slack incoming webhook.",
            secret: true
        ),
        key(
            "http.timeout_seconds",
            .number(minimum: 0, exclusive: true),
            "`30`",
            "Longest single HTTP request."
        ),
        key(
            "http.retry_budget_seconds",
            .number(minimum: 0, exclusive: false),
            "`60`",
            "Longest time one request is retried before its repo is given up for the tick (and the service's breaker opens for the rest of it)."
        ),
        key(
            "http.max_in_flight",
            .integer(minimum: 1, maximum: 64),
            "`8`",
            "Requests in flight at once per service; up to four times as many repositories are under way at once (writes within one repository stay in order). `1`: one repository after another."
        ),
        key(
            "rate_limit.poller_reserve",
            .integer(minimum: 0),
            "`1000`",
            "The poller starts no new repository when the tracker's remaining rate limit (`x-ratelimit-remaining`) would fall below this: it is kept for the watcher and for humans sharing the token."
        ),
        key(
            "rate_limit.watcher_reserve",
            .integer(minimum: 0),
            "`200`",
            "The watcher starts no new repository when the remaining rate limit would fall below this (lower than the poller's, so the poller never starves the watcher)."
        ),
        key(
            "tick.deadline_seconds",
            .number(minimum: 0, exclusive: true),
            "`75`",
            "After this many seconds a tick starts no new repository or run and writes its report (exit 1 if work was left). Keep it comfortably below the CronJobs' `activeDeadlineSeconds` (100)."
        ),
    ]

    /// `AFK_*` environment variables that are not keys: the configuration file's path, the
    /// simulator's base URL (`afk-sim serve` prints it with the rest), the test harness's binaries.
    public static let environmentNonKeys: Set<String> = [
        "AFK_CONFIG", "AFK_SIM_URL", "AFK_TEST_BIN_DIR", "AFK_LOG_FORMAT", "AFK_LOG_LEVEL", "AFK_BUILD_COMMIT",
    ]

    /// The key at `path`, if there is one. A per-repository path (`repos.<owner/name>.<key>`) is
    /// the overridable key it names.
    public static func spec(_ path: String) -> ConfigKeySpec? {
        if let spec = byPath[path] { return spec }
        guard path.hasPrefix("repos.") else { return nil }
        return overridablePaths.first { path.hasSuffix("." + $0) }.flatMap { byPath[$0] }
    }

    public static var secretPaths: [String] { all.filter(\.secret).map(\.path) }
    public static var overridablePaths: [String] { all.filter(\.overridable).map(\.path) }

    /// The sections keys are grouped in (`tracker`, `notify`, `notify.ntfy`, …).
    public static let sections: Set<String> = Set(
        all.flatMap { spec in
            let parts = spec.path.split(separator: ".")
            return (1..<max(1, parts.count)).map { parts.prefix($0).joined(separator: ".") }
        }
    )

    static let byPath = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })

    static func key(
        _ path: String,
        _ type: ConfigKeySpec.ValueType,
        _ defaultText: String,
        _ doc: String,
        secret: Bool = false,
        overridable: Bool = false
    ) -> ConfigKeySpec {
        ConfigKeySpec(
            path: path,
            type: type,
            defaultText: defaultText,
            secret: secret,
            overridable: overridable,
            doc: doc
        )
    }

    /// The known name nearest to `name`, when it is near enough to be what was meant
    /// (`fix_forward_max_attemps` → `fix_forward_max_attempts`, `stage` → `stages`).
    public static func nearest(to name: String, among candidates: [String]) -> String? {
        let lowered = name.lowercased()
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance < best?.1 ?? Int.max { best = (candidate, distance) }
        }
        guard let best else { return nil }
        let allowed = max(2, min(name.count, best.0.count) / 3)
        return best.1 <= allowed ? best.0 : nil
    }

    /// Levenshtein distance.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
