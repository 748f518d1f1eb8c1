import AFKCore
import Foundation
import Testing

struct RunStateMachineTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let limits = RunLimits(maxAttempts: 2, maxSeconds: 3600)
    static let issue = IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7)
    static let red = "r" + String(repeating: "1", count: 39)

    static func record(
        attempts: Int = 0,
        fixed: [String]? = nil,
        redispatches: Int? = nil,
        phase: RunPhase? = nil,
        phaseSince: Date? = nil
    ) -> RunRecord {
        var r = RunRecord(
            run: 1,
            executor: "t3",
            threadID: "afk-acme~widgets-i7-r1",
            dispatchedAt: Timestamp.format(t0),
            attempts: attempts
        )
        r.fixedSHAs = fixed
        r.redispatches = redispatches
        r.phase = phase
        r.phaseSince = phaseSince.map(Timestamp.format)
        return r
    }

    static func observe(
        _ record: RunRecord = record(),
        agent: AgentState = .running,
        pushed: String? = nil,
        ci: CIVerdict = .pending,
        paused: Bool = false,
        after seconds: Double = 60
    ) -> RunObservation {
        RunObservation(
            record: record,
            agent: agent,
            pushedSHA: pushed,
            ci: ci,
            paused: paused,
            now: t0.addingTimeInterval(seconds)
        )
    }

    /// (name, observation, expected action)
    static let table: [(String, RunObservation, TickReport.ActionKind)] = [
        // Pushed and green closes, whatever the agent is doing.
        ("green closes", observe(agent: .running, pushed: "a1", ci: .green), .close),
        ("green closes even when paused", observe(agent: .finished, pushed: "a1", ci: .green, paused: true), .close),
        ("green closes with the thread gone", observe(agent: .missing, pushed: "a1", ci: .green), .close),
        // Pending CI waits.
        ("pending waits", observe(agent: .finished, pushed: "a1", ci: .pending), .wait),
        // Red with budget left fixes forward.
        ("red fixes forward", observe(agent: .finished, pushed: red, ci: .red(failing: ["build"])), .fixForward),
        (
            "red while paused waits",
            observe(agent: .finished, pushed: red, ci: .red(failing: ["build"]), paused: true), .wait
        ),
        (
            "red with attempts spent freezes",
            observe(record(attempts: 2), agent: .finished, pushed: red, ci: .red(failing: ["b"])), .freeze
        ),
        (
            "red with time spent freezes",
            observe(agent: .finished, pushed: red, ci: .red(failing: ["b"]), after: 3601), .freeze
        ),
        ("red with thread gone freezes", observe(agent: .missing, pushed: red, ci: .red(failing: ["b"])), .freeze),
        // Never a second corrective turn for the same red commit.
        (
            "red already handled, agent working: waits",
            observe(record(attempts: 1, fixed: [red]), agent: .running, pushed: red, ci: .red(failing: ["b"])), .wait
        ),
        (
            "red already handled, agent done without a fix: freezes",
            observe(record(attempts: 1, fixed: [red]), agent: .finished, pushed: red, ci: .red(failing: ["b"])), .freeze
        ),
        (
            "a new red commit after a fix gets its own turn",
            observe(record(attempts: 1, fixed: ["old"]), agent: .finished, pushed: red, ci: .red(failing: ["b"])),
            .fixForward
        ),
        // Nothing pushed.
        ("nothing pushed, agent working: waits", observe(agent: .running), .wait),
        ("nothing pushed, finished: escalates", observe(agent: .finished), .escalate),
        ("nothing pushed, interrupted: escalates", observe(agent: .interrupted), .escalate),
        ("nothing pushed, errored: escalates", observe(agent: .errored("boom")), .escalate),
        ("nothing pushed, asks a question: escalates", observe(agent: .needsInput("which db?")), .escalate),
        ("executor unreachable: waits", observe(agent: .unknown("T3 down")), .wait),
        ("executor unreachable for ages: still waits", observe(agent: .unknown("T3 down"), after: 100_000), .wait),
        ("thread gone: re-dispatches once", observe(agent: .missing), .redispatch),
        ("thread gone while paused: waits", observe(agent: .missing, paused: true), .wait),
        ("thread gone again: escalates", observe(record(redispatches: 1), agent: .missing), .escalate),
        // Stall limit (2 × 3600 by default).
        ("working past the stall limit escalates", observe(agent: .running, after: 7201), .escalate),
        ("working just inside the stall limit waits", observe(agent: .running, after: 7199), .wait),
        (
            "CI pending past the stall limit escalates",
            observe(agent: .finished, pushed: "a1", ci: .pending, after: 7201), .escalate
        ),
        (
            "stall counts from the phase start",
            observe(
                record(phase: .pushed, phaseSince: t0.addingTimeInterval(7000)),
                agent: .finished,
                pushed: "a1",
                ci: .pending,
                after: 7300
            ), .wait
        ),
        ("paused runs do not stall", observe(agent: .running, paused: true, after: 100_000), .wait),
        // Terminal runs are left alone.
        ("a done run waits", observe(record(phase: .done), agent: .finished, pushed: "a1", ci: .green), .wait),
        ("a run that never started waits", observe(record(phase: .notStarted), agent: .missing), .wait),
        // A one-shot submission whose outcome nobody knows is never repeated: a human decides.
        ("unconfirmed submission escalates", observe(unconfirmed(), agent: .missing), .escalate),
        (
            "unconfirmed submission escalates even with the runner down",
            observe(unconfirmed(), agent: .unknown("down")), .escalate
        ),
        (
            "unconfirmed submission that pushed green still closes",
            observe(unconfirmed(), agent: .missing, pushed: "a1", ci: .green), .close
        ),
    ]

    static func unconfirmed() -> RunRecord {
        var r = record()
        r.executor = "jobs"
        r.submitted = false
        return r
    }

    @Test func anUnconfirmedSubmissionSaysWhatToCheck() {
        let decision = RunStateMachine.decide(Self.observe(Self.unconfirmed(), agent: .missing), limits: Self.limits)
        #expect(decision.reason.contains("jobs has no idempotency key"))
        #expect(decision.reason.contains("afk-acme~widgets-i7-r1"))
    }

    @Test(arguments: table.indices)
    func decides(_ index: Int) {
        let (name, observation, expected) = Self.table[index]
        let decision = RunStateMachine.decide(observation, limits: Self.limits)
        #expect(decision.action == expected, "\(name): got \(decision)")
        #expect(!decision.reason.isEmpty)
    }

    @Test func anUnreadableDispatchTimeEscalates() {
        var record = Self.record()
        record.dispatchedAt = "yesterday-ish"
        #expect(RunStateMachine.decide(Self.observe(record), limits: Self.limits).action == .escalate)
    }

    @Test func defaultStallLimitIsTwiceTheFixForwardTime() {
        #expect(RunLimits(maxAttempts: 1, maxSeconds: 100).stallSeconds == 200)
        #expect(RunLimits(maxAttempts: 1, maxSeconds: 100, stallSeconds: 5).stallSeconds == 5)
    }

    // MARK: Applying decisions

    func apply(_ o: RunObservation, channels: [RunEffect] = [.ringNtfy, .ringSlack]) -> (RunDecision, RunRecord) {
        let d = RunStateMachine.decide(o, limits: Self.limits)
        return (d, RunStateMachine.apply(d, to: o.record, observation: o, channels: channels, issue: Self.issue))
    }

    @Test func closingRecordsTheEffectsInOrder() {
        let (_, next) = apply(Self.observe(agent: .finished, pushed: "a1", ci: .green))
        #expect(next.phase == .done)
        #expect(next.pending == [.close, .unlock, .ringNtfy, .ringSlack])
        #expect(next.doorbell == .done)
        #expect(next.pushedSHA == "a1")
        #expect(next.ci == "green")
    }

    @Test func fixForwardCountsTheAttemptAndRemembersTheCommit() {
        let (_, next) = apply(
            Self.observe(
                Self.record(attempts: 0),
                agent: .finished,
                pushed: Self.red,
                ci: .red(failing: ["build (failure)"])
            )
        )
        #expect(next.phase == .fixing)
        #expect(next.attempts == 1)
        #expect(next.fixedSHAs == [Self.red])
        #expect(next.pending == [.correctiveTurn, .audit])
        #expect(next.doorbell == nil)  // no doorbell, no label churn
        // The same observation next tick does not send a second turn.
        let again = RunStateMachine.decide(
            Self.observe(next, agent: .running, pushed: Self.red, ci: .red(failing: ["build (failure)"])),
            limits: Self.limits
        )
        #expect(again.action == .wait)
    }

    @Test func freezeAndEscalateHandToAHumanBeforeUnlocking() {
        let (_, frozen) = apply(
            Self.observe(Self.record(attempts: 2), agent: .finished, pushed: Self.red, ci: .red(failing: ["b"]))
        )
        #expect(frozen.phase == .frozen)
        #expect(frozen.pending == [.handToHuman, .unlock, .audit, .ringNtfy, .ringSlack])
        #expect(frozen.doorbell == .frozen)
        let (_, escalated) = apply(Self.observe(agent: .finished), channels: [])
        #expect(escalated.phase == .escalated)
        #expect(escalated.pending == [.handToHuman, .unlock, .audit])
        #expect(escalated.doorbell == .needsHuman)
    }

    @Test func redispatchMovesToANewThreadGeneration() {
        let (_, next) = apply(Self.observe(agent: .missing))
        #expect(next.redispatches == 1)
        #expect(next.threadID == "afk-acme~widgets-i7-r1-g1")
        #expect(next.pending == [.redispatch, .audit])
        #expect(RunIdentity.parse(threadID: next.threadID) == RunIdentity(issue: Self.issue, run: 1, generation: 1))
    }

    @Test func waitingOnlyChangesTheRecordWhenSomethingChanged() {
        let first = Self.observe(agent: .running)
        let (_, afterFirst) = apply(first)
        #expect(afterFirst.phase == .working)
        let (_, afterSecond) = apply(Self.observe(afterFirst, agent: .running, after: 120))
        #expect(afterSecond == afterFirst)  // nothing new: no edit to the comment
        let (_, pushed) = apply(Self.observe(afterFirst, agent: .finished, pushed: "a1", ci: .pending, after: 180))
        #expect(pushed.phase == .pushed)
        #expect(pushed.pushedSHA == "a1")
        #expect(pushed.phaseSince == Timestamp.format(Self.t0.addingTimeInterval(180)))
    }

    @Test func recordsRoundTripThroughTheMarkerWithWatcherFields() throws {
        let (_, next) = apply(
            Self.observe(Self.record(attempts: 2), agent: .finished, pushed: Self.red, ci: .red(failing: ["b"]))
        )
        let body = RunComment.render(
            record: next,
            context: .init(issue: Self.issue, executorName: "T3", maxAttempts: 2)
        )
        #expect(body.contains("Frozen"))
        let parsed = try #require(RunRecord.parse(commentBody: body))
        #expect(try parsed.get() == next)
    }

    @Test func anUnknownEffectMakesTheRecordMalformed() {
        let body =
            #"<!-- afk:run {"schema":1,"run":1,"executor":"t3","thread_id":"x","dispatched_at":"2026-01-01T00:00:00Z","attempts":0,"pending":["explode"]} -->"#
        guard case .failure? = RunRecord.parse(commentBody: body) else {
            Issue.record("an unknown pending effect must not be ignored")
            return
        }
    }
}

