import Foundation

/// T3 Code orchestration payloads (t3-and-job-runner §1, v0.0.27 contracts).
enum T3 {
    /// `GET /api/orchestration/snapshot` → `OrchestrationReadModel` (§1.4). Deleted projects and
    /// deleted/archived threads are included, so `deletedAt` is checked by the reader. Only the
    /// fields afk reads are decoded; v0.0.32+ returns the same top level with empty
    /// `messages`/`activities`, which these optional fields tolerate.
    struct Snapshot: Decodable {
        let snapshotSequence: Int?
        let projects: [Project]
        let threads: [Thread]
    }

    struct Project: Decodable {
        let id: String
        let deletedAt: String?
    }

    struct Thread: Decodable {
        let id: String
        let projectId: String
        let createdAt: String?
        let deletedAt: String?
        let latestTurn: Turn?
        let session: Session?
        /// Empty in the lightweight v0.0.32+ snapshot; full from `/threads/:id`.
        let activities: [Activity]?
    }

    struct Turn: Decodable {
        let turnId: String
        let state: String
    }

    struct Session: Decodable {
        let status: String
        let activeTurnId: String?
        let lastError: String?
    }

    /// `activity` (§1.4): only `kind` and the request ids in `payload` matter here.
    struct Activity: Decodable {
        struct Payload: Decodable {
            let requestId: String?
            let questions: [Question]?
            let detail: String?
            let message: String?
        }
        struct Question: Decodable { let question: String? }
        let kind: String
        let summary: String?
        let payload: Payload?
    }

    /// `GET /api/orchestration/threads/:threadId` (v0.0.29+).
    struct ThreadDetail: Decodable {
        let snapshotSequence: Int?
        let thread: Thread
    }

    /// `GET /.well-known/t3/environment`.
    struct Environment: Decodable {
        let serverVersion: String?
    }

    /// `ModelSelection` (§1.2): `instanceId` is a provider-instance slug, `model` non-empty.
    struct ModelSelection: Encodable, Hashable {
        let instanceId: String
        let model: String
    }

    /// `project.create` (§1.2): every required key, plus `createWorkspaceRootIfMissing` so a
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

    /// `thread.create` (§1.2). `branch` and `worktreePath` are `NullOr`: the keys must be sent,
    /// with null values, so they are encoded explicitly.
    struct ThreadCreate: Encodable {
        let commandId: String
        let threadId: String
        let projectId: String
        let title: String
        let modelSelection: ModelSelection
        let runtimeMode: String
        let interactionMode: String
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
            try c.encodeNil(forKey: .branch)
            try c.encodeNil(forKey: .worktreePath)
            try c.encode(createdAt, forKey: .createdAt)
        }
    }

    /// `thread.turn.start`, client variant (§1.2). `runtimeMode`/`interactionMode` are required by
    /// the schema although the decider stamps the thread's stored modes; `attachments` is required.
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
