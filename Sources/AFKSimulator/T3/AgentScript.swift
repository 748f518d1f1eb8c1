import Foundation

/// What CI reports on a commit the scripted agent pushes.
public enum AgentCI: String, Sendable, Codable, Equatable, CaseIterable {
    /// Check run `build`: completed / success.
    case green
    /// Check run `build`: completed / failure.
    case red
    /// Check run `build`: in_progress.
    case pending
    /// No check run at all.
    case none
}

/// What the simulated agent does once a turn starts on a thread.
///
/// "Polls" count authorised `GET /api/orchestration/snapshot` and `GET /api/orchestration/threads/{id}`
/// requests since the turn started. The issue an afk thread works on is parsed from its id
/// (`afk-<owner>~<name>-i<N>-r<run>[-g<k>]`), or else from an `owner/name#N` in its title.
///
/// JSON: a string for the parameterless scripts (`"run_forever"`, `"complete_immediately"`), otherwise an
/// object with a `type`:
/// ```json
/// {"type": "push_after_polls", "polls": 2, "branch": null, "ci": "red", "fix_on_corrective_turn": true}
/// {"type": "finish_without_push", "polls": 1}
/// {"type": "error", "polls": 1, "message": "provider crashed"}
/// {"type": "interrupt", "polls": 1}
/// {"type": "ask_question", "polls": 1}
/// ```
public enum AgentScript: Sendable, Codable, Equatable {
    /// The turn stays `running` forever (until interrupted or stopped).
    case runForever
    /// The turn completes as soon as it starts: an assistant message, `latestTurn.state: completed`,
    /// `session.status: ready`.
    case completeImmediately
    /// After `polls` polls, pushes `Implement #N` (with `Closes #N` and an `AFK-Issue:` trailer) to `branch`
    /// (nil: the repository's default branch), reports `ci` as check run `build`, and completes the turn.
    /// A later (corrective) turn: with `fixOnCorrectiveTurn`, after `polls` more polls pushes a `Fix build`
    /// commit with a green `build` and completes; otherwise completes without pushing.
    case pushAfterPolls(polls: Int, branch: String? = nil, ci: AgentCI = .green, fixOnCorrectiveTurn: Bool = false)
    /// Completes the turn after `polls` polls without pushing anything.
    case finishWithoutPush(polls: Int)
    /// After `polls` polls: `session.status: error` with `lastError`, `latestTurn.state: error`, and a
    /// `runtime.error` activity.
    case error(polls: Int, message: String)
    /// After `polls` polls: `latestTurn.state: interrupted`, `session.status: interrupted`.
    case interrupt(polls: Int)
    /// After `polls` polls: a `user-input.requested` activity; the session keeps running.
    case askQuestion(polls: Int)

    enum CodingKeys: String, CodingKey {
        case type, polls, branch, ci, message
        case fixOnCorrectiveTurn = "fix_on_corrective_turn"
    }

    /// Decodes the string or object form.
    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let name = try? single.decode(String.self) {
            guard let script = Self.simple(name) else {
                throw DecodingError.dataCorruptedError(
                    in: single,
                    debugDescription: "Unknown agent script \"\(name)\"."
                )
            }
            self = script
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        let polls = try c.value(.polls, or: 1)
        switch type {
        case "push_after_polls":
            self = .pushAfterPolls(
                polls: polls,
                branch: try c.decodeIfPresent(String.self, forKey: .branch),
                ci: try c.value(.ci, or: AgentCI.green),
                fixOnCorrectiveTurn: try c.value(.fixOnCorrectiveTurn, or: false)
            )
        case "finish_without_push":
            self = .finishWithoutPush(polls: polls)
        case "error":
            self = .error(polls: polls, message: try c.value(.message, or: "The agent crashed."))
        case "interrupt":
            self = .interrupt(polls: polls)
        case "ask_question":
            self = .askQuestion(polls: polls)
        default:
            guard let script = Self.simple(type) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .type,
                    in: c,
                    debugDescription: "Unknown agent script \"\(type)\"."
                )
            }
            self = script
        }
    }

    private static func simple(_ name: String) -> AgentScript? {
        switch name {
        case "run_forever": .runForever
        case "complete_immediately": .completeImmediately
        default: nil
        }
    }

    /// Encodes the string form for parameterless scripts, the object form otherwise.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .runForever:
            var c = encoder.singleValueContainer()
            try c.encode("run_forever")
        case .completeImmediately:
            var c = encoder.singleValueContainer()
            try c.encode("complete_immediately")
        case .pushAfterPolls(let polls, let branch, let ci, let fix):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode("push_after_polls", forKey: .type)
            try c.encode(polls, forKey: .polls)
            try c.encode(branch, forKey: .branch)
            try c.encode(ci, forKey: .ci)
            try c.encode(fix, forKey: .fixOnCorrectiveTurn)
        case .finishWithoutPush(let polls):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode("finish_without_push", forKey: .type)
            try c.encode(polls, forKey: .polls)
        case .error(let polls, let message):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode("error", forKey: .type)
            try c.encode(polls, forKey: .polls)
            try c.encode(message, forKey: .message)
        case .interrupt(let polls):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode("interrupt", forKey: .type)
            try c.encode(polls, forKey: .polls)
        case .askQuestion(let polls):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode("ask_question", forKey: .type)
            try c.encode(polls, forKey: .polls)
        }
    }
}
