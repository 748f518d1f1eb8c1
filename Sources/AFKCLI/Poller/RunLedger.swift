import AFKCore
import Synchronization

/// What one repository's poller tick knows of its lock holders as it goes: the holders it read,
/// the run records it read or wrote, and the locks it added or took back. The dashboard shows the
/// state after the tick's writes from this, rather than listing and reading them all again.
final class RunLedger: Sendable {
    struct Holder: Sendable {
        var title: String
        /// The run record, when one was read or written this tick.
        var record: RunRecord?
    }

    private let state = Mutex<(holders: [Int: Holder], titles: [Int: String])>(([:], [:]))

    /// The issues the tick listed (lock holders and ready issues), for their titles.
    func listed(_ issues: [TrackerIssue]) {
        state.withLock { state in
            for issue in issues { state.titles[issue.number] = issue.title }
        }
    }

    /// An issue holding the lock (read at the start of the tick, or locked by it).
    func locked(_ number: Int) {
        state.withLock { state in
            if state.holders[number] == nil {
                state.holders[number] = Holder(title: state.titles[number] ?? "", record: nil)
            }
        }
    }

    /// The run record an issue holding the lock carries now (read, or just written).
    func recorded(_ number: Int, _ record: RunRecord?) {
        guard let record else { return }
        locked(number)
        state.withLock { $0.holders[number]?.record = record }
    }

    /// A lock the tick took back (a submission refused outright).
    func unlocked(_ number: Int) {
        _ = state.withLock { $0.holders.removeValue(forKey: number) }
    }

    /// The lock holders after the tick's writes, by number.
    var holders: [(number: Int, holder: Holder)] {
        state.withLock { $0.holders.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }
}
