import Foundation

/// A commit on a branch of a ``SimRepo`` (served by `GET /repos/{o}/{r}/commits…`,
/// https://docs.github.com/en/rest/commits/commits).
///
/// JSON: `{"sha": "…40 hex…", "message": "…", "committed_at": "2026-01-01T00:00:00Z", "author": "alice"}`;
/// every key but `message` is optional.
public struct SimCommit: Sendable, Codable, Equatable {
    /// 40 lower-case hex digits; generated on load when absent.
    public var sha: String?
    /// Full commit message (subject, blank line, body, trailers).
    public var message: String
    /// ISO-8601 committer (and author) date; derived when absent.
    public var committedAt: String?
    /// Author login; also used as the committer. Defaults to `octocat`.
    public var author: String

    /// Creates a commit.
    public init(sha: String? = nil, message: String, committedAt: String? = nil, author: String = "octocat") {
        self.sha = sha
        self.message = message
        self.committedAt = committedAt
        self.author = author
    }

    enum CodingKeys: String, CodingKey {
        case sha, message, author
        case committedAt = "committed_at"
    }

    /// Decodes with defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sha = try c.decodeIfPresent(String.self, forKey: .sha)
        message = try c.value(.message, or: "")
        committedAt = try c.decodeIfPresent(String.self, forKey: .committedAt)
        author = try c.value(.author, or: "octocat")
    }
}

/// A check run on a commit (`check-run`, https://docs.github.com/en/rest/checks/runs).
///
/// JSON: `{"name": "build", "status": "completed", "conclusion": "success"}`.
public struct SimCheckRun: Sendable, Codable, Equatable {
    /// Numeric id; assigned on load when absent.
    public var id: Int64?
    /// Check name (e.g. `build`).
    public var name: String
    /// `queued`, `in_progress`, `completed`, `waiting`, `requested` or `pending`.
    public var status: String
    /// `success`, `failure`, `neutral`, `cancelled`, `skipped`, `timed_out`, `action_required` (served as
    /// `null` unless `status` is `completed`).
    public var conclusion: String?
    /// ISO-8601 start time; derived when absent.
    public var startedAt: String?
    /// ISO-8601 completion time (only served when completed).
    public var completedAt: String?
    /// `details_url`; derived when absent.
    public var detailsURL: String?
    /// `output.title`.
    public var title: String?
    /// `output.summary`.
    public var summary: String?

    /// Creates a check run.
    public init(
        id: Int64? = nil,
        name: String,
        status: String = "completed",
        conclusion: String? = nil,
        startedAt: String? = nil,
        completedAt: String? = nil,
        detailsURL: String? = nil,
        title: String? = nil,
        summary: String? = nil
    ) {
        self.id = id
        self.name = name
        self.status = status
        self.conclusion = conclusion
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.detailsURL = detailsURL
        self.title = title
        self.summary = summary
    }

    enum CodingKeys: String, CodingKey {
        case id, name, status, conclusion, title, summary
        case startedAt = "started_at"
        case completedAt = "completed_at"
        case detailsURL = "details_url"
    }

    /// Decodes with defaults (`status` defaults to `completed`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(Int64.self, forKey: .id)
        name = try c.value(.name, or: "build")
        status = try c.value(.status, or: "completed")
        conclusion = try c.decodeIfPresent(String.self, forKey: .conclusion)
        startedAt = try c.decodeIfPresent(String.self, forKey: .startedAt)
        completedAt = try c.decodeIfPresent(String.self, forKey: .completedAt)
        detailsURL = try c.decodeIfPresent(String.self, forKey: .detailsURL)
        title = try c.decodeIfPresent(String.self, forKey: .title)
        summary = try c.decodeIfPresent(String.self, forKey: .summary)
    }
}

/// A commit status (the legacy statuses API that feeds the combined status, https://docs.github.com/en/rest/commits/statuses).
///
/// JSON: `{"context": "ci/deploy", "state": "success"}`. Statuses are append-only: the newest per
/// context counts.
public struct SimCommitStatus: Sendable, Codable, Equatable {
    /// Numeric id; assigned on load when absent.
    public var id: Int64?
    /// Context, e.g. `ci/deploy`.
    public var context: String
    /// `error`, `failure`, `pending` or `success`.
    public var state: String
    /// Description, or `nil`.
    public var description: String?
    /// `target_url`, or `nil`.
    public var targetURL: String?
    /// ISO-8601 creation time; derived when absent.
    public var createdAt: String?
    /// Login that created the status; defaults to `octocat`.
    public var creator: String

