import Foundation

/// The T3 Code side of a scenario.
public struct T3Scenario: Sendable, Codable, Equatable {
    /// Bearer token → granted scopes (e.g. `orchestration:read`, `orchestration:operate`).
    public var tokens: [String: [String]]
    /// Directories that "exist" on the T3 host; `project.create` needs its `workspaceRoot` at or under
    /// one of these unless `createWorkspaceRootIfMissing` is true (`apps/server/src/orchestration/Normalizer.ts`
    /// in https://github.com/pingdotgg/t3code).
    public var existingDirs: [String]
    /// `serverVersion` of `/.well-known/t3/environment`.
    public var serverVersion: String
    /// `environmentId` of `/.well-known/t3/environment`.
    public var environmentId: String
    /// `label` of `/.well-known/t3/environment`.
    public var label: String
    /// Script for threads that no rule in ``agentScripts`` matches.
    public var defaultAgentScript: AgentScript
    /// Per-thread script rules, first match wins.
    public var agentScripts: [AgentScriptRule]
    /// Pre-existing projects (T3 read-model shape).
    public var projects: [SimProject]
    /// Pre-existing threads (T3 read-model shape).
    public var threads: [SimThread]
    /// Polls a sent turn waits before the provider picks it up (0: at once). Meanwhile the thread
    /// shows the previous turn, often `completed`, as real T3 does while the provider is busy or
    /// over its usage limit (`latestTurn` changes only when the provider reports the turn started).
    public var turnPickupPolls: Int

    /// Creates the T3 part of a scenario.
    public init(
        tokens: [String: [String]] = [:],
        existingDirs: [String] = [],
        serverVersion: String = "0.0.27",
        environmentId: String = "env-afk-sim",
        label: String = "afk simulator",
        defaultAgentScript: AgentScript = .runForever,
        agentScripts: [AgentScriptRule] = [],
        projects: [SimProject] = [],
        threads: [SimThread] = [],
        turnPickupPolls: Int = 0
    ) {
        self.turnPickupPolls = turnPickupPolls
        self.tokens = tokens
        self.existingDirs = existingDirs
        self.serverVersion = serverVersion
        self.environmentId = environmentId
        self.label = label
        self.defaultAgentScript = defaultAgentScript
        self.agentScripts = agentScripts
        self.projects = projects
        self.threads = threads
    }

    enum CodingKeys: String, CodingKey {
        case tokens, label, projects, threads
        case existingDirs = "existing_dirs"
        case serverVersion = "server_version"
        case environmentId = "environment_id"
        case defaultAgentScript = "default_agent_script"
        case agentScripts = "agent_scripts"
        case turnPickupPolls = "turn_pickup_polls"
    }

    /// Decodes with defaults for absent keys.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokens = try c.value(.tokens, or: [:])
        existingDirs = try c.value(.existingDirs, or: [])
        serverVersion = try c.value(.serverVersion, or: "0.0.27")
        environmentId = try c.value(.environmentId, or: "env-afk-sim")
        label = try c.value(.label, or: "afk simulator")
        defaultAgentScript = try c.value(.defaultAgentScript, or: .runForever)
        agentScripts = try c.value(.agentScripts, or: [])
        projects = try c.value(.projects, or: [])
        threads = try c.value(.threads, or: [])
        turnPickupPolls = try c.value(.turnPickupPolls, or: 0)
    }
}

/// Chooses an ``AgentScript`` for threads whose title contains a string (e.g. `"#12"`) or whose id matches.
public struct AgentScriptRule: Sendable, Codable, Equatable {
    /// Matches threads whose title contains this string.
    public var titleContains: String?
    /// Matches the thread with this id.
    public var threadId: String?
    /// The script to run.
    public var script: AgentScript

    /// Creates a rule.
    public init(titleContains: String? = nil, threadId: String? = nil, script: AgentScript) {
        self.titleContains = titleContains
        self.threadId = threadId
        self.script = script
    }

    enum CodingKeys: String, CodingKey {
        case script
        case titleContains = "title_contains"
        case threadId = "thread_id"
    }

    func matches(_ thread: SimThread) -> Bool {
        if let threadId, threadId != thread.id { return false }
        if let titleContains, !thread.title.contains(titleContains) { return false }
        return titleContains != nil || threadId != nil
    }
}

/// A T3 project (snapshot `projects[]`, `OrchestrationReadModel` in T3's `packages/contracts/src/orchestration.ts`).
public struct SimProject: Sendable, Codable, Equatable {
    /// Client-minted project id.
    public var id: String
    /// Title.
    public var title: String
    /// Workspace root directory.
    public var workspaceRoot: String
    /// Default model selection, echoed as sent (or `nil`).
    public var defaultModelSelection: JSONValue?
    /// ISO-8601 creation time.
    public var createdAt: String
    /// ISO-8601 update time.
    public var updatedAt: String
    /// ISO-8601 deletion time; deleted projects stay in the snapshot.
    public var deletedAt: String?

    /// Creates a project.
    public init(
        id: String,
        title: String,
        workspaceRoot: String,
        defaultModelSelection: JSONValue? = nil,
        createdAt: String = "2026-01-01T00:00:00.000Z",
        updatedAt: String? = nil,
        deletedAt: String? = nil
    ) {
        self.id = id
        self.title = title
        self.workspaceRoot = workspaceRoot
        self.defaultModelSelection = defaultModelSelection
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.deletedAt = deletedAt
    }
}

