import AFKCore
import Foundation
import Testing

/// The window after a turn is sent: until the runtime shows a turn other than the one it showed
/// when afk sent it, the agent is starting — never finished, errored or interrupted.
struct TurnWindowTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let red = "r" + String(repeating: "1", count: 39)
    static let limits = RunLimits(maxAttempts: 3, maxSeconds: 3600)

    static func record(awaiting: AwaitedTurn?, fixed: [String]? = nil, attempts: Int = 0) -> RunRecord {
        var r = RunRecord(
            run: 1,
            executor: "t3",
            threadID: "afk-acme~widgets-i7-r1",
            dispatchedAt: Timestamp.format(t0),
            attempts: attempts
        )
        r.awaitingTurn = awaiting
        r.fixedSHAs = fixed
        return r
    }

    /// (name, awaited, report, effective state)
    static let states: [(String, AwaitedTurn?, AgentReport, AgentState)] = [
        ("nothing awaited: as reported", nil, AgentReport(.finished, turn: .latest("t1")), .finished),
        (
            "first turn not shown yet, session idle: starting", AwaitedTurn(after: nil),
            AgentReport(.finished, turn: .latest(nil)), .starting
        ),
        (
            "first turn shown: as reported", AwaitedTurn(after: nil), AgentReport(.finished, turn: .latest("t1")),
            .finished
        ),
        (
            "corrective turn sent, old turn still completed: starting", AwaitedTurn(after: "t1"),
            AgentReport(.finished, turn: .latest("t1")), .starting
        ),
        (
            "old turn errored, new one not picked up: starting", AwaitedTurn(after: "t1"),
            AgentReport(.errored("quota"), turn: .latest("t1")), .starting
        ),
        (
            "old turn interrupted: starting", AwaitedTurn(after: "t1"), AgentReport(.interrupted, turn: .latest("t1")),
            .starting
        ),
        (
            "old turn's question: starting", AwaitedTurn(after: "t1"),
            AgentReport(.needsInput("db?"), turn: .latest("t1")), .starting
        ),
        ("new turn running", AwaitedTurn(after: "t1"), AgentReport(.running, turn: .latest("t2")), .running),
        (
            "new turn completed: finished", AwaitedTurn(after: "t1"), AgentReport(.finished, turn: .latest("t2")),
            .finished
        ),
        ("thread gone stays gone", AwaitedTurn(after: "t1"), AgentReport(.missing, turn: .latest("t1")), .missing),
        (
            "runtime unknown stays unknown", AwaitedTurn(after: "t1"),
            AgentReport(.unknown("T3 down"), turn: .latest("t1")), .unknown("T3 down")
        ),
        (
            "runtime without turns: as reported", AwaitedTurn(after: nil), AgentReport(.finished, turn: .notReported),
            .finished
        ),
        (
            "the turn could not start: errored", AwaitedTurn(after: "t1"),
            AgentReport(.finished, turn: .latest("t1"), turnStartFailure: "text too long"),
            .errored("the turn afk sent could not be started: text too long")
        ),
    ]

    @Test(arguments: states.indices)
    func theAgentStateAccountsForTheWindow(_ i: Int) {
        let (name, awaited, report, expected) = Self.states[i]
        #expect(TurnWindow.agentState(report, record: Self.record(awaiting: awaited)) == expected, "\(name)")
    }

    /// (name, record, agent, turn, pushed sha, ci, expected action)
    static let decisions: [(String, RunRecord, AgentState, AgentTurn, String?, CIVerdict, TickReport.ActionKind)] = [
        (
            "corrective turn sent, T3 still shows the old completed turn: waits, not frozen",
            record(awaiting: AwaitedTurn(after: "t1"), fixed: [red], attempts: 1), .finished, .latest("t1"), red,
            .red(failing: ["build"]), .wait
        ),
        (
            "the corrective turn ran and ended without a fix: frozen",
            record(awaiting: AwaitedTurn(after: "t1"), fixed: [red], attempts: 1), .finished, .latest("t2"), red,
            .red(failing: ["build"]), .freeze
        ),
        (
            "first turn not started yet: no 'finished without a push'",
            record(awaiting: AwaitedTurn(after: nil)), .finished, .latest(nil), nil, .pending, .wait
        ),
        (
            "first turn finished without a push: escalates",
            record(awaiting: AwaitedTurn(after: nil)), .finished, .latest("t1"), nil, .pending, .escalate
        ),
        (
            "a record from before the window (none awaited) reads as before",
            record(awaiting: nil), .finished, .latest("t1"), nil, .pending, .escalate
        ),
    ]

    @Test(arguments: decisions.indices)
    func theStateMachineDecidesOnTheWindowedState(_ i: Int) {
        let (name, record, agent, turn, pushed, ci, expected) = Self.decisions[i]
        let observation = RunObservation(
            record: record,
            agent: agent,
            pushedSHA: pushed,
            ci: ci,
            now: Self.t0.addingTimeInterval(60),
            turn: turn
        )
        #expect(RunStateMachine.decide(observation, limits: Self.limits).action == expected, "\(name)")
    }

    @Test func sendingACorrectiveTurnRecordsTheTurnShownThenAndSeeingAnotherClearsIt() {
        let observed = RunObservation(
            record: Self.record(awaiting: nil),
            agent: .finished,
            pushedSHA: Self.red,
            ci: .red(failing: ["build"]),
            now: Self.t0.addingTimeInterval(60),
            turn: .latest("t1")
        )
        let decision = RunStateMachine.decide(observed, limits: Self.limits)
        #expect(decision.action == .fixForward)
        let sent = RunStateMachine.apply(
            decision,
            to: observed.record,
            observation: observed,
            channels: [],
            issue: IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7)
        )
        #expect(sent.awaitingTurn == AwaitedTurn(after: "t1"))
        // Next tick: still t1 → still awaited; then t2 → cleared.
        var next = observed
        next.record = sent
        next.turn = .latest("t1")
        let waiting = RunStateMachine.apply(
            RunStateMachine.decide(next, limits: Self.limits),
            to: sent,
            observation: next,
            channels: [],
            issue: IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7)
        )
        #expect(waiting.awaitingTurn == AwaitedTurn(after: "t1"))
        next.turn = .latest("t2")
        next.agent = .running
        let started = RunStateMachine.apply(
            RunStateMachine.decide(next, limits: Self.limits),
            to: sent,
            observation: next,
            channels: [],
            issue: IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7)
        )
        #expect(started.awaitingTurn == nil)
    }

    @Test func theAwaitedTurnRoundTripsThroughTheRunRecord() throws {
        for awaited in [AwaitedTurn(after: nil), AwaitedTurn(after: "turn-3")] {
            let record = Self.record(awaiting: awaited)
            guard case .success(let parsed)? = RunRecord.parse(commentBody: "x " + record.encodedMarker()) else {
                Issue.record("the record did not parse back")
                return
            }
            #expect(parsed.awaitingTurn == awaited)
        }
        #expect(Self.record(awaiting: AwaitedTurn(after: nil)).encodedMarker().contains(#""awaiting_turn":{}"#))
    }

    @Test func aCorrectiveJobWhoseOutcomeIsUnknownIsFrozenNamingIt() {
        var record = Self.record(awaiting: nil, fixed: [Self.red], attempts: 1)
        record.executor = "jobs"
        record.submitted = false
        let decision = RunStateMachine.decide(
            RunObservation(
                record: record,
                agent: .finished,
                pushedSHA: Self.red,
                ci: .red(failing: ["build"]),
                now: Self.t0.addingTimeInterval(60)
            ),
            limits: Self.limits
        )
        #expect(decision.action == .freeze)
        #expect(decision.reason.contains("may or may not have started a job"))
        #expect(decision.reason.contains("afk-acme~widgets-i7-r1"))
    }
}