struct CIVerdictTests {
    typealias Run = CIVerdict.CheckRun
    static func combined(_ state: String, _ statuses: [(String, String)]) -> CIVerdict.CombinedStatus {
        .init(state: state, totalCount: statuses.count, statuses: statuses.map { (context: $0.0, state: $0.1) })
    }
    static let noStatuses = CIVerdict.CombinedStatus(state: "pending", totalCount: 0, statuses: [])

    @Test(arguments: ["success", "neutral", "skipped"])
    func greenConclusions(conclusion: String) {
        #expect(
            CIVerdict.fold(
                checkRuns: [Run(name: "b", status: "completed", conclusion: conclusion)],
                combined: Self.noStatuses
            ) == .green
        )
    }

    @Test(arguments: ["failure", "timed_out", "cancelled", "action_required", "stale", "startup_failure"])
    func redConclusions(conclusion: String) {
        #expect(
            CIVerdict.fold(
                checkRuns: [Run(name: "b", status: "completed", conclusion: conclusion)],
                combined: Self.noStatuses
            )
                == .red(failing: ["b (\(conclusion))"])
        )
    }

    @Test(arguments: ["queued", "in_progress", "waiting", "requested", "pending", "mystery"])
    func unfinishedChecksArePending(status: String) {
        #expect(
            CIVerdict.fold(checkRuns: [Run(name: "b", status: status, conclusion: nil)], combined: Self.noStatuses)
                == .pending
        )
    }

    @Test func unknownConclusionsNeverCountAsGreen() {
        #expect(
            CIVerdict.fold(checkRuns: [Run(name: "b", status: "completed", conclusion: "victorious")], combined: nil)
                == .pending
        )
        #expect(
            CIVerdict.fold(checkRuns: [Run(name: "b", status: "completed", conclusion: nil)], combined: nil) == .pending
        )
        #expect(CIVerdict.fold(checkRuns: [], combined: Self.combined("excellent", [("ci", "excellent")])) == .pending)
    }

    @Test func nothingReportedAnywhereIsPending() {
        #expect(CIVerdict.fold(checkRuns: [], combined: Self.noStatuses) == .pending)
        #expect(CIVerdict.fold(checkRuns: [], combined: nil) == .pending)
    }

    @Test func anActionsOnlyRepoRestsOnCheckRuns() {
        // total_count 0 with state "pending" means "reports nothing" (an Actions-only repo: the verdict rests on check runs).
        #expect(
            CIVerdict.fold(
                checkRuns: [Run(name: "b", status: "completed", conclusion: "success")],
                combined: Self.noStatuses
            ) == .green
        )
    }

    @Test func bothSystemsMustAgreeOnGreen() {
        let green = [Run(name: "b", status: "completed", conclusion: "success")]
        #expect(CIVerdict.fold(checkRuns: green, combined: Self.combined("success", [("deploy", "success")])) == .green)
        #expect(
            CIVerdict.fold(checkRuns: green, combined: Self.combined("pending", [("deploy", "pending")])) == .pending
        )
        #expect(
            CIVerdict.fold(checkRuns: green, combined: Self.combined("failure", [("deploy", "error")]))
                == .red(failing: ["deploy (error)"])
        )
        #expect(CIVerdict.fold(checkRuns: [], combined: Self.combined("success", [("deploy", "success")])) == .green)
    }

    /// A list read only in part is never green: what was not read may be a failure.
    @Test(
        arguments: [
            ("all 150 check runs read, all green", 150, 150, CIVerdict.green),
            ("100 of 150 read, all green so far", 100, 150, .pending),
            ("the forge gave no total", 100, nil, .green),
        ] as [(String, Int, Int?, CIVerdict)]
    )
    func anIncompleteListOfCheckRunsIsNeverGreen(name: String, read: Int, total: Int?, expected: CIVerdict) {
        let runs = (0..<read)
            .map { CIVerdict.CheckRun(name: "matrix \($0)", status: "completed", conclusion: "success") }
        #expect(
            CIVerdict.fold(CIVerdict.Evidence(checkRuns: runs, checkRunsTotal: total, combined: nil)) == expected,
            "\(name)"
        )
    }

    @Test func aFailureOnTheFirstPageIsRedWhateverIsUnread() {
        var runs = (0..<99).map { CIVerdict.CheckRun(name: "matrix \($0)", status: "completed", conclusion: "success") }
        runs.append(CIVerdict.CheckRun(name: "lint", status: "completed", conclusion: "failure"))
        #expect(
            CIVerdict.fold(CIVerdict.Evidence(checkRuns: runs, checkRunsTotal: 250, combined: nil))
                == .red(failing: ["lint (failure)"])
        )
    }

    @Test func aCombinedStatusReadInPartIsNeverGreen() {
        let partial = CIVerdict.CombinedStatus(
            state: "success",
            totalCount: 120,
            statuses: (0..<100).map { (context: "ci/\($0)", state: "success") }
        )
        #expect(CIVerdict.fold(checkRuns: [], combined: partial) == .pending)
        let whole = CIVerdict.CombinedStatus(state: "success", totalCount: 100, statuses: partial.statuses)
        #expect(CIVerdict.fold(checkRuns: [], combined: whole) == .green)
    }

    @Test func anyFailureIsRedEvenWhileOthersRun() {
        let runs = [
            Run(name: "unit", status: "completed", conclusion: "failure"),
            Run(name: "e2e", status: "in_progress", conclusion: nil),
        ]
        #expect(CIVerdict.fold(checkRuns: runs, combined: Self.noStatuses) == .red(failing: ["unit (failure)"]))
    }
}

