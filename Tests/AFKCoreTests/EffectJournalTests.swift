import AFKCore
import Testing

/// The effect journal: a crash after any step of any transition leaves a record from which the
/// next tick completes what is owed, never repeating a one-shot submission.
struct EffectJournalTests {
    typealias Effect = RunEffect
    static let doorbells: [Effect] = [.ringNtfy, .ringSlack]

    /// The effects each verdict records (``RunStateMachine/apply``), with both doorbells configured.
    static let transitions: [(String, [Effect])] = [
        ("close", [.close, .unlock] + doorbells),
        ("fix_forward", [.correctiveTurn, .audit]),
        ("freeze", [.handToHuman, .unlock, .audit] + doorbells),
        ("escalate", [.handToHuman, .unlock, .audit] + doorbells),
        ("redispatch", [.redispatch, .audit]),
    ]

    static func record(_ pending: [Effect]) -> RunRecord {
        var record = RunRecord(run: 1, executor: "jobs", threadID: "job-1", dispatchedAt: "2026-11-23T10:00:00Z")
        record.pending = pending
        return record
    }

    /// One tick's run of the journal, stopping (a crash) after `crashAfter` steps, where a step
    /// is one record written or one effect performed.
    struct Tick {
        var performed: [Effect] = []
        /// The last record written (what the next tick reads).
        var lastWritten: RunRecord
        var steps = 0
    }

    static func run(
        _ record: RunRecord,
        idempotent: Bool,
        crashAfter: Int? = nil,
        outcome: (Effect) -> EffectJournal.Outcome = {
            $0 == .correctiveTurn || $0 == .redispatch ? .done(handle: "job-2") : .done(handle: nil)
        }
    ) -> Tick {
        var tick = Tick(lastWritten: record)
        var journal = EffectJournal(record: record, submissionsAreIdempotent: idempotent)
        func step() -> Bool {
            tick.steps += 1
            return crashAfter.map { tick.steps >= $0 } ?? false
        }
        while let next = journal.next() {
            if let first = next.writeFirst {
                tick.lastWritten = first
                if step() { return tick }
            }
            tick.performed.append(next.effect)
            let result = outcome(next.effect)
            if step() { return tick }
            if let written = journal.finished(next.effect, result) {
                tick.lastWritten = written
                if step() { return tick }
            }
        }
        if let last = journal.finalRecord() {
            tick.lastWritten = last
            _ = step()
        }
        return tick
    }

