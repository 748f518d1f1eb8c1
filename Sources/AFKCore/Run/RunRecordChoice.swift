/// Which of an issue's comments holds its run state, decided from the bot's comments alone.
public enum CurrentRecord: Hashable, Sendable {
    /// The run record in comment `commentID`.
    case valid(RunRecord, commentID: Int64)
    /// The newest marker-bearing comment of the bot cannot be read: a human must look; afk never
    /// writes over it.
    case malformed(RunRecord.ParseError, commentID: Int64)
    /// The bot wrote no run record on the issue; the next run is `nextRun`.
    case none(nextRun: Int)
}

extension RunHistory {
    /// The run state is the last marker-bearing comment by the bot: the newest readable record,
    /// unless a newer marker of the bot cannot be read. Anyone else's copy of a marker was never
    /// read (``init(comments:botLogin:)``).
    public var current: CurrentRecord {
        switch (entries.last, malformed.last) {
        case (let valid?, let bad?) where bad.commentID > valid.commentID:
            .malformed(bad.error, commentID: bad.commentID)
        case (let valid?, _):
            .valid(valid.record, commentID: valid.commentID)
        case (nil, let bad?):
            .malformed(bad.error, commentID: bad.commentID)
        case (nil, nil):
            .none(nextRun: nextRun)
        }
    }

    /// The newest of `runs` (runs of this issue the runtime holds) that no record of this
    /// history covers: a dispatch that stopped before its record was written. Its run number is
    /// at least ``nextRun``.
    public func unrecorded(among runs: [RunIdentity]) -> RunIdentity? {
        runs.filter { $0.run >= nextRun }.max { $0.run < $1.run }
    }
}

extension RunPhase {
    /// How a run whose recorded transition is being completed (its `pending` effects) is reported.
    public func reportedAction(pending: [RunEffect]) -> TickReport.ActionKind {
        switch self {
        case .done: .close
        case .frozen: .freeze
        case .escalated: .escalate
        case .fixing: .fixForward
        case .dispatched, .working, .pushed, .review, .merged, .notStarted:
            if pending.contains(.redispatch) {
                .redispatch
            } else if pending.contains(.merge) {
                .merge
            } else if pending.contains(.openPullRequest) {
                .openPullRequest
            } else if pending.contains(.updateBranch) {
                .updateBranch
            } else {
                .wait
            }
        }
    }
}

/// A run observed on a runtime other than the one it was started on.
public enum RuntimeChange {
    /// The agent state of a run started on `recorded` while its repository is now configured for
    /// `configured`: its job cannot be looked up there, nor must it be started again elsewhere,
    /// so it reads as errored (and escalates). Nil when the runtime is unchanged.
    public static func agentState(recorded: String, configured: String, repo: RepoRef) -> AgentState? {
        guard recorded != configured else { return nil }
        return .errored(
            "the run was started on \(recorded), but \(repo) is now configured for \(configured); afk cannot observe it there"
        )
    }
}
