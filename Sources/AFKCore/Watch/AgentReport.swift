/// What an agent runtime says about one run's agent in one tick: the state of its latest turn,
/// which turn that is, and whether a turn afk asked for could not be started.
public struct AgentReport: Hashable, Sendable {
    /// The latest turn's state as the runtime shows it.
    public var state: AgentState
    /// Which turn the runtime shows as the latest one.
    public var turn: AgentTurn
    /// Set when the runtime says the turn asked for last could not be started (T3's
    /// `provider.turn.start.failed`): that turn will never appear.
    public var turnStartFailure: String?

    public init(_ state: AgentState, turn: AgentTurn = .notReported, turnStartFailure: String? = nil) {
        self.state = state
        self.turn = turn
        self.turnStartFailure = turnStartFailure
    }
}

/// The latest turn a runtime shows.
public enum AgentTurn: Hashable, Sendable {
    /// The runtime has no turns (one job or task per submission): each corrective turn is a new handle.
    case notReported
    /// The id of the latest turn, nil when none has started yet.
    case latest(String?)
}

/// The window after a turn is sent (T3: after `thread.turn.start` the thread keeps showing the
/// previous turn, often `completed`, until the provider picks the new one up; turns can wait
/// while the provider is busy). When afk sends a turn it records which turn the runtime showed
/// (``RunRecord/awaitingTurn``); until the runtime shows a different one the agent counts as
/// starting, never as finished, errored or interrupted. A turn the runtime says it could not
/// start ends the wait as an error.
public enum TurnWindow {
    /// The agent state the run state machine decides on.
    public static func agentState(_ report: AgentReport, record: RunRecord) -> AgentState {
        if let failure = report.turnStartFailure {
            return .errored("the turn afk sent could not be started: \(failure)")
        }
        guard let awaited = record.awaitingTurn, case .latest(let latest) = report.turn, latest == awaited.after else {
            return report.state
        }
        switch report.state {
        case .missing, .unknown, .running, .starting: return report.state
        case .finished, .interrupted, .errored, .needsInput: return .starting
        }
    }

    /// What to record after observing `turn` for a run that awaited `awaited`: nothing once the
    /// runtime shows another turn; the same when it showed none (it could not be asked, or it
    /// has no turns).
    public static func stillAwaited(_ awaited: AwaitedTurn?, seen turn: AgentTurn) -> AwaitedTurn? {
        guard let awaited, case .latest(let latest) = turn, latest != awaited.after else { return awaited }
        return nil
    }

    /// What to record when afk sends a turn while the runtime shows `turn`.
    public static func sent(whileShowing turn: AgentTurn) -> AwaitedTurn? {
        guard case .latest(let latest) = turn else { return nil }
        return AwaitedTurn(after: latest)
    }
}

/// A turn afk sent and is waiting for the runtime to start: it is the first turn the runtime
/// shows other than `after` (nil: other than none at all).
public struct AwaitedTurn: Hashable, Sendable, Codable {
    /// The latest turn the runtime showed when afk sent the new one; nil when it showed none.
    public var after: String?

    public init(after: String?) {
        self.after = after
    }
}
