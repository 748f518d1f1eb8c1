import Foundation

/// What a tick did or, in a dry run, would do. Rendered as text or JSON by the CLI.
public struct TickReport: Hashable, Sendable, Codable {
    public enum ActionKind: String, Hashable, Sendable, Codable {
        case dispatch, skip
        case wait, close
        case fixForward = "fix_forward"
        case freeze, escalate, redispatch
        case openPullRequest = "open_pr"
        case updateBranch = "update_branch"
        case merge
    }

    public struct Action: Hashable, Sendable, Codable {
        public let repo: String
        public let issue: Int
        public let action: ActionKind
        public let reason: String
        public let dryRun: Bool

        enum CodingKeys: String, CodingKey {
            case repo, issue, action, reason
            case dryRun = "dry_run"
        }

        public init(repo: String, issue: Int, action: ActionKind, reason: String, dryRun: Bool) {
            self.repo = repo
            self.issue = issue
            self.action = action
            self.reason = reason
            self.dryRun = dryRun
        }
    }

    public struct Failure: Hashable, Sendable, Codable {
        /// `owner/name`, or nil for a failure that stopped the whole tick.
        public let repo: String?
        public let message: String

        public init(repo: String?, message: String) {
            self.repo = repo
            self.message = message
        }
    }

    public var program: String
    public var dryRun: Bool
    /// Why the tick did nothing, when it was disabled.
    public var disabled: String?
    public var actions: [Action]
    public var errors: [Failure]
    /// Repositories not started this tick on purpose (the rate-limit reserve), with why: the next
    /// tick starts them. Not errors.
    public var deferred: [Failure] = []
    /// What the tick spent, per service: requests sent (`GitHub`, `T3`, …).
    public var requests: [String: Int]?

    enum CodingKeys: String, CodingKey {
        case program, disabled, actions, errors, deferred, requests
        case dryRun = "dry_run"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        program = try c.decode(String.self, forKey: .program)
        dryRun = try c.decode(Bool.self, forKey: .dryRun)
        disabled = try c.decodeIfPresent(String.self, forKey: .disabled)
        actions = try c.decode([Action].self, forKey: .actions)
        errors = try c.decode([Failure].self, forKey: .errors)
        deferred = try c.decodeIfPresent([Failure].self, forKey: .deferred) ?? []
        requests = try c.decodeIfPresent([String: Int].self, forKey: .requests)
    }

    public init(program: String, dryRun: Bool, disabled: String? = nil, actions: [Action] = [], errors: [Failure] = [])
    {
        self.program = program
        self.dryRun = dryRun
        self.disabled = disabled
        self.actions = actions
        self.errors = errors
    }

    /// 0 when the tick completed, 1 when part of it failed.
    public var exitCode: Int32 { errors.isEmpty ? 0 : 1 }
}
