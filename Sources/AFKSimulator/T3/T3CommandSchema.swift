import Foundation

/// Decoding of `ClientOrchestrationCommand` bodies with the v0.0.27 field rules
/// (`packages/contracts/src/orchestration.ts` in https://github.com/pingdotgg/t3code).
/// Any failure means T3 answers **400 with an empty body** (Effect maps a schema error to a bare 400:
/// `HttpServerRespondable.ts` in https://github.com/Effect-TS/effect-smol).
enum T3CommandSchema {
    enum Kind {
        /// Branded id: a trimmed, non-empty string.
        case id
        /// `TrimmedNonEmptyString`.
        case nonEmpty
        /// Any string (e.g. `IsoDateTime`, which is plain `Schema.String`).
        case string
        /// `NullOr(TrimmedNonEmptyString)`: the key is required when the field is, the value may be `null`.
        case nullableNonEmpty
        case bool
        case modelSelection
        case nullableModelSelection
        case runtimeMode
        case interactionMode
        case message
        case nonNegativeInt
        case decision
        case object
        case array
        case sourceProposedPlan
    }

    struct Field {
        var name: String
        var kind: Kind
        var required: Bool
    }

    private static func r(_ name: String, _ kind: Kind) -> Field { Field(name: name, kind: kind, required: true) }
    private static func o(_ name: String, _ kind: Kind) -> Field { Field(name: name, kind: kind, required: false) }

    /// Every client command type of v0.0.27 and its fields (`commandId` is checked separately).
    static let commands: [String: [Field]] = [
        "project.create": [
            r("projectId", .id), r("title", .nonEmpty), r("workspaceRoot", .nonEmpty), r("createdAt", .string),
            o("createWorkspaceRootIfMissing", .bool), o("defaultModelSelection", .nullableModelSelection),
        ],
        "project.meta.update": [
            r("projectId", .id), o("title", .nonEmpty), o("workspaceRoot", .nonEmpty),
            o("defaultModelSelection", .nullableModelSelection), o("scripts", .array),
        ],
        "project.delete": [r("projectId", .id), o("force", .bool)],
        "thread.create": [
            r("threadId", .id), r("projectId", .id), r("title", .nonEmpty), r("modelSelection", .modelSelection),
            r("runtimeMode", .runtimeMode), r("branch", .nullableNonEmpty), r("worktreePath", .nullableNonEmpty),
            r("createdAt", .string), o("interactionMode", .interactionMode),
        ],
        "thread.delete": [r("threadId", .id)],
        "thread.archive": [r("threadId", .id)],
        "thread.unarchive": [r("threadId", .id)],
        "thread.meta.update": [
            r("threadId", .id), o("title", .nonEmpty), o("modelSelection", .modelSelection),
            o("branch", .nullableNonEmpty), o("worktreePath", .nullableNonEmpty),
        ],
        "thread.runtime-mode.set": [r("threadId", .id), r("runtimeMode", .runtimeMode), r("createdAt", .string)],
        "thread.interaction-mode.set": [
            r("threadId", .id), r("interactionMode", .interactionMode), r("createdAt", .string),
        ],
        "thread.turn.start": [
            r("threadId", .id), r("message", .message), r("runtimeMode", .runtimeMode),
            r("interactionMode", .interactionMode), r("createdAt", .string), o("modelSelection", .modelSelection),
            o("titleSeed", .string), o("bootstrap", .object), o("sourceProposedPlan", .sourceProposedPlan),
        ],
        "thread.turn.interrupt": [r("threadId", .id), r("createdAt", .string), o("turnId", .id)],
        "thread.approval.respond": [
            r("threadId", .id), r("requestId", .id), r("decision", .decision), r("createdAt", .string),
        ],
        "thread.user-input.respond": [
            r("threadId", .id), r("requestId", .id), r("answers", .object), r("createdAt", .string),
        ],
        "thread.checkpoint.revert": [r("threadId", .id), r("turnCount", .nonNegativeInt), r("createdAt", .string)],
        "thread.session.stop": [r("threadId", .id), r("createdAt", .string)],
    ]

    /// A decoded command: its type, id and the (validated) body.
    struct Command {
        var type: String
        var commandId: String
        var body: JSONValue

        func string(_ key: String) -> String? { body[key]?.stringValue }
    }

