import Foundation

/// The initial world of a ``Simulator``: GitHub repositories with issues, and a T3 Code server.
///
/// Scenarios are JSON-loadable with snake_case keys (T3 projects/threads embedded under `t3` use the
/// T3 read-model camelCase shape, because that is what they are):
///
/// ```json
/// { "github": { "tokens": {"ghp_bot": "afk-bot"},
///     "repos": [{ "owner": "acme", "name": "widgets", "collaborators": {"alice": "admin"},
///       "labels": ["ready-for-agent"],
///       "issues": [{ "number": 1, "title": "Add a widget", "labels": ["ready-for-agent"],
///         "label_events": [{"event": "labeled", "label": "ready-for-agent", "actor": "alice"}],
///         "blocked_by": [3, "acme/other#4"], "comments": [{"user": "bob", "body": "hi"}] }] }] },
///   "t3": { "tokens": {"t3-secret": ["orchestration:read", "orchestration:operate"]},
///     "existing_dirs": ["/srv/afk"], "server_version": "0.0.27" } }
/// ```
///
/// Repositories may also carry pull requests and branch rules (`"pulls": [{"number": 5, "head": "afk/1-r1"}]`,
/// `"protection": {"main": {"require_pull_request": true, "required_checks": ["build"], "required_approvals": 1,
/// "strict": true, "merge_queue": false}}`, `"ci_on_update": "green"`; see ``SimPullRequest`` and
/// ``SimBranchProtection``), commits and CI (`"branches": {"main": [{"message": "Closes #1"}]}`,
/// `"check_runs": {"<sha>": [{"name": "build", "status": "completed", "conclusion": "success"}]}`,
/// `"statuses": {"<sha>": [{"context": "ci/deploy", "state": "success"}]}`), and the scenario may
/// configure the doorbell sinks: `"ntfy": {"tokens": ["tk_…"]}`, `"slack": {"hooks": ["T1/B1/x"]}`, and the
/// Forgejo/Gitea view of the forge: `"forgejo": {"flavor": "forgejo", "version": "12.0.0",
/// "site_admins": ["root"]}` (see ``ForgejoScenario``).
public struct Scenario: Sendable, Codable, Equatable {
    /// The GitHub side of the world.
    public var github: GitHubScenario
    /// The T3 Code side of the world.
    public var t3: T3Scenario
    /// The ntfy doorbell sink (`/ntfy/{topic}`).
    public var ntfy: NtfyScenario
    /// The Slack incoming-webhook doorbell sink (`/slack/services/{T}/{B}/{X}`).
    public var slack: SlackScenario
    /// How the Forgejo/Gitea view of the forge (`/forgejo/api/v1`) behaves.
    public var forgejo: ForgejoScenario
    /// Woodpecker CI (`/woodpecker/api`): the deploy stage.
    public var woodpecker: WoodpeckerScenario
    /// The Kubernetes API (`/k8s`): the rollout stage.
    public var kubernetes: KubernetesScenario
    /// The claude-agent-service job runner (`/jobs`).
    public var jobs: JobRunnerScenario
    /// Claudomator (`/claudomator`).
    public var claudomator: ClaudomatorScenario
    /// How long every service takes to answer (`latency_ms`); nil: no delay.
    public var latencyMs: SimLatency?

    /// Creates a scenario.
    public init(
        github: GitHubScenario = GitHubScenario(),
        t3: T3Scenario = T3Scenario(),
        ntfy: NtfyScenario = NtfyScenario(),
        slack: SlackScenario = SlackScenario(),
        forgejo: ForgejoScenario = ForgejoScenario(),
        woodpecker: WoodpeckerScenario = WoodpeckerScenario(),
        kubernetes: KubernetesScenario = KubernetesScenario(),
        jobs: JobRunnerScenario = JobRunnerScenario(),
        claudomator: ClaudomatorScenario = ClaudomatorScenario(),
        latencyMs: SimLatency? = nil
    ) {
        self.github = github
        self.t3 = t3
        self.ntfy = ntfy
        self.slack = slack
        self.forgejo = forgejo
        self.woodpecker = woodpecker
        self.kubernetes = kubernetes
        self.jobs = jobs
        self.claudomator = claudomator
        self.latencyMs = latencyMs
    }

