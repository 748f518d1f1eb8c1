import Foundation

/// Plays the scripted agent of a thread. This is the extension point for simulated provider behaviour:
/// a new ``AgentScript`` case gets its behaviour here.
///
/// - ``turnStarted(_:script:turnId:now:)`` runs right after `thread.turn.start` has been accepted.
/// - ``snapshotPolled(_:script:poll:now:)`` runs on every authorised `GET /api/orchestration/snapshot`
///   before the snapshot is rendered, with the number of polls since the turn started; scripts that progress
///   over time (push a commit after N polls, fail, ask for approval, …) advance here.
struct AgentDriver {
    /// Marks the turn running (facts t3 §1.4 "Running": `session.status == running` with `activeTurnId`),
    /// then lets the script react.
    static func turnStarted(_ thread: inout SimThread, script: AgentScript, turnId: String, now: Date) {
        let stamp = SimClock.t3(now)
        thread.latestTurn = SimTurn(
            turnId: turnId, state: "running", requestedAt: stamp, startedAt: stamp, completedAt: nil,
            assistantMessageId: nil)
        thread.session = SimSession(
            threadId: thread.id, status: "running", providerName: "claudeAgent", runtimeMode: thread.runtimeMode,
            activeTurnId: turnId, lastError: nil, updatedAt: stamp)
        thread.updatedAt = stamp
        switch script {
        case .runForever:
            break
        case .completeImmediately:
            complete(&thread, text: "Done.", now: now)
        }
    }

    static func snapshotPolled(_ thread: inout SimThread, script: AgentScript, poll: Int, now: Date) {
        switch script {
        case .runForever, .completeImmediately:
            break
        }
    }

    /// Finishes the running turn the way T3 reports success (facts t3 §1.4 "Finished"): an assistant
    /// message, `latestTurn.state: completed`, `session.status: ready`, `activeTurnId: null`.
    static func complete(_ thread: inout SimThread, text: String, now: Date) {
        guard var turn = thread.latestTurn else { return }
        let stamp = SimClock.t3(now)
        let messageId = "assistant:\(turn.turnId)"
        thread.messages.append(SimMessage(
            id: messageId, role: "assistant", text: text, turnId: turn.turnId, streaming: false, createdAt: stamp))
        turn.state = "completed"
        turn.completedAt = stamp
        turn.assistantMessageId = messageId
        thread.latestTurn = turn
        thread.session?.status = "ready"
        thread.session?.activeTurnId = nil
        thread.session?.updatedAt = stamp
        thread.updatedAt = stamp
    }

    /// Fails the running turn (facts t3 §1.4 "Errored": trust `session.status`).
    static func fail(_ thread: inout SimThread, error: String, now: Date) {
        let stamp = SimClock.t3(now)
        thread.session?.status = "error"
        thread.session?.lastError = error
        thread.session?.activeTurnId = nil
        thread.session?.updatedAt = stamp
        thread.updatedAt = stamp
    }
}
