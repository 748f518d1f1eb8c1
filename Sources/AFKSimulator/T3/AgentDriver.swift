import Foundation

/// A commit the scripted agent pushes; `SimulatorState` applies it to the forge right after the T3
/// request that triggered it.
struct AgentPush: Sendable, Equatable {
    var owner: String
    var repo: String
    var number: Int
    /// `nil`: the repository's default branch.
    var branch: String?
    /// A corrective-turn fix (`Fix build for #N`) rather than the first implementation.
    var fix: Bool
    var sha: String
    var ci: AgentCI
    /// Who pushed: the T3 thread id, job id or Claudomator task id (to tell it when the push is refused).
    var origin: String = ""

    /// `Implement #N` / `Fix build for #N`, then `Closes #N` and the `AFK-Issue` trailer.
    func message(owner canonicalOwner: String, repo canonicalRepo: String) -> String {
        let subject = fix ? "Fix build for #\(number)" : "Implement #\(number)"
        return "\(subject)\n\nCloses #\(number)\nAFK-Issue: \(canonicalOwner)/\(canonicalRepo)#\(number)"
    }

    /// The run branch afk names in a turn's text: the value of the first line starting with `AFK-Branch: `
    /// (afk asks the agent to push there when it lands through pull requests).
    static func runBranch(inTurnText text: String) -> String? {
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("AFK-Branch: ") {
            let name = line.dropFirst("AFK-Branch: ".count).trimmingCharacters(in: .whitespaces)
            if !name.isEmpty { return name }
        }
        return nil
    }

    /// What the agent says when the forge refused its push.
    func refusedText(_ refusal: String) -> String {
        let subject = fix ? "Fixed the build for #\(number)" : "Implemented #\(number)"
        return "\(subject), but the push to \(branch ?? "the default branch") was refused:\n\(refusal)"
    }
}

/// Plays the scripted agent of a thread. This is the extension point for simulated provider behaviour:
/// a new ``AgentScript`` case gets its behaviour here.
///
/// - ``turnStarted(_:script:turnId:turnNumber:now:)`` runs right after `thread.turn.start` has been accepted.
/// - ``act(_:script:turnNumber:poll:now:)`` runs on every authorised poll (snapshot or thread read) with the
///   number of polls since the turn started, until the script has acted once for that turn.
enum AgentDriver {
    /// Marks the turn running (as T3's `Layers/ProviderRuntimeIngestion.ts` projects it: `session.status == running`
    /// with `activeTurnId`).
    static func turnStarted(_ thread: inout SimThread, script: AgentScript, turnId: String, turnNumber: Int, now: Date)
    {
        let stamp = SimClock.t3(now)
        thread.latestTurn = SimTurn(
            turnId: turnId,
            state: "running",
            requestedAt: stamp,
            startedAt: stamp,
            completedAt: nil,
            assistantMessageId: nil
        )
        thread.session = SimSession(
            threadId: thread.id,
            status: "running",
            providerName: "claudeAgent",
            runtimeMode: thread.runtimeMode,
            activeTurnId: turnId,
            lastError: nil,
            updatedAt: stamp
        )
        thread.updatedAt = stamp
    }

    /// The number of polls after which `script` acts, or `nil` when it never does.
    static func threshold(_ script: AgentScript) -> Int? {
        switch script {
        case .runForever: nil
        case .completeImmediately: 0
        case .pushAfterPolls(let polls, _, _, _), .finishWithoutPush(let polls), .error(let polls, _),
            .interrupt(let polls), .askQuestion(let polls):
            max(0, polls)
        }
    }

