import AFKCore
import Foundation
import Testing

/// The dashboard's state, controls and page, the `/afk` commands, the circuit breaker, and the
/// dispatch policy's pause and "dispatch next".
struct DashboardTests {
    static let repo = RepoRef(owner: "acme", name: "widgets")
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func record(_ run: Int, _ phase: RunPhase?, at: Date = now) -> RunRecord {
        var r = RunRecord(run: run, executor: "t3", threadID: "t\(run)", dispatchedAt: Timestamp.format(at - 600))
        r.phase = phase
        r.phaseSince = Timestamp.format(at)
        return r
    }

    @Test func theStateRoundTripsThroughThePageAndTheControlsComeBackUnticked() {
        var state = DashboardState()
        state.paused = true
        state.pausedBy = "the dashboard, 2026-12-06T10:00:00Z"
        state.handle(42)
        state.note("paused -- by someone")
        let body = DashboardPage.render(
            title: "afk dashboard",
            repo: Self.repo,
            state: state,
            queue: [.init(number: 7, title: "Add a cache", verdict: "dispatching paused in this repository")],
            inFlight: [.init(number: 3, title: "Fix", record: Self.record(1, .working))],
            ended: [.init(number: 5, title: "Broke", record: Self.record(2, .escalated), retryable: true)],
            inForce: ["circuit breaker open"],
            now: Self.now
        )
        #expect(DashboardState.isDashboard(body))
        #expect(DashboardState.parse(body: body) == state)
        #expect(DashboardControl.ticked(in: body).isEmpty)  // rendered unticked
        #expect(body.contains("Resume dispatching") && !body.contains("Pause dispatching"))
        #expect(body.contains("Retry #5 (starts run 3)"))
        #expect(body.contains("Dispatch #7 next"))
        // Only the "updated" line changes from one tick to the next: no edit needed.
        let later = DashboardPage.render(
            title: "afk dashboard",
            repo: Self.repo,
            state: state,
            queue: [.init(number: 7, title: "Add a cache", verdict: "dispatching paused in this repository")],
            inFlight: [.init(number: 3, title: "Fix", record: Self.record(1, .working))],
            ended: [.init(number: 5, title: "Broke", record: Self.record(2, .escalated), retryable: true)],
            inForce: ["circuit breaker open"],
            now: Self.now
        )
        #expect(DashboardPage.content(later) == DashboardPage.content(body))
    }

    @Test func tickedControlsAreReadOnceEachInOrder() {
        let body = """
            - [x] Pause dispatching in this repository <!-- afk:control pause -->
            - [ ] Retry #5 <!-- afk:control retry 5 -->
            - [X] Dispatch #7 next <!-- afk:control next 7 -->
            - [x] Dispatch #7 next <!-- afk:control next 7 -->
            - [x] A box someone added by hand
            - [x] Retry #x <!-- afk:control retry x -->
            """
        #expect(DashboardControl.ticked(in: body) == [.pause, .dispatchNext(7)])
    }

    @Test func anUnreadableStateStartsOver() {
        #expect(DashboardState.parse(body: "<!-- afk:dashboard {not json} -->") == DashboardState())
        #expect(DashboardState.parse(body: "no marker") == DashboardState())
    }

    /// (comment body, command)
    static let commands: [(String, AFKCommand?)] = [
        ("/afk retry", .retry), ("/AFK Stop please", .stop), ("Thanks!\n/afk explain", .explain),
        ("/afk pause", .pause), ("/afk resume", .resume), ("/afk dance", nil), ("please /afk retry", nil),
        ("/afkretry", nil), ("", nil),
    ]

    @Test(arguments: commands) func commandsAreParsedFromTheirOwnLine(_ body: String, _ expected: AFKCommand?) {
        #expect(AFKCommand.parse(body) == expected)
    }

    @Test func handledCommandsAndAfksOwnCommentsAreSkipped() {
        let comments = [
            TrackerComment(id: 1, author: "alice", body: "/afk stop"),
            TrackerComment(id: 2, author: "afk-bot", body: "/afk retry"),
            TrackerComment(id: 3, author: "bob", body: "/afk explain"),
        ]
        let pending = PendingCommand.find(in: comments, handled: [1], botLogin: "AFK-bot")
        #expect(pending == [PendingCommand(commentID: 3, author: "bob", command: .explain)])
    }

    /// (phases newest first, threshold, resumed after the newest but one, open)
    static let breakers: [([RunPhase], Int, Bool, Bool)] = [
        ([.escalated, .frozen, .escalated], 3, false, true),
        ([.escalated, .frozen, .done, .escalated], 3, false, false),
        ([.escalated, .frozen], 3, false, false),
        ([.escalated, .frozen, .escalated], 3, true, false),  // a resume clears what came before it
        ([.escalated, .frozen, .escalated], 0, false, false),  // off
    ]

    @Test(arguments: breakers.indices) func theCircuitBreaker(_ i: Int) {
        let (phases, threshold, resumed, open) = Self.breakers[i]
        let ended = phases.enumerated().map { (index, phase) in (phase, Self.now - Double(index) * 60) }
        let resumedAt = resumed ? Self.now - 90 : nil
        #expect(RepoBreaker.isOpen(ended: ended, threshold: threshold, resumedAt: resumedAt) == open)
    }

    @Test func pausedRepositoriesSkipEveryIssueAndDispatchNextGoesFirst() {
        let ready = [3, 5, 9]
            .map {
                TrackerIssue(ref: IssueRef(repo: Self.repo, number: $0), title: "#\($0)", labels: ["ready-for-agent"])
            }
        let labels = DispatchLabels()
        let paused = DispatchPolicy.rank(
            ready: ready,
            lockHolders: [],
            labels: labels,
            paused: "paused on the dashboard"
        )
        #expect(paused.candidates.isEmpty)
        #expect(paused.freeSkips.allSatisfy { $0.verdict == .skip(.repoPaused("paused on the dashboard")) })
        let next = DispatchPolicy.rank(ready: ready, lockHolders: [], labels: labels, first: 9)
        #expect(next.candidates.map(\.number) == [9, 3, 5])
        let gone = DispatchPolicy.rank(ready: ready, lockHolders: [], labels: labels, first: 42)
        #expect(gone.candidates.map(\.number) == [3, 5, 9])
    }
}