    /// Every transition, every runtime kind, a crash after every step: the next tick completes
    /// all that is owed; a one-shot submission is never sent twice; a doorbell rings twice only
    /// when the crash fell between its ring and the record that strikes it off.
    @Test(arguments: transitions.indices, [true, false])
    func aCrashAfterAnyStepIsCompletedByTheNextTick(_ t: Int, idempotent: Bool) {
        let (name, effects) = Self.transitions[t]
        let whole = Self.run(Self.record(effects), idempotent: idempotent)
        #expect(whole.performed == effects, "\(name): all effects in order")
        #expect(whole.lastWritten.pending == nil, "\(name): nothing owed after a whole tick")
        for crash in 1..<whole.steps {
            let first = Self.run(Self.record(effects), idempotent: idempotent, crashAfter: crash)
            let next = Self.run(first.lastWritten, idempotent: idempotent)
            let all = first.performed + next.performed
            for effect in effects {
                // A one-shot submission struck off but not sent when the tick died is not sent
                // later: the record says nobody can tell whether the runner took it.
                let lostButSaid =
                    !idempotent && (effect == .correctiveTurn || effect == .redispatch)
                    && next.lastWritten.submitted == false
                #expect(
                    all.contains(effect) || lostButSaid,
                    "\(name), crash after step \(crash): \(effect) never done, nothing said"
                )
            }
            #expect(
                next.lastWritten.pending == nil,
                "\(name), crash after step \(crash): still owed after the next tick"
            )
            for submission in [Effect.correctiveTurn, .redispatch] where !idempotent {
                #expect(
                    all.filter { $0 == submission }.count <= 1,
                    "\(name), crash after step \(crash): \(submission) sent twice"
                )
            }
            for bell in Self.doorbells where effects.contains(bell) {
                let rings = all.filter { $0 == bell }.count
                let strikeOff = first.performed.last == bell  // crashed right after ringing, before striking it off
                #expect(
                    rings == 1 || (rings == 2 && strikeOff),
                    "\(name), crash after step \(crash): \(bell) rang \(rings) times"
                )
            }
        }
    }

    /// (name, effects, idempotent, crash after step, the next tick's effects)
    static let table: [(String, [Effect], Bool, Int, [Effect])] = [
        // T3 (idempotent): nothing is written before a turn; a crash after sending it repeats it (T3 replays the command id).
        ("fix_forward, T3, crash after the turn", [.correctiveTurn, .audit], true, 1, [.correctiveTurn, .audit]),
        // A job runner: the turn is struck off first; a crash after that never resends it.
        ("fix_forward, jobs, crash after striking off", [.correctiveTurn, .audit], false, 1, [.audit]),
        ("fix_forward, jobs, crash after submitting", [.correctiveTurn, .audit], false, 2, [.audit]),
        ("fix_forward, jobs, crash after recording the job", [.correctiveTurn, .audit], false, 3, [.audit]),
        ("redispatch, jobs, crash after submitting", [.redispatch, .audit], false, 2, [.audit]),
        // Closing: label and close repeat harmlessly; the doorbell is struck off once rung.
        ("close, crash after closing", [.close, .unlock, .ringNtfy], true, 1, [.close, .unlock, .ringNtfy]),
        ("close, crash after unlocking", [.close, .unlock, .ringNtfy], true, 2, [.close, .unlock, .ringNtfy]),
        ("close, crash after the strike-off", [.close, .unlock, .ringNtfy], true, 4, []),
        (
            "escalate, crash after handing over", [.handToHuman, .unlock, .audit, .ringSlack], true, 1,
            [.handToHuman, .unlock, .audit, .ringSlack]
        ),
    ]

    @Test(arguments: table.indices)
    func theNextTickDoesWhatTheLastRecordOwes(_ i: Int) {
        let (name, effects, idempotent, crash, expected) = Self.table[i]
        let first = Self.run(Self.record(effects), idempotent: idempotent, crashAfter: crash)
        #expect(first.lastWritten.pending ?? [] == expected, "\(name)")
    }

    @Test func aRefusedSubmissionStaysOwedAndStopsTheRest() {
        let tick = Self.run(Self.record([.correctiveTurn, .audit]), idempotent: false) {
            $0 == .correctiveTurn ? .refused : .done(handle: nil)
        }
        #expect(tick.performed == [.correctiveTurn])
        #expect(tick.lastWritten.pending == [.correctiveTurn, .audit])
    }

    @Test func aSubmissionWithAnUnknownOutcomeIsNeverOwedAgain() {
        let tick = Self.run(Self.record([.correctiveTurn, .audit]), idempotent: false) {
            $0 == .correctiveTurn
                ? .unknown("job runner may or may not have started the corrective turn") : .done(handle: nil)
        }
        #expect(tick.performed == [.correctiveTurn, .audit])
        #expect(tick.lastWritten.pending == nil)
        #expect(tick.lastWritten.submitted == false)
        #expect(tick.lastWritten.note == "job runner may or may not have started the corrective turn")
    }

    @Test func aFailedDoorbellIsCountedAndOwedWithoutHoldingUpTheRest() {
        let tick = Self.run(Self.record([.handToHuman, .ringNtfy, .unlock, .ringSlack]), idempotent: true) {
            $0 == .ringNtfy ? .refused : .done(handle: nil)
        }
        #expect(tick.performed == [.handToHuman, .ringNtfy, .unlock, .ringSlack])
        #expect(tick.lastWritten.pending == [.ringNtfy])
        #expect(tick.lastWritten.doorbellFailures == 1)
    }

    @Test func anyOtherFailureStopsThereAndOwesTheRest() {
        let tick = Self.run(Self.record([.close, .unlock, .ringNtfy]), idempotent: true) {
            $0 == .unlock ? .refused : .done(handle: nil)
        }
        #expect(tick.performed == [.close, .unlock])
        #expect(tick.lastWritten.pending == [.unlock, .ringNtfy])
    }

    @Test func aNewJobHandleIsWrittenAtOnce() {
        var journal = EffectJournal(record: Self.record([.correctiveTurn, .audit]), submissionsAreIdempotent: false)
        let step = journal.next()
        #expect(step?.writeFirst?.pending == [.audit])
        #expect(step?.writeFirst?.submitted == false)
        let written = journal.finished(.correctiveTurn, .done(handle: "job-9"))
        #expect(written?.threadID == "job-9")
        #expect(written?.pending == [.audit])
        #expect(written?.submitted == nil)
    }

    /// Which record a crash leaves: struck off and `submitted: false` between striking off and
    /// recording the job; cleared once the job is recorded.
    @Test(arguments: [(1, false), (2, false), (3, true)])
    func aCrashDuringAOneShotSubmissionLeavesARecordThatSaysSo(crash: Int, recorded: Bool) {
        let first = Self.run(Self.record([.correctiveTurn, .audit]), idempotent: false, crashAfter: crash)
        #expect(first.lastWritten.submitted == (recorded ? nil : false))
        #expect(first.lastWritten.threadID == (recorded ? "job-2" : "job-1"))
    }
}