    /// Returns the command, or `nil` when T3 would reject the body with a bare 400.
    static func decode(_ data: Data) -> Command? {
        guard let body = JSONValue.parse(data), body.isObject,
            let type = body["type"]?.stringValue, let fields = commands[type],
            let commandId = body["commandId"], valid(commandId, .id)
        else { return nil }
        for field in fields {
            guard let value = body[field.name] else {
                if field.required { return nil }
                continue
            }
            guard valid(value, field.kind) else { return nil }
        }
        return Command(type: type, commandId: commandId.stringValue ?? "", body: body)
    }

    static func valid(_ value: JSONValue, _ kind: Kind) -> Bool {
        switch kind {
        case .id, .nonEmpty:
            // Branded ids and `TrimmedNonEmptyString` are trimmed on decode; blank strings fail.
            guard let s = value.stringValue else { return false }
            return !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        case .string:
            return value.stringValue != nil
        case .nullableNonEmpty:
            return value.isNull || valid(value, .nonEmpty)
        case .bool:
            return value.boolValue != nil
        case .modelSelection:
            return validModelSelection(value)
        case .nullableModelSelection:
            return value.isNull || validModelSelection(value)
        case .runtimeMode:
            return ["approval-required", "auto-accept-edits", "full-access"].contains(value.stringValue ?? "")
        case .interactionMode:
            return ["default", "plan"].contains(value.stringValue ?? "")
        case .decision:
            return ["accept", "acceptForSession", "decline", "cancel"].contains(value.stringValue ?? "")
        case .nonNegativeInt:
            return (value.intValue ?? -1) >= 0
        case .object:
            return value.isObject
        case .array:
            return value.arrayValue != nil
        case .sourceProposedPlan:
            guard value.isObject, let t = value["threadId"], let p = value["planId"] else { return false }
            return valid(t, .id) && valid(p, .id)
        case .message:
            return validMessage(value)
        }
    }

    /// `{messageId, role: "user", text, attachments: [...]}`; `attachments` is required (`orchestration.ts`).
    static func validMessage(_ value: JSONValue) -> Bool {
        guard value.isObject,
            let messageId = value["messageId"], valid(messageId, .id),
            value["role"]?.stringValue == "user",
            value["text"]?.stringValue != nil,
            let attachments = value["attachments"]?.arrayValue
        else { return false }
        return attachments.allSatisfy { a in
            guard a.isObject, a["type"]?.stringValue == "image",
                let name = a["name"]?.stringValue, !name.isEmpty, name.count <= 255,
                let mime = a["mimeType"]?.stringValue, mime.hasPrefix("image/"),
                let size = a["sizeBytes"]?.intValue, size >= 0, size <= 10 * 1024 * 1024,
                let dataUrl = a["dataUrl"]?.stringValue, dataUrl.hasPrefix("data:")
            else { return false }
            return true
        }
    }

    /// `{instanceId, model, options?}` or legacy `{provider, model}` (`packages/contracts/src/model.ts`).
    static func validModelSelection(_ value: JSONValue) -> Bool {
        guard value.isObject, let model = value["model"]?.stringValue,
            !model.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else { return false }
        if let options = value["options"], !(options.arrayValue != nil || options.isObject) { return false }
        if let options = value["options"]?.arrayValue {
            for option in options {
                guard option.isObject, option["id"]?.stringValue != nil,
                    let v = option["value"], v.stringValue != nil || v.boolValue != nil
                else { return false }
            }
        }
        if let instance = value["instanceId"] {
            guard let slug = instance.stringValue else { return false }
            return isSlug(slug)
        }
        if let provider = value["provider"]?.stringValue { return isSlug(provider) }
        return false
    }

    /// `^[a-zA-Z][a-zA-Z0-9_-]*$`, at most 64 characters.
    static func isSlug(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, s.count <= 64 else { return false }
        func letter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
        guard letter(first) else { return false }
        return s.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }

    /// The read model stores `{instanceId, model, options?}`; legacy `{provider, model}` is converted.
    static func normalisedModelSelection(_ value: JSONValue) -> JSONValue {
        guard value["instanceId"] == nil, let provider = value["provider"]?.stringValue else { return value }
        var members: [String: JSONValue] = [
            "instanceId": .string(provider), "model": value["model"] ?? .null,
        ]
        if let options = value["options"] { members["options"] = options }
        return .object(members)
    }
}