    /// Lets the script act once `poll` reaches its threshold.
    /// - Returns: whether it acted, and the commits to push.
    static func act(
        _ thread: inout SimThread,
        script: AgentScript,
        turnNumber: Int,
        poll: Int,
        pushGuard: PushGuard = PushGuard(),
        now: Date
    ) -> (acted: Bool, pushes: [AgentPush]) {
        guard let threshold = threshold(script), poll >= threshold, let turn = thread.latestTurn,
            turn.state == "running"
        else { return (false, []) }
        switch script {
        case .runForever:
            return (false, [])
        case .completeImmediately:
            complete(&thread, text: "Done.", now: now)
            return (true, [])
        case .pushAfterPolls(_, let branch, let ci, let fixOnCorrective):
            let corrective = turnNumber > 1
            guard let issue = issueRef(of: thread) else {
                complete(&thread, text: "Done, but I could not tell which repository to push to.", now: now)
                return (true, [])
            }
            if corrective, !fixOnCorrective {
                complete(&thread, text: "I looked at the failure again and have nothing to change.", now: now)
                return (true, [])
            }
            let sha = ForgeWorld.hex40("agent|\(thread.id)|\(turn.turnId)|\(SimClock.randomHex(8))")
            let target = branch ?? runBranch(of: thread)
            let push = AgentPush(
                owner: issue.owner,
                repo: issue.repo,
                number: issue.number,
                branch: target,
                fix: corrective,
                sha: sha,
                ci: corrective ? .green : ci,
                origin: thread.id
            )
            if let refusal = pushGuard.refusal(owner: issue.owner, repo: issue.repo, branch: target) {
                complete(&thread, text: push.refusedText(refusal), now: now)
                return (true, [])
            }
            let targetText = target ?? "the default branch"
            let text =
                corrective
                ? "Fixed the build for #\(issue.number) and pushed \(sha.prefix(7)) to \(targetText)."
                : "Implemented #\(issue.number) and pushed \(sha.prefix(7)) to \(targetText)."
            complete(&thread, text: text, now: now)
            return (true, [push])
        case .finishWithoutPush:
            complete(&thread, text: "I finished, but I did not push any changes.", now: now)
            return (true, [])
        case .error(_, let message):
            fail(&thread, error: message, now: now)
            if var failed = thread.latestTurn {
                failed.state = "error"
                failed.completedAt = SimClock.t3(now)
                thread.latestTurn = failed
            }
            thread.activities.append(
                activity(
                    id: "activity-error-\(turn.turnId)",
                    tone: "error",
                    kind: "runtime.error",
                    summary: "Runtime error",
                    payload: .obj(["message": .string(message)]),
                    turnId: turn.turnId,
                    now: now
                )
            )
            return (true, [])
        case .interrupt:
            let stamp = SimClock.t3(now)
            var interrupted = turn
            interrupted.state = "interrupted"
            interrupted.completedAt = stamp
            thread.latestTurn = interrupted
            thread.session?.status = "interrupted"
            thread.session?.activeTurnId = nil
            thread.session?.updatedAt = stamp
            thread.updatedAt = stamp
            return (true, [])
        case .askQuestion:
            let question = "Which approach should I take?"
            thread.activities.append(
                activity(
                    id: "activity-input-\(turn.turnId)",
                    tone: "info",
                    kind: "user-input.requested",
                    summary: "User input requested",
                    payload: .obj([
                        "requestId": .string("request-\(turn.turnId)"),
                        "questions": .array([
                            .obj([
                                "id": .string(question),
                                "header": .string("Approach"),
                                "question": .string(question),
                                "options": .array([
                                    .obj([
                                        "label": .string("Minimal"),
                                        "description": .string("The smallest change that closes the issue"),
                                    ]),
                                    .obj([
                                        "label": .string("Thorough"),
                                        "description": .string("Refactor the surrounding code as well"),
                                    ]),
                                ]),
                                "multiSelect": .bool(false),
                            ])
                        ]),
                    ]),
                    turnId: turn.turnId,
                    now: now
                )
            )
            thread.updatedAt = SimClock.t3(now)
            return (true, [])
        }
    }

    /// An `OrchestrationThreadActivity` (`packages/contracts/src/orchestration.ts` in https://github.com/pingdotgg/t3code).
    static func activity(
        id: String,
        tone: String,
        kind: String,
        summary: String,
        payload: JSONValue,
        turnId: String?,
        now: Date
    ) -> JSONValue {
        .obj([
            "id": .string(id),
            "tone": .string(tone),
            "kind": .string(kind),
            "summary": .string(summary),
            "payload": payload,
            "turnId": .str(turnId),
            "createdAt": .string(SimClock.t3(now)),
        ])
    }