struct PushedCommitTests {
    static let issue = IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7)

    @Test(arguments: [
        ("Closes #7", true), ("fixes #7", true), ("Resolved #7", true), ("fix: #7", true),
        ("Implement\n\nAFK-Issue: acme/widgets#7", true), ("see ACME/Widgets#7", true),
        ("Closes #70", false), ("Closes #17", false), ("Closes acme/other#7", false), ("mentions #7 only", false),
        ("Closes #7a", true), ("prefix-acme/widgets#7", false),
    ])
    func references(message: String, expected: Bool) {
        #expect(PushedCommit.references(message, issue: Self.issue) == expected, "\(message)")
    }

    @Test func theNewestReferencingCommitAfterDispatchWins() {
        let t = Date(timeIntervalSince1970: 1_000_000)
        let commits = [
            ForgeCommit(sha: "c3", message: "tidy", committedAt: t.addingTimeInterval(300)),
            ForgeCommit(sha: "c2", message: "Fix build\n\nCloses #7", committedAt: t.addingTimeInterval(200)),
            ForgeCommit(sha: "c1", message: "Closes #7", committedAt: t.addingTimeInterval(100)),
            ForgeCommit(sha: "c0", message: "Closes #7", committedAt: t.addingTimeInterval(-100)),
        ]
        #expect(PushedCommit.find(in: commits, issue: Self.issue, dispatchedAt: t)?.sha == "c2")
        #expect(PushedCommit.find(in: Array(commits.suffix(1)), issue: Self.issue, dispatchedAt: t) == nil)
    }

    @Test func aHintCountsOnlyWhenTheShaIsOnTheBranch() {
        let t = Date(timeIntervalSince1970: 1_000_000)
        let commits = [
            ForgeCommit(sha: "abcdef1234567890", message: "squashed work", committedAt: t.addingTimeInterval(10))
        ]
        let hints = PushedCommit.hints(in: ["Pushed-Commit: abcdef1", "pushed-commit: 9999999"])
        #expect(hints == ["abcdef1", "9999999"])
        #expect(
            PushedCommit.find(in: commits, issue: Self.issue, dispatchedAt: t, hints: ["abcdef1"])?.sha
                == "abcdef1234567890"
        )
        #expect(PushedCommit.find(in: commits, issue: Self.issue, dispatchedAt: t, hints: ["9999999"]) == nil)
        #expect(PushedCommit.hints(in: ["Pushed-Commit: not-a-sha", "Pushed-Commit: abc"]).isEmpty)
    }
}
