import Foundation

/// T3 Code orchestration payloads (v0.0.27 contracts, `packages/contracts/src/orchestration.ts` in
/// https://github.com/pingdotgg/t3code).
///
/// Reading is tolerant, field by field: T3's contracts type much of what afk reads loosely
/// (`activity.payload` is `Schema.Unknown`; `runtime.warning` carries whatever the provider sent
/// as `payload.detail`, objects included), and one thread afk cannot read must never make every
/// other thread unreadable. So every field is optional, an activity that cannot be read is
/// skipped, and a thread that cannot be read is kept as ``ThreadEntry/unreadable(id:reason:)``:
/// only that run's state is unknown.
enum T3 {
    /// `GET /api/orchestration/snapshot` → `OrchestrationReadModel`. Deleted projects and
    /// deleted/archived threads are included, so `deletedAt` is checked by the reader. From
    /// v0.0.32 it is the lightweight read model with empty `messages`/`activities`.
    struct Snapshot: Decodable {
        let projects: [Project]
        let threads: [ThreadEntry]

        enum CodingKeys: String, CodingKey { case projects, threads }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            projects = (try c.decodeIfPresent([Lenient<Project>].self, forKey: .projects) ?? []).compactMap(\.value)
            threads = try c.decode([ThreadEntry].self, forKey: .threads)
        }
    }

    struct Project: Decodable {
        let id: String
        let deletedAt: String?
    }

    /// One thread of the snapshot: readable, or not (with its id when that much could be read).
    enum ThreadEntry: Decodable {
        case thread(Thread)
        case unreadable(id: String?, reason: String)

        init(from decoder: any Decoder) throws {
            do {
                self = .thread(try Thread(from: decoder))
            } catch {
                let id = try? decoder.container(keyedBy: Thread.CodingKeys.self).decode(String.self, forKey: .id)
                self = .unreadable(id: id, reason: T3.describe(error))
            }
        }

        var id: String? {
            switch self {
            case .thread(let thread): thread.id
            case .unreadable(let id, _): id
            }
        }
    }

    struct Thread: Decodable {
        let id: String
        let projectId: String?
        let createdAt: String?
        let deletedAt: String?
        let latestTurn: Turn?
        let session: Session?
        /// Empty in the lightweight v0.0.32+ snapshot; full from `/threads/:id`. Activities that
        /// cannot be read are left out.
        let activities: [Activity]?
        /// Whether the thread carries any message, activity or checkpoint. The lightweight
        /// snapshot (v0.0.32+) empties all three; the hydrated one (earlier) holds at least the
        /// user message of every turn started.
        let showsHistory: Bool

        enum CodingKeys: String, CodingKey {
            case id, projectId, createdAt, deletedAt, latestTurn, session, activities, messages, checkpoints
        }

        /// Any JSON value, read past without being kept.
        struct Skipped: Decodable {
            init(from decoder: any Decoder) throws {}
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            projectId = try? c.decodeIfPresent(String.self, forKey: .projectId)
            createdAt = try? c.decodeIfPresent(String.self, forKey: .createdAt)
            deletedAt = try? c.decodeIfPresent(String.self, forKey: .deletedAt)
            latestTurn = try c.decodeIfPresent(Turn.self, forKey: .latestTurn)
            session = try c.decodeIfPresent(Session.self, forKey: .session)
            activities = (try? c.decodeIfPresent([Lenient<Activity>].self, forKey: .activities))?.compactMap(\.value)
            func count(_ key: CodingKeys) -> Int { (try? c.decodeIfPresent([Skipped].self, forKey: key))?.count ?? 0 }
            showsHistory = count(.messages) + count(.activities) + count(.checkpoints) > 0
        }
    }

    /// `latestTurn`: `{turnId, state, requestedAt, startedAt, completedAt, …}`.
    struct Turn: Decodable {
        let turnId: String
        let state: String
        let requestedAt: String?
    }

    /// `session`: `{status, activeTurnId, lastError, …}`. `lastError` is read as text whatever its shape.
    struct Session: Decodable {
        let status: String
        let activeTurnId: String?
        let lastError: String?

        enum CodingKeys: String, CodingKey { case status, activeTurnId, lastError }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            status = try c.decode(String.self, forKey: .status)
            activeTurnId = try? c.decodeIfPresent(String.self, forKey: .activeTurnId)
            lastError = (try? c.decodeIfPresent(AnyJSON.self, forKey: .lastError))?.flatMap(\.text)
        }
    }

    /// `OrchestrationThreadActivity`: `{id, tone, kind, summary, payload: unknown, turnId|null,
    /// sequence?, createdAt}`. Only `kind` is required here; the payload is read field by field.
    struct Activity: Decodable {
        let kind: String
        let summary: String?
        let turnId: String?
        let createdAt: String?
        let payload: AnyJSON?

        enum CodingKeys: String, CodingKey { case kind, summary, turnId, createdAt, payload }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            kind = try c.decode(String.self, forKey: .kind)
            summary = try? c.decodeIfPresent(String.self, forKey: .summary)
            turnId = try? c.decodeIfPresent(String.self, forKey: .turnId)
            createdAt = try? c.decodeIfPresent(String.self, forKey: .createdAt)
            payload = try? c.decodeIfPresent(AnyJSON.self, forKey: .payload)
        }

        init(kind: String, summary: String?, turnId: String?, createdAt: String?, payload: AnyJSON?) {
            self.kind = kind
            self.summary = summary
            self.turnId = turnId
            self.createdAt = createdAt
            self.payload = payload
        }

        /// `payload.requestId`, when it is a string.
        var requestId: String? { payload?["requestId"]?.string }
        /// `payload.detail` (or `payload.message`) as text, whatever its JSON shape.
        var detail: String? { payload?["detail"]?.text ?? payload?["message"]?.text }
        /// The first `payload.questions[].question`.
        var firstQuestion: String? { payload?["questions"]?.array?.lazy.compactMap { $0["question"]?.string }.first }
    }

    /// `GET /api/orchestration/threads/:threadId` (v0.0.29+) → `{snapshotSequence, thread}`.
    struct ThreadDetail: Decodable {
        let thread: Thread
    }

    /// A short account of why a payload could not be decoded (the field path, never its value).
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "missing field \(path(context.codingPath + [key]))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "unexpected value at \(path(context.codingPath))"
        case DecodingError.dataCorrupted(let context):
            context.codingPath.isEmpty ? "not JSON" : "unreadable value at \(path(context.codingPath))"
        default:
            "not readable"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// `GET /.well-known/t3/environment`.
    struct Environment: Decodable {
        let serverVersion: String?
    }

    /// `ModelSelection` (`packages/contracts/src/model.ts`): `instanceId` is a provider-instance slug, `model` non-empty.
    struct ModelSelection: Encodable, Hashable {
        let instanceId: String
        let model: String
    }

    /// `project.create` (`orchestration.ts`): every required key, plus `createWorkspaceRootIfMissing` so a
    /// fresh executor host does not reject the command with a 400.
    struct ProjectCreate: Encodable {
        let type = "project.create"
        let commandId: String
        let projectId: String
        let title: String
        let workspaceRoot: String
        let createWorkspaceRootIfMissing: Bool
        let defaultModelSelection: ModelSelection?
        let createdAt: String
    }

    /// A command that names only its thread: `thread.turn.interrupt`, `thread.session.stop`
    /// (`orchestration.ts`; the interrupt's optional `turnId` is only recorded, so it is left out).
    struct ThreadCommand: Encodable {
        let type: String
        let commandId: String
        let threadId: String
        let createdAt: String
    }

    /// `thread.create` (`orchestration.ts`). `branch` and `worktreePath` are `NullOr`: the keys must be sent,
    /// with null values, so they are encoded explicitly.
    struct ThreadCreate: Encodable {
        let commandId: String
        let threadId: String
        let projectId: String
        let title: String
        let modelSelection: ModelSelection
        let runtimeMode: String
        let interactionMode: String
        /// The run's branch (`landing: pull_request`): T3 stores it as the thread's branch label and
        /// creates nothing (it makes worktrees only over WebSocket); nil is sent as null.
        var branch: String? = nil
        let createdAt: String

        enum CodingKeys: String, CodingKey {
            case type, commandId, threadId, projectId, title, modelSelection, runtimeMode, interactionMode
            case branch, worktreePath, createdAt
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode("thread.create", forKey: .type)
            try c.encode(commandId, forKey: .commandId)
            try c.encode(threadId, forKey: .threadId)
            try c.encode(projectId, forKey: .projectId)
            try c.encode(title, forKey: .title)
            try c.encode(modelSelection, forKey: .modelSelection)
            try c.encode(runtimeMode, forKey: .runtimeMode)
            try c.encode(interactionMode, forKey: .interactionMode)
            if let branch { try c.encode(branch, forKey: .branch) } else { try c.encodeNil(forKey: .branch) }
            try c.encodeNil(forKey: .worktreePath)
            try c.encode(createdAt, forKey: .createdAt)
        }
    }

    /// `thread.turn.start`, client variant (`orchestration.ts`). `runtimeMode`/`interactionMode` are required by
    /// the schema although the decider (`apps/server/src/orchestration/decider.ts`) stamps the thread's
    /// stored modes; `attachments` is required.
    struct TurnStart: Encodable {
        struct Message: Encodable {
            let messageId: String
            let role = "user"
            let text: String
            let attachments: [String] = []
        }

        let type = "thread.turn.start"
        let commandId: String
        let threadId: String
        let message: Message
        let runtimeMode: String
        let interactionMode: String
        let createdAt: String
    }

    /// `DispatchResult`.
    struct DispatchResult: Decodable {
        let sequence: Int
    }
}
