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
    /// `forgejo` and `gitea` speak the same API v1 with small differences (rest-apis §7).
    public enum TrackerKind: String, Sendable, CaseIterable { case github, forgejo, gitea }
    public enum ExecutorKind: String, Sendable, CaseIterable { case t3 }

    public struct Tracker: Sendable {
        public var kind: TrackerKind = .github
        public var url: URL = URL(string: "https://api.github.com")!  // literal, cannot fail
        public var token: Secret?
        public var botLogin: String?
    }

    public struct Executor: Sendable {
        public var kind: ExecutorKind = .t3
        public var url: URL?
        public var token: Secret?
        public var model: String = "claude-sonnet-4-6"
        public var providerInstance: String = "claudeAgent"
        public var runtimeMode: String = "full-access"
        public var workspaceRoot: String = "~/afk"
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

    public init() {}

    /// Why a tick must do nothing, or nil when armed. Arming takes both switches.
    public var disabledReason: String? {
        if killSwitch { return "kill switch is on (kill_switch / AFK_KILL_SWITCH)" }
        if allowlist.isEmpty { return "allowlist is empty (allowlist / AFK_ALLOWLIST)" }
        return nil
    }
}

/// A configuration or usage problem: exit 2, and the message names the key and what was expected.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
