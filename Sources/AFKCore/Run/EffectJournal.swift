/// The crash-safety bookkeeping of a recorded transition: which effects to perform, in order;
/// which must be struck off the run record *before* they are performed; and the record to write
/// after each one succeeds or fails. Pure: the watcher performs the effects and writes the
/// records this yields, in the order it yields them.
///
/// The rules (a tick may be killed between any two steps; the next tick starts from the last
/// record written and performs its `pending` effects):
/// - Effects are performed in the order recorded, and struck off as they are done.
/// - A submission to a runtime without an idempotency key (a corrective turn or re-dispatch as a
///   new job) is struck off **before** it is sent, with `submitted: false`: a tick killed after
///   that never sends it again, and the record says nobody can tell whether the runtime took it
///   (the run goes to a human). Refused for certain, it is owed again; with an unknown outcome
///   it is not.
/// - Once it is taken, the new job's handle (and `submitted` cleared) is written at once.
/// - A doorbell is struck off right after it rings (it is the one effect a repeat would show);
///   a failed one is counted, stays owed, and does not hold up the rest.
/// - Any other failure stops the transition there: that effect and the rest stay owed.
///
/// ## Usage
/// ```swift
/// var journal = EffectJournal(record: record, submissionsAreIdempotent: executor.submissionIsIdempotent)
/// while let step = journal.next() {
///     if let record = step.writeFirst { try await write(record) }
///     let outcome: EffectJournal.Outcome = … perform step.effect …
///     if let record = journal.finished(step.effect, outcome) { try await write(record) }
///     if journal.stopped { break }
/// }
/// if let record = journal.finalRecord() { try await write(record) }
/// ```
public struct EffectJournal: Hashable, Sendable {
    /// What performing one effect came to.
    public enum Outcome: Hashable, Sendable {
        /// Done; `handle` is the run's new thread or job when a submission started one.
        case done(handle: String?)
        /// Certainly not done (the service refused it, or could not be reached at all).
        case refused
        /// Sent, and nobody can tell whether it was carried out.
        case unknown(String)
        /// The forge answered that it will not do it now (a merge or branch update refused as
        /// "not mergeable", "head changed"): the rest of the transition is dropped, nothing stays
        /// owed, and the next tick decides again from what it observes.
        case declined(String)
    }

    /// The next effect, and the record to write before performing it (nil: nothing to write first).
    public struct Step: Hashable, Sendable {
        public let effect: RunEffect
        public let writeFirst: RunRecord?
    }

    /// The effects of the transition, in order.
    public let effects: [RunEffect]
    let submissionsAreIdempotent: Bool
    /// The record as it stands after what has been done so far.
    public private(set) var current: RunRecord
    /// The record last handed out to be written.
    public private(set) var written: RunRecord
    /// Effects left owed (failed doorbells, a refused submission), in order.
    public private(set) var owed: [RunEffect] = []
    /// True once a failure stopped the transition; the rest stays owed.
    public private(set) var stopped = false
    var index = 0

    /// - Parameters:
    ///   - record: the run record as written, its `pending` the effects to perform.
    ///   - submissionsAreIdempotent: whether the runtime takes a repeated submission without
    ///     starting a second agent (T3's command ids) or not (a job runner, Claudomator).
    public init(record: RunRecord, submissionsAreIdempotent: Bool) {
        self.effects = record.pending ?? []
        self.submissionsAreIdempotent = submissionsAreIdempotent
        self.current = record
        self.written = record
    }

    /// Whether `effect` starts an agent and may not be sent twice.
    public func isOneShot(_ effect: RunEffect) -> Bool {
        (effect == .correctiveTurn || effect == .redispatch) && !submissionsAreIdempotent
    }

    var rest: [RunEffect] { index + 1 < effects.count ? Array(effects[(index + 1)...]) : [] }

    /// The next effect to perform, or nil when the transition is over (or stopped).
    public mutating func next() -> Step? {
        guard !stopped, index < effects.count else { return nil }
        let effect = effects[index]
        guard isOneShot(effect) else { return Step(effect: effect, writeFirst: nil) }
        // Struck off, and marked as under way: a tick killed from here on leaves a record that
        // says nobody can tell whether the runtime took it.
        current.pending = owed + rest
        current.submitted = false
        return Step(effect: effect, writeFirst: handOut())
    }

    /// Records what performing the current effect came to; returns the record to write now, if any.
    public mutating func finished(_ effect: RunEffect, _ outcome: Outcome) -> RunRecord? {
        defer { index += 1 }
        switch outcome {
        case .done(let handle):
            if isOneShot(effect) {
                if let handle { current.threadID = handle }  // observe the new job from now on
                current.submitted = nil
                current.pending = owed + rest
                return handOut()
            }
            if effect.isDoorbell {
                current.pending = owed + rest
                return handOut()
            }
            switch effect {
            case .openPullRequest:
                // The pull request's number: recorded at once, so a later failure never loses it.
                guard let number = handle.flatMap(Int.init) else { return nil }
                current.pullRequest = number
                current.pending = owed + rest
                return handOut()
            case .stopAgent:
                // What stopping came to, for the checklist and the doorbell.
                current.agentStop = handle ?? "stopped"
                current.pending = owed + rest
                return handOut()
            case .merge:
                // Merged: from now on the run verifies the merge commit.
                current.mergedSHA = handle ?? current.mergedSHA
                current.phase = .merged
                current.pending = owed + rest
                return handOut()
            default:
                return nil
            }
        case .declined(let why):
            current.note = why
            stopped = true
            return nil
        case .refused where effect.isDoorbell, .unknown where effect.isDoorbell:
            current.doorbellFailures = (current.doorbellFailures ?? 0) + 1
            owed.append(effect)
            return nil
        case .refused:
            if isOneShot(effect) { current.submitted = nil }  // certainly not taken: owed again
            owed += [effect] + rest
            stopped = true
            return nil
        case .unknown(let why):
            if isOneShot(effect) {
                // Struck off before it was sent: never sent again; a human decides.
                current.submitted = false
                current.note = why
                return nil
            }
            owed += [effect] + rest
            stopped = true
            return nil
        }
    }

    /// The record to write once the transition is over or stopped, when it differs from the
    /// last one written: `pending` lists exactly what is still owed.
    public mutating func finalRecord() -> RunRecord? {
        if !stopped, index < effects.count { owed += Array(effects[index...]) }  // never started
        current.pending = owed.isEmpty ? nil : owed
        guard current != written else { return nil }
        return handOut()
    }

    mutating func handOut() -> RunRecord {
        written = current
        return current
    }
}

extension RunEffect {
    /// A pull-request effect (`landing: pull_request`).
    public var isLanding: Bool {
        self == .openPullRequest || self == .updateBranch || self == .merge || self == .deleteBranch
    }

    /// A doorbell ring (ntfy, Slack).
    public var isDoorbell: Bool { self == .ringNtfy || self == .ringSlack }
}