    /// Creates a status.
    public init(
        id: Int64? = nil,
        context: String,
        state: String,
        description: String? = nil,
        targetURL: String? = nil,
        createdAt: String? = nil,
        creator: String = "octocat"
    ) {
        self.id = id
        self.context = context
        self.state = state
        self.description = description
        self.targetURL = targetURL
        self.createdAt = createdAt
        self.creator = creator
    }

    enum CodingKeys: String, CodingKey {
        case id, context, state, description, creator
        case targetURL = "target_url"
        case createdAt = "created_at"
    }

    /// Decodes with defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(Int64.self, forKey: .id)
        context = try c.value(.context, or: "default")
        state = try c.value(.state, or: "pending")
        description = try c.decodeIfPresent(String.self, forKey: .description)
        targetURL = try c.decodeIfPresent(String.self, forKey: .targetURL)
        createdAt = try c.decodeIfPresent(String.self, forKey: .createdAt)
        creator = try c.value(.creator, or: "octocat")
    }
}

/// The ntfy sink of a scenario (`/ntfy/{topic}`).
public struct NtfyScenario: Sendable, Codable, Equatable {
    /// Accepted access tokens. Empty: anonymous publishing is allowed and any `Authorization` is accepted.
    public var tokens: [String]

    /// Creates the ntfy part of a scenario.
    public init(tokens: [String] = []) {
        self.tokens = tokens
    }

    enum CodingKeys: String, CodingKey { case tokens }

    /// Decodes with defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokens = try c.value(.tokens, or: [])
    }
}

/// The Slack incoming-webhook sink of a scenario (`/slack/services/{T}/{B}/{X}`).
public struct SlackScenario: Sendable, Codable, Equatable {
    /// Known hook paths, as `T…/B…/X…` (a leading `/services/` or `services/` is accepted). Empty: every
    /// `/slack/services/{T}/{B}/{X}` path is a live hook.
    public var hooks: [String]

    /// Creates the Slack part of a scenario.
    public init(hooks: [String] = []) {
        self.hooks = hooks
    }

    enum CodingKeys: String, CodingKey { case hooks }

    /// Decodes with defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hooks = try c.value(.hooks, or: [])
    }

    /// `T/B/X` with any `/services/` prefix and surrounding slashes removed.
    static func normalise(_ hook: String) -> String {
        var parts = hook.split(separator: "/").map(String.init)
        if parts.first == "slack" { parts.removeFirst() }
        if parts.first == "services" { parts.removeFirst() }
        return parts.joined(separator: "/")
    }
}

/// A notification one of the sinks accepted. Tokens are never stored.
public struct SimNotification: Sendable, Codable, Equatable {
    /// `ntfy` or `slack`.
    public var sink: String
    /// ntfy topic (`nil` for Slack).
    public var topic: String?
    /// Slack hook path `T/B/X` (`nil` for ntfy).
    public var path: String?
    /// ntfy title (`nil` when none was sent, and for Slack).
    public var title: String?
    /// ntfy priority 1…5 (`nil` when none was sent, and for Slack).
    public var priority: Int?
    /// ntfy tags, in the order sent.
    public var tags: [String]
    /// ntfy click URL.
    public var click: String?
    /// Whether ntfy was asked to render Markdown.
    public var markdown: Bool
    /// ntfy body, or Slack `text`.
    public var message: String
    /// The raw Slack payload (`text`, `blocks`, …); `nil` for ntfy.
    public var payload: JSONValue?
    /// Whether an `Authorization` header was present.
    public var hadAuthorization: Bool
    /// ISO-8601 arrival time.
    public var receivedAt: String

    /// Creates a record.
    public init(
        sink: String,
        topic: String? = nil,
        path: String? = nil,
        title: String? = nil,
        priority: Int? = nil,
        tags: [String] = [],
        click: String? = nil,
        markdown: Bool = false,
        message: String,
        payload: JSONValue? = nil,
        hadAuthorization: Bool = false,
        receivedAt: String = ""
    ) {
        self.sink = sink
        self.topic = topic
        self.path = path
        self.title = title
        self.priority = priority
        self.tags = tags
        self.click = click
        self.markdown = markdown
        self.message = message
        self.payload = payload
        self.hadAuthorization = hadAuthorization
        self.receivedAt = receivedAt
    }

    enum CodingKeys: String, CodingKey {
        case sink, topic, path, title, priority, tags, click, markdown, message, payload
        case hadAuthorization = "had_authorization"
        case receivedAt = "received_at"
    }
}
