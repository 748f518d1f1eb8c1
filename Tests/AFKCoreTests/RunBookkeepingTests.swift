import AFKCore
import Testing

/// The small decisions the ticks used to make in place: which comment is the run record, how a
/// completed transition is reported, which thread lacks a record, a runtime that changed.
struct RunBookkeepingTests {
    static let bot = "afk-bot"
    static let issue = IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7)

    static func marker(run: Int) -> String {
        RunRecord(
            run: run,
            executor: "t3",
            threadID: "afk-acme~widgets-i7-r\(run)",
            dispatchedAt: "2026-11-23T10:00:00Z"
        )
        .encodedMarker()
    }

    static let broken = "<!-- afk:run {\"schema\":1,\"run\": -->"

    /// (name, comments as (id, author, body), expected)
    static let choices: [(String, [(Int64, String, String)], CurrentRecord)] = [
        ("no comments: run 1 next", [], .none(nextRun: 1)),
        ("someone else's copy is ignored", [(1, "mallory", marker(run: 3))], .none(nextRun: 1)),
        ("the bot's record", [(1, bot, marker(run: 1))], .valid(RunRecord.parseOrDie(marker(run: 1)), commentID: 1)),
        (
            "the newest of two runs", [(1, bot, marker(run: 1)), (5, bot, marker(run: 2))],
            .valid(RunRecord.parseOrDie(marker(run: 2)), commentID: 5)
        ),
        (
            "a newer unreadable marker wins: a human must look",
            [(1, bot, marker(run: 1)), (9, bot, broken)], .malformed(.invalidJSON("not JSON"), commentID: 9)
        ),
        (
            "an older unreadable marker is history", [(1, bot, broken), (9, bot, marker(run: 2))],
            .valid(RunRecord.parseOrDie(marker(run: 2)), commentID: 9)
        ),
        (
            "the login compares case-insensitively", [(1, "AFK-Bot", marker(run: 1))],
            .valid(RunRecord.parseOrDie(marker(run: 1)), commentID: 1)
        ),
    ]

    @Test(arguments: choices.indices)
    func whichCommentIsTheRunRecord(_ i: Int) {
        let (name, comments, expected) = Self.choices[i]
        let history = RunHistory(
            comments: comments.map { TrackerComment(id: $0.0, author: $0.1, body: $0.2) },
            botLogin: Self.bot
        )
        #expect(history.current == expected, "\(name)")
    }

    /// (phase, pending, reported action)
    static let reports: [(RunPhase, [RunEffect], TickReport.ActionKind)] = [
        (.done, [.close, .unlock], .close),
        (.frozen, [.ringNtfy], .freeze),
        (.escalated, [.handToHuman], .escalate),
        (.fixing, [.correctiveTurn, .audit], .fixForward),
        (.dispatched, [.redispatch, .audit], .redispatch),
        (.working, [.audit], .wait),
        (.pushed, [], .wait),
    ]

    @Test(arguments: reports.indices)
    func aCompletedTransitionIsReportedAsItsVerdict(_ i: Int) {
        let (phase, pending, action) = Self.reports[i]
        #expect(phase.reportedAction(pending: pending) == action)
    }

    @Test func theNewestRunWithoutARecordIsTheInterruptedDispatch() {
        let history = RunHistory(
            comments: [TrackerComment(id: 1, author: Self.bot, body: Self.marker(run: 1))],
            botLogin: Self.bot
        )
        let runs = (1...3).map { RunIdentity(issue: Self.issue, run: $0) }
        #expect(history.unrecorded(among: runs)?.run == 3)
        #expect(history.unrecorded(among: Array(runs.prefix(1))) == nil)  // run 1 is recorded
        #expect(RunHistory(comments: [], botLogin: Self.bot).unrecorded(among: []) == nil)
    }

    @Test func aRunStartedOnAnotherRuntimeCannotBeObservedThere() {
        #expect(RuntimeChange.agentState(recorded: "t3", configured: "t3", repo: Self.issue.repo) == nil)
        guard
            case .errored(let why)? = RuntimeChange.agentState(
                recorded: "t3",
                configured: "jobs",
                repo: Self.issue.repo
            )
        else {
            Issue.record("a changed runtime must read as errored")
            return
        }
        #expect(why.contains("started on t3") && why.contains("now configured for jobs"))
    }

    @Test func theCorrectiveTurnNamesTheCommitTheChecksAndTheBudget() {
        let text = CorrectiveTurn.text(
            issue: Self.issue,
            sha: "abc1234",
            ci: "red (build (failure))",
            attempt: 1,
            maxAttempts: 3
        )
        #expect(text.hasPrefix("CI is red on your commit abc1234 for acme/widgets#7: red (build (failure))."))
        #expect(text.contains("`Closes #7`") && text.contains("`AFK-Issue: acme/widgets#7`"))
        #expect(text.hasSuffix("This is fix-forward attempt 1 of 3."))
    }
}

extension RunRecord {
    /// The record in a marker written by ``encodedMarker()``.
    static func parseOrDie(_ marker: String) -> RunRecord {
        guard case .success(let record)? = RunRecord.parse(commentBody: marker) else {
            preconditionFailure("not a marker")
        }
        return record
    }
}