    enum CodingKeys: String, CodingKey {
        case github, t3, ntfy, slack, forgejo, woodpecker, kubernetes, jobs, claudomator
        case latencyMs = "latency_ms"
    }

    /// Decodes a scenario; every section is optional.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        github = try c.value(.github, or: GitHubScenario())
        t3 = try c.value(.t3, or: T3Scenario())
        ntfy = try c.value(.ntfy, or: NtfyScenario())
        slack = try c.value(.slack, or: SlackScenario())
        forgejo = try c.value(.forgejo, or: ForgejoScenario())
        woodpecker = try c.value(.woodpecker, or: WoodpeckerScenario())
        kubernetes = try c.value(.kubernetes, or: KubernetesScenario())
        jobs = try c.value(.jobs, or: JobRunnerScenario())
        claudomator = try c.value(.claudomator, or: ClaudomatorScenario())
        latencyMs = try c.decodeIfPresent(SimLatency.self, forKey: .latencyMs)
    }

    /// Decodes a scenario from JSON text.
    /// - Throws: `DecodingError` when the JSON does not describe a scenario.
    public static func decode(fromJSON data: Data) throws -> Scenario {
        try JSONDecoder().decode(Scenario.self, from: data)
    }

    /// Encodes the scenario as pretty-printed JSON.
    public func encodedJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

/// GitHub tokens and repositories.
public struct GitHubScenario: Sendable, Codable, Equatable {
    /// Token value → the login it acts as.
    public var tokens: [String: String]
    /// Repositories, each with its collaborators, labels and issues.
    public var repos: [SimRepo]
    /// The GitHub view's primary rate limits (`rate_limit`); nil: GitHub's defaults (``SimRateLimits``).
    public var rateLimit: SimRateLimits?
    /// Seconds before a change to an issue shows in search (`search_lag_seconds`): GitHub's `/search/issues`
    /// and a keyword search of the Forgejo view; nil or 0: at once.
    public var searchLagSeconds: Double?
    /// A GitHub App that can be installed on the repositories (``SimGitHubApp``).
    public var app: SimGitHubApp?

    /// Creates the GitHub part of a scenario.
    public init(
        tokens: [String: String] = [:],
        repos: [SimRepo] = [],
        rateLimit: SimRateLimits? = nil,
        searchLagSeconds: Double? = nil,
        app: SimGitHubApp? = nil
    ) {
        self.tokens = tokens
        self.repos = repos
        self.rateLimit = rateLimit
        self.searchLagSeconds = searchLagSeconds
        self.app = app
    }

    enum CodingKeys: String, CodingKey {
        case tokens, repos, app
        case rateLimit = "rate_limit"
        case searchLagSeconds = "search_lag_seconds"
    }

    /// Decodes with defaults for absent keys.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokens = try c.value(.tokens, or: [:])
        repos = try c.value(.repos, or: [])
        rateLimit = try c.decodeIfPresent(SimRateLimits.self, forKey: .rateLimit)
        searchLagSeconds = try c.decodeIfPresent(Double.self, forKey: .searchLagSeconds)
        app = try c.decodeIfPresent(SimGitHubApp.self, forKey: .app)
    }
}