    /// The run branch of a thread: the `AFK-Branch:` line of the newest user message (the turn that started), else
    /// of the thread's first one.
    static func runBranch(of thread: SimThread) -> String? {
        let users = thread.messages.filter { $0.role == "user" }
        if let latest = users.last, let branch = AgentPush.runBranch(inTurnText: latest.text) { return branch }
        return users.first.flatMap { AgentPush.runBranch(inTurnText: $0.text) }
    }

    /// The issue of an afk thread: from the id `afk-<owner>~<name>-i<N>-r<run>[-g<k>]` (lower-cased), else
    /// from an `owner/name#N` in the title.
    static func issueRef(of thread: SimThread) -> (owner: String, repo: String, number: Int)? {
        if let parsed = parseThreadID(thread.id) { return parsed }
        guard let regex = try? Regex(#"([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)#([0-9]+)"#),
            let match = thread.title.firstMatch(of: regex), match.count == 4,
            let owner = match[1].substring, let repo = match[2].substring,
            let numberText = match[3].substring, let number = Int(numberText)
        else { return nil }
        return (String(owner), String(repo), number)
    }

    static func parseThreadID(_ id: String) -> (owner: String, repo: String, number: Int)? {
        guard id.hasPrefix("afk-") else { return nil }
        var body = Substring(id.dropFirst(4))
        if let g = body.range(of: "-g", options: .backwards), let k = Int(body[g.upperBound...]), k > 0 {
            body = body[..<g.lowerBound]
        }
        guard let r = body.range(of: "-r", options: .backwards), let run = Int(body[r.upperBound...]), run > 0 else {
            return nil
        }
        let head = body[..<r.lowerBound]
        guard let i = head.range(of: "-i", options: .backwards), let number = Int(head[i.upperBound...]), number > 0
        else {
            return nil
        }
        let parts = head[..<i.lowerBound].split(separator: "~", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]), number)
    }

    /// Finishes the running turn the way T3 reports success (T3's `Layers/ProjectionPipeline.ts`): an assistant
    /// message, `latestTurn.state: completed`, `session.status: ready`, `activeTurnId: null`.
    static func complete(_ thread: inout SimThread, text: String, now: Date) {
        guard var turn = thread.latestTurn else { return }
        let stamp = SimClock.t3(now)
        let messageId = "assistant:\(turn.turnId)"
        thread.messages.append(
            SimMessage(
                id: messageId,
                role: "assistant",
                text: text,
                turnId: turn.turnId,
                streaming: false,
                createdAt: stamp
            )
        )
        turn.state = "completed"
        turn.completedAt = stamp
        turn.assistantMessageId = messageId
        thread.latestTurn = turn
        thread.session?.status = "ready"
        thread.session?.activeTurnId = nil
        thread.session?.updatedAt = stamp
        thread.updatedAt = stamp
    }

    /// Fails the running turn (T3 sets `latestTurn.state: error` only from its checkpoint reactor: trust
    /// `session.status`).
    static func fail(_ thread: inout SimThread, error: String, now: Date) {
        let stamp = SimClock.t3(now)
        thread.session?.status = "error"
        thread.session?.lastError = error
        thread.session?.activeTurnId = nil
        thread.session?.updatedAt = stamp
        thread.updatedAt = stamp
    }
}

extension T3World {
    /// The forge refused the push the agent of thread `threadId` just made (the rules changed under it): its
    /// closing message says so instead, from the next read on.
    mutating func pushRefused(threadId: String, text: String) {
        guard let t = config.threads.firstIndex(where: { $0.id == threadId }),
            let k = config.threads[t].messages.lastIndex(where: { $0.role == "assistant" })
        else { return }
        config.threads[t].messages[k].text = text
    }
}