/// A T3 thread (snapshot `threads[]`, `OrchestrationReadModel` in T3's `packages/contracts/src/orchestration.ts`).
public struct SimThread: Sendable, Codable, Equatable {
    /// Client-minted thread id.
    public var id: String
    /// Owning project id.
    public var projectId: String
    /// Title.
    public var title: String
    /// Model selection `{instanceId, model, options?}` (legacy `{provider, model}` is normalised).
    public var modelSelection: JSONValue
    /// `approval-required`, `auto-accept-edits` or `full-access`.
    public var runtimeMode: String
    /// `default` or `plan`.
    public var interactionMode: String
    /// Branch, or `nil`.
    public var branch: String?
    /// Worktree path, or `nil`.
    public var worktreePath: String?
    /// The latest turn, `nil` until a turn has started.
    public var latestTurn: SimTurn?
    /// ISO-8601 creation time.
    public var createdAt: String
    /// ISO-8601 update time.
    public var updatedAt: String
    /// ISO-8601 archive time.
    public var archivedAt: String?
    /// ISO-8601 deletion time; deleted threads stay in the snapshot.
    public var deletedAt: String?
    /// Messages (user messages sent with `thread.turn.start`, assistant replies).
    public var messages: [SimMessage]
    /// Activities (free-form `{id, tone, kind, summary, payload, turnId, createdAt}` objects).
    public var activities: [JSONValue]
    /// Provider session, `nil` until a turn starts.
    public var session: SimSession?

    /// Creates a thread.
    public init(
        id: String,
        projectId: String,
        title: String,
        modelSelection: JSONValue = .obj(["instanceId": .string("claudeAgent"), "model": .string("claude-sonnet-4-6")]),
        runtimeMode: String = "full-access",
        interactionMode: String = "default",
        branch: String? = nil,
        worktreePath: String? = nil,
        latestTurn: SimTurn? = nil,
        createdAt: String = "2026-01-01T00:00:00.000Z",
        updatedAt: String? = nil,
        archivedAt: String? = nil,
        deletedAt: String? = nil,
        messages: [SimMessage] = [],
        activities: [JSONValue] = [],
        session: SimSession? = nil
    ) {
        self.id = id
        self.projectId = projectId
        self.title = title
        self.modelSelection = modelSelection
        self.runtimeMode = runtimeMode
        self.interactionMode = interactionMode
        self.branch = branch
        self.worktreePath = worktreePath
        self.latestTurn = latestTurn
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.archivedAt = archivedAt
        self.deletedAt = deletedAt
        self.messages = messages
        self.activities = activities
        self.session = session
    }
}

/// `latestTurn` of a thread.
public struct SimTurn: Sendable, Codable, Equatable {
    /// Server-minted turn id.
    public var turnId: String
    /// `running`, `interrupted`, `completed` or `error`.
    public var state: String
    /// ISO-8601 request time.
    public var requestedAt: String
    /// ISO-8601 start time.
    public var startedAt: String?
    /// ISO-8601 completion time.
    public var completedAt: String?
    /// Id of the assistant message that finished the turn.
    public var assistantMessageId: String?

    /// Creates a turn.
    public init(
        turnId: String,
        state: String,
        requestedAt: String,
        startedAt: String? = nil,
        completedAt: String? = nil,
        assistantMessageId: String? = nil
    ) {
        self.turnId = turnId
        self.state = state
        self.requestedAt = requestedAt
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.assistantMessageId = assistantMessageId
    }
}

/// `session` of a thread.
public struct SimSession: Sendable, Codable, Equatable {
    /// The thread id.
    public var threadId: String
    /// `idle`, `starting`, `running`, `ready`, `interrupted`, `stopped` or `error`.
    public var status: String
    /// Provider name, e.g. `claudeAgent`.
    public var providerName: String?
    /// Runtime mode.
    public var runtimeMode: String
    /// Active turn id while running.
    public var activeTurnId: String?
    /// Last error message.
    public var lastError: String?
    /// ISO-8601 update time.
    public var updatedAt: String

    /// Creates a session.
    public init(
        threadId: String,
        status: String,
        providerName: String? = "claudeAgent",
        runtimeMode: String,
        activeTurnId: String? = nil,
        lastError: String? = nil,
        updatedAt: String
    ) {
        self.threadId = threadId
        self.status = status
        self.providerName = providerName
        self.runtimeMode = runtimeMode
        self.activeTurnId = activeTurnId
        self.lastError = lastError
        self.updatedAt = updatedAt
    }
}

/// A thread message.
public struct SimMessage: Sendable, Codable, Equatable {
    /// Message id (client-minted for user messages).
    public var id: String
    /// `user`, `assistant` or `system`.
    public var role: String
    /// Text.
    public var text: String
    /// Attachments as sent (user messages only).
    public var attachments: [JSONValue]?
    /// Turn id, or `nil` (user messages).
    public var turnId: String?
    /// Whether the message is still streaming.
    public var streaming: Bool
    /// ISO-8601 creation time.
    public var createdAt: String
    /// ISO-8601 update time.
    public var updatedAt: String

    /// Creates a message.
    public init(
        id: String,
        role: String,
        text: String,
        attachments: [JSONValue]? = nil,
        turnId: String? = nil,
        streaming: Bool = false,
        createdAt: String,
        updatedAt: String? = nil
    ) {
        self.id = id
        self.role = role
        self.text = text
        self.attachments = attachments
        self.turnId = turnId
        self.streaming = streaming
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}