/// A GitHub repository.
public struct SimRepo: Sendable, Codable, Equatable {
    /// Owner login (user or organisation).
    public var owner: String
    /// Repository name.
    public var name: String
    /// Numeric repository id; assigned on load when absent.
    public var id: Int64?
    /// Default branch name.
    public var defaultBranch: String
    /// Whether the repository is private.
    public var isPrivate: Bool
    /// Login → role: `admin`, `maintain`, `write`, `triage`, `read` or `none`. Unlisted logins get 404
    /// from the permission endpoint.
    public var collaborators: [String: String]
    /// Repository labels (issues may also use labels not listed here; they are created on load).
    public var labels: [SimLabel]
    /// Issues and pull requests, sharing one number space.
    public var issues: [SimIssue]
    /// Branch name → its commits, **oldest first** (the order they were pushed); each list is the branch's
    /// whole history. No commits at all means an empty repository (409 from the commits endpoints).
    public var branches: [String: [SimCommit]]
    /// Commit SHA → its check runs (GitHub Actions and other apps).
    public var checkRuns: [String: [SimCheckRun]]
    /// Commit SHA → its commit statuses, oldest first (the newest per context counts).
    public var statuses: [String: [SimCommitStatus]]
    /// Pull requests (their issue half is the ``SimIssue`` of the same number).
    public var pulls: [SimPullRequest]
    /// Branch name → the rules protecting it.
    public var protection: [String: SimBranchProtection]
    /// What CI reports (check run `build`) on the merge commit a pull request's update-branch makes;
    /// default green, so that an updated pull request's CI can go green with nothing else acting.
    public var ciOnUpdate: AgentCI

    /// Creates a repository.
    public init(
        owner: String,
        name: String,
        id: Int64? = nil,
        defaultBranch: String = "main",
        isPrivate: Bool = false,
        collaborators: [String: String] = [:],
        labels: [SimLabel] = [],
        issues: [SimIssue] = [],
        branches: [String: [SimCommit]] = [:],
        checkRuns: [String: [SimCheckRun]] = [:],
        statuses: [String: [SimCommitStatus]] = [:],
        pulls: [SimPullRequest] = [],
        protection: [String: SimBranchProtection] = [:],
        ciOnUpdate: AgentCI = .green
    ) {
        self.pulls = pulls
        self.protection = protection
        self.ciOnUpdate = ciOnUpdate
        self.branches = branches
        self.checkRuns = checkRuns
        self.statuses = statuses
        self.owner = owner
        self.name = name
        self.id = id
        self.defaultBranch = defaultBranch
        self.isPrivate = isPrivate
        self.collaborators = collaborators
        self.labels = labels
        self.issues = issues
    }

    /// `owner/name`.
    public var fullName: String { "\(owner)/\(name)" }

    enum CodingKeys: String, CodingKey {
        case owner, name, id, collaborators, labels, issues, branches, statuses, pulls, protection
        case defaultBranch = "default_branch"
        case ciOnUpdate = "ci_on_update"
        case isPrivate = "private"
        case checkRuns = "check_runs"
    }

    /// Decodes with defaults for absent keys.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        owner = try c.decode(String.self, forKey: .owner)
        name = try c.decode(String.self, forKey: .name)
        id = try c.decodeIfPresent(Int64.self, forKey: .id)
        defaultBranch = try c.value(.defaultBranch, or: "main")
        isPrivate = try c.value(.isPrivate, or: false)
        collaborators = try c.value(.collaborators, or: [:])
        labels = try c.value(.labels, or: [])
        issues = try c.value(.issues, or: [])
        branches = try c.value(.branches, or: [:])
        checkRuns = try c.value(.checkRuns, or: [:])
        statuses = try c.value(.statuses, or: [:])
        pulls = try c.value(.pulls, or: [])
        protection = try c.value(.protection, or: [:])
        ciOnUpdate = try c.value(.ciOnUpdate, or: .green)
    }
}

/// A repository label. Decodes from a bare name string or an object `{name, color, description}`.
public struct SimLabel: Sendable, Codable, Equatable, ExpressibleByStringLiteral {
    /// Label name (case-insensitively unique within a repository on GitHub).
    public var name: String
    /// Six hex digits without `#`; derived from the name when absent.
    public var color: String?
    /// Optional description.
    public var description: String?
    /// Numeric id; assigned on load when absent.
    public var id: Int64?

    /// Creates a label.
    public init(name: String, color: String? = nil, description: String? = nil, id: Int64? = nil) {
        self.name = name
        self.color = color
        self.description = description
        self.id = id
    }

    /// Creates a label from its name.
    public init(stringLiteral value: String) {
        self.init(name: value)
    }

    enum CodingKeys: String, CodingKey { case name, color, description, id }

    /// Decodes a name string or a label object.
    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let name = try? single.decode(String.self) {
            self.init(name: name)
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try c.decode(String.self, forKey: .name),
            color: try c.decodeIfPresent(String.self, forKey: .color),
            description: try c.decodeIfPresent(String.self, forKey: .description),
            id: try c.decodeIfPresent(Int64.self, forKey: .id)
        )
    }
}

/// A reference to an issue: `3` or `"#3"` (same repository) or `"owner/repo#4"`.
public struct SimIssueRef: Sendable, Codable, Equatable, Hashable, ExpressibleByIntegerLiteral {
    /// Owner, or `nil` for the referencing issue's repository.
    public var owner: String?
    /// Repository name, or `nil` for the referencing issue's repository.
    public var repo: String?
    /// Issue number.
    public var number: Int

    /// Creates a reference.
    public init(owner: String? = nil, repo: String? = nil, number: Int) {
        self.owner = owner
        self.repo = repo
        self.number = number
    }

    /// A same-repository reference.
    public init(integerLiteral value: Int) {
        self.init(number: value)
    }

    /// Decodes `3`, `"#3"`, `"3"` or `"owner/repo#4"`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) {
            self.init(number: n)
            return
        }
        let text = try c.decode(String.self)
        guard let parsed = SimIssueRef(text) else {
            throw DecodingError.dataCorruptedError(
                in: c,
                debugDescription: "Expected an issue reference like 3 or \"owner/repo#4\", got \"\(text)\"."
            )
        }
        self = parsed
    }

    /// Parses `"#3"`, `"3"` or `"owner/repo#4"`.
    public init?(_ text: String) {
        let parts = text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 1 {
            guard let n = Int(parts[0]) else { return nil }
            self.init(number: n)
            return
        }
        guard let n = Int(parts[1]) else { return nil }
        if parts[0].isEmpty {
            self.init(number: n)
            return
        }
        let repoParts = parts[0].split(separator: "/")
        guard repoParts.count == 2 else { return nil }
        self.init(owner: String(repoParts[0]), repo: String(repoParts[1]), number: n)
    }

    /// Encodes as a number (same repository) or `"owner/repo#N"`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let owner, let repo {
            try c.encode("\(owner)/\(repo)#\(number)")
        } else {
            try c.encode(number)
        }
    }
}

/// An issue or pull request.
public struct SimIssue: Sendable, Codable, Equatable {
    /// Issue number (unique per repository, shared with pull requests).
    public var number: Int
    /// The int64 `id` (distinct from `number`); assigned on load when absent.
    public var id: Int64?
    /// Title.
    public var title: String
    /// Body; `nil` is served as JSON `null`.
    public var body: String?
    /// Names of the labels on the issue, in the order they were applied.
    public var labels: [String]
    /// `open` or `closed`.
    public var state: String
    /// `completed`, `not_planned`, `reopened`, `duplicate` or `nil`.
    public var stateReason: String?
    /// Whether this is a pull request (served with a `pull_request` object).
    public var isPullRequest: Bool
    /// Author login.
    public var author: String
    /// Overrides the derived `author_association` (OWNER / COLLABORATOR / NONE).
    public var authorAssociation: String?
    /// Assignee logins.
    public var assignees: [String]
    /// Issue events, oldest first (`labeled`, `unlabeled`, `assigned`, `renamed`, `closed`, …).
    public var events: [SimIssueEvent]
    /// Issues blocking this one (served by `…/dependencies/blocked_by`).
    public var blockedBy: [SimIssueRef]
    /// Comments, oldest first.
    public var comments: [SimComment]
    /// ISO-8601 creation time; derived from the number when absent.
    public var createdAt: String?
    /// ISO-8601 update time; defaults to `createdAt`.
    public var updatedAt: String?
    /// ISO-8601 close time.
    public var closedAt: String?
    /// Whether the conversation is locked.
    public var locked: Bool

    /// Creates an issue.
    public init(
        number: Int,
        id: Int64? = nil,
        title: String,
        body: String? = nil,
        labels: [String] = [],
        state: String = "open",
        stateReason: String? = nil,
        isPullRequest: Bool = false,
        author: String = "octocat",
        authorAssociation: String? = nil,
        assignees: [String] = [],
        events: [SimIssueEvent] = [],
        blockedBy: [SimIssueRef] = [],
        comments: [SimComment] = [],
        createdAt: String? = nil,
        updatedAt: String? = nil,
        closedAt: String? = nil,
        locked: Bool = false
    ) {
        self.number = number
        self.id = id
        self.title = title
        self.body = body
        self.labels = labels
        self.state = state
        self.stateReason = stateReason
        self.isPullRequest = isPullRequest
        self.author = author
        self.authorAssociation = authorAssociation
        self.assignees = assignees
        self.events = events
        self.blockedBy = blockedBy
        self.comments = comments
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.closedAt = closedAt
        self.locked = locked
    }

    enum CodingKeys: String, CodingKey {
        case number, id, title, body, labels, state, author, assignees, events, comments, locked
        case stateReason = "state_reason"
        case isPullRequest = "is_pull_request"
        case authorAssociation = "author_association"
        case labelEvents = "label_events"
        case blockedBy = "blocked_by"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case closedAt = "closed_at"
    }

    /// Decodes with defaults; `label_events` is accepted as an alias of `events` (both are appended).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        number = try c.decode(Int.self, forKey: .number)
        id = try c.decodeIfPresent(Int64.self, forKey: .id)
        title = try c.value(.title, or: "Issue \(number)")
        body = try c.decodeIfPresent(String.self, forKey: .body)
        labels = try c.value(.labels, or: [SimLabel]()).map(\.name)
        state = try c.value(.state, or: "open")
        stateReason = try c.decodeIfPresent(String.self, forKey: .stateReason)
        isPullRequest = try c.value(.isPullRequest, or: false)
        author = try c.value(.author, or: "octocat")
        authorAssociation = try c.decodeIfPresent(String.self, forKey: .authorAssociation)
        assignees = try c.value(.assignees, or: [])
        events = try c.value(.labelEvents, or: []) + c.value(.events, or: [])
        blockedBy = try c.value(.blockedBy, or: [])
        comments = try c.value(.comments, or: [])
        createdAt = try c.decodeIfPresent(String.self, forKey: .createdAt)
        updatedAt = try c.decodeIfPresent(String.self, forKey: .updatedAt)
        closedAt = try c.decodeIfPresent(String.self, forKey: .closedAt)
        locked = try c.value(.locked, or: false)
    }

    /// Encodes every key (nil as `null` is skipped); events go under `events`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(number, forKey: .number)
        try c.encodeIfPresent(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encodeIfPresent(body, forKey: .body)
        try c.encode(labels, forKey: .labels)
        try c.encode(state, forKey: .state)
        try c.encodeIfPresent(stateReason, forKey: .stateReason)
        try c.encode(isPullRequest, forKey: .isPullRequest)
        try c.encode(author, forKey: .author)
        try c.encodeIfPresent(authorAssociation, forKey: .authorAssociation)
        try c.encode(assignees, forKey: .assignees)
        try c.encode(events, forKey: .events)
        try c.encode(blockedBy, forKey: .blockedBy)
        try c.encode(comments, forKey: .comments)
        try c.encodeIfPresent(createdAt, forKey: .createdAt)
        try c.encodeIfPresent(updatedAt, forKey: .updatedAt)
        try c.encodeIfPresent(closedAt, forKey: .closedAt)
        try c.encode(locked, forKey: .locked)
    }
}

/// One issue event (`GET …/issues/{n}/events`).
public struct SimIssueEvent: Sendable, Codable, Equatable {
    /// Event id; assigned on load when absent.
    public var id: Int64?
    /// Event type: `labeled`, `unlabeled`, `assigned`, `unassigned`, `renamed`, `closed`, `reopened`, …
    public var event: String
    /// Acting login; `nil` means a deleted ("ghost") user, served as `"actor": null`.
    public var actor: String?
    /// Label name, for `labeled` / `unlabeled`.
    public var label: String?
    /// Assignee login, for `assigned` / `unassigned`.
    public var assignee: String?
    /// Old title, for `renamed`.
    public var renameFrom: String?
    /// New title, for `renamed`.
    public var renameTo: String?
    /// ISO-8601 time; derived when absent.
    public var createdAt: String?

    /// Creates an event.
    public init(
        id: Int64? = nil,
        event: String,
        actor: String?,
        label: String? = nil,
        assignee: String? = nil,
        renameFrom: String? = nil,
        renameTo: String? = nil,
        createdAt: String? = nil
    ) {
        self.id = id
        self.event = event
        self.actor = actor
        self.label = label
        self.assignee = assignee
        self.renameFrom = renameFrom
        self.renameTo = renameTo
        self.createdAt = createdAt
    }

    /// A `labeled` event.
    public static func labeled(_ label: String, by actor: String?, at createdAt: String? = nil) -> SimIssueEvent {
        SimIssueEvent(event: "labeled", actor: actor, label: label, createdAt: createdAt)
    }

    /// An `unlabeled` event.
    public static func unlabeled(_ label: String, by actor: String?, at createdAt: String? = nil) -> SimIssueEvent {
        SimIssueEvent(event: "unlabeled", actor: actor, label: label, createdAt: createdAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, event, actor, label, assignee
        case renameFrom = "rename_from"
        case renameTo = "rename_to"
        case createdAt = "created_at"
    }

    /// Decodes; an absent `actor` defaults to `octocat`, an explicit `null` means a ghost actor.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(Int64.self, forKey: .id)
        event = try c.decode(String.self, forKey: .event)
        if c.contains(.actor) {
            actor = try c.decodeNil(forKey: .actor) ? nil : try c.decode(String.self, forKey: .actor)
        } else {
            actor = "octocat"
        }
        label = try c.decodeIfPresent(String.self, forKey: .label)
        assignee = try c.decodeIfPresent(String.self, forKey: .assignee)
        renameFrom = try c.decodeIfPresent(String.self, forKey: .renameFrom)
        renameTo = try c.decodeIfPresent(String.self, forKey: .renameTo)
        createdAt = try c.decodeIfPresent(String.self, forKey: .createdAt)
    }

    /// Encodes; a ghost actor is written as an explicit `null`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(id, forKey: .id)
        try c.encode(event, forKey: .event)
        try c.encode(actor, forKey: .actor)
        try c.encodeIfPresent(label, forKey: .label)
        try c.encodeIfPresent(assignee, forKey: .assignee)
        try c.encodeIfPresent(renameFrom, forKey: .renameFrom)
        try c.encodeIfPresent(renameTo, forKey: .renameTo)
        try c.encodeIfPresent(createdAt, forKey: .createdAt)
    }
}

/// An issue comment.
public struct SimComment: Sendable, Codable, Equatable {
    /// Comment id (int64); assigned on load when absent.
    public var id: Int64?
    /// Author login.
    public var user: String
    /// Markdown body.
    public var body: String
    /// ISO-8601 creation time; derived when absent.
    public var createdAt: String?
    /// ISO-8601 update time; defaults to `createdAt`.
    public var updatedAt: String?
    /// Overrides the derived `author_association`.
    public var authorAssociation: String?
    /// Reactions on the comment, oldest first (at most one per user and content).
    public var reactions: [SimReaction]

    /// Creates a comment.
    public init(
        id: Int64? = nil,
        user: String,
        body: String,
        createdAt: String? = nil,
        updatedAt: String? = nil,
        authorAssociation: String? = nil,
        reactions: [SimReaction] = []
    ) {
        self.id = id
        self.user = user
        self.body = body
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.authorAssociation = authorAssociation
        self.reactions = reactions
    }

    enum CodingKeys: String, CodingKey {
        case id, user, body, reactions
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case authorAssociation = "author_association"
    }

    /// Decodes with defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(Int64.self, forKey: .id)
        user = try c.value(.user, or: "octocat")
        body = try c.value(.body, or: "")
        createdAt = try c.decodeIfPresent(String.self, forKey: .createdAt)
        updatedAt = try c.decodeIfPresent(String.self, forKey: .updatedAt)
        authorAssociation = try c.decodeIfPresent(String.self, forKey: .authorAssociation)
        reactions = try c.decodeIfPresent([SimReaction].self, forKey: .reactions) ?? []
    }
}
