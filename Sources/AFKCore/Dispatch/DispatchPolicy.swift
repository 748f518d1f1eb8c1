import Foundation

/// The labels the dispatch policy reads.
public struct DispatchLabels: Hashable, Sendable {
    public var ready: String
    public var inProgress: String
    public var human: String
    public var paused: String

    public init(
        ready: String = "ready-for-agent",
        inProgress: String = "agent-in-progress",
        human: String = "ready-for-human",
        paused: String = "afk-paused"
    ) {
        self.ready = ready
        self.inProgress = inProgress
        self.human = human
        self.paused = paused
    }
}

/// Why an issue was not dispatched this tick.
public enum SkipReason: Hashable, Sendable, CustomStringConvertible {
    case pullRequest
    case notOpen
    case paused(label: String)
    case handedToHuman(label: String)
    case alreadyInProgress(label: String)
    case repoLocked(by: [Int])
    case slotTaken(by: Int)
    case untrusted(UntrustedReason)
    case blocked(by: [IssueRef], unresolvable: [IssueRef])
    /// A fleet-wide cap is reached (``FleetCaps``); the words say which.
    case fleetCap(String)
    /// Dispatching in this repository is paused on its dashboard, or by its circuit breaker.
    case repoPaused(String)

    public var description: String {
        switch self {
        case .pullRequest: return "pull request, not an issue"
        case .notOpen: return "issue is not open"
        case .paused(let label): return "paused (\(label))"
        case .handedToHuman(let label): return "handed to a human (\(label)); remove it to let an agent retry"
        case .alreadyInProgress(let label): return "already carries \(label)"
        case .repoLocked(let numbers):
            return "repo locked: an agent is already working on " + numbers.map { "#\($0)" }.joined(separator: ", ")
        case .slotTaken(let number): return "repo slot taken by #\(number) this tick"
        case .untrusted(let reason): return "untrusted: \(reason)"
        case .fleetCap(let why): return "dispatching paused: \(why)"
        case .repoPaused(let why): return "dispatching paused in this repository: \(why)"
        case .blocked(let open, let unresolvable):
            var parts: [String] = []
            if !open.isEmpty { parts.append("blocked by open " + open.map(\.description).joined(separator: ", ")) }
            if !unresolvable.isEmpty {
                parts.append("blocked by unresolvable " + unresolvable.map(\.description).joined(separator: ", "))
            }
            return parts.joined(separator: "; ")
        }
    }
}

/// One issue's outcome for this tick.
public struct DispatchDecision: Hashable, Sendable {
    public enum Verdict: Hashable, Sendable {
        case dispatch
        case skip(SkipReason)
    }

    public let issue: IssueRef
    public let verdict: Verdict

    public init(issue: IssueRef, verdict: Verdict) {
        self.issue = issue
        self.verdict = verdict
    }
}

/// The outcome of the expensive gates (trust, blockers) for one candidate.
public enum GateVerdict: Hashable, Sendable {
    case pass
    case fail(SkipReason)
}

/// The pure dispatch policy for one repository.
///
/// It runs in two stages so that a tick pays only for what can matter:
/// 1. ``rank(ready:lockHolders:labels:)`` applies the free gates (pull requests, paused,
///    handed to a human, repo lock) and orders the rest by priority.
/// 2. The tick asks ``RepoDispatchPlan/nextToEvaluate(given:)`` for the single candidate whose
///    expensive gates (trust, blockers) it should check next, until one passes or none is
///    left; ``RepoDispatchPlan/decisions(given:)`` then gives every issue its verdict. Issues
///    behind the winner are never evaluated: their events and permissions are not fetched.
public enum DispatchPolicy {
    /// - Parameters:
    ///   - first: an issue a person asked to dispatch next (the dashboard): it goes ahead of the
    ///     priority order when it passes the free gates.
    ///   - paused: why dispatching is paused in the whole repository (the dashboard, the circuit
    ///     breaker); every issue is then skipped with it.
    public static func rank(
        ready: [TrackerIssue],
        lockHolders: [Int],
        labels: DispatchLabels,
        first: Int? = nil,
        paused: String? = nil
    ) -> RepoDispatchPlan {
        var skips: [DispatchDecision] = []
        var candidates: [TrackerIssue] = []
        let lock = Array(Set(lockHolders)).sorted()
        for issue in ready.sorted(by: { $0.number < $1.number }) {
            if let reason = freeGate(issue, labels: labels, lock: lock) {
                skips.append(DispatchDecision(issue: issue.ref, verdict: .skip(reason)))
            } else if let paused {
                skips.append(DispatchDecision(issue: issue.ref, verdict: .skip(.repoPaused(paused))))
            } else {
                candidates.append(issue)
            }
        }
        candidates.sort(by: order)
        if let first, let index = candidates.firstIndex(where: { $0.number == first }) {
            candidates.insert(candidates.remove(at: index), at: 0)
        }
        return RepoDispatchPlan(candidates: candidates, freeSkips: skips)
    }

    /// The gates that need nothing beyond the issue list.
    static func freeGate(_ issue: TrackerIssue, labels: DispatchLabels, lock: [Int]) -> SkipReason? {
        if issue.isPullRequest { return .pullRequest }
        if issue.state != .open { return .notOpen }
        if issue.hasLabel(labels.inProgress) { return .alreadyInProgress(label: labels.inProgress) }
        if issue.hasLabel(labels.human) { return .handedToHuman(label: labels.human) }
        if issue.hasLabel(labels.paused) { return .paused(label: labels.paused) }
        if !lock.isEmpty { return .repoLocked(by: lock) }
        return nil
    }

    /// `priority:N` ascending, unprioritised last, then lowest issue number.
    static func order(_ a: TrackerIssue, _ b: TrackerIssue) -> Bool {
        switch (Priority.of(labels: a.labels), Priority.of(labels: b.labels)) {
        case (let pa?, let pb?) where pa != pb: return pa < pb
        case (.some, .none): return true
        case (.none, .some): return false
        default: return a.number < b.number
        }
    }

    /// Combines the expensive gates for one candidate. Trust is checked first: an untrusted
    /// issue's blockers are irrelevant.
    public static func gate(trust: TrustGate.Verdict, openBlockers: [IssueRef], unresolvableBlockers: [IssueRef])
        -> GateVerdict
    {
        if case .untrusted(let reason) = trust { return .fail(.untrusted(reason)) }
        if !openBlockers.isEmpty || !unresolvableBlockers.isEmpty {
            return .fail(.blocked(by: openBlockers, unresolvable: unresolvableBlockers))
        }
        return .pass
    }
}

/// The ranked candidates of one repository and the issues already skipped for free.
public struct RepoDispatchPlan: Hashable, Sendable {
    /// Candidates in dispatch order.
    public let candidates: [TrackerIssue]
    public let freeSkips: [DispatchDecision]

    /// The next candidate whose expensive gates must be evaluated, or nil once a candidate has
    /// passed or every candidate has a verdict.
    public func nextToEvaluate(given verdicts: [Int: GateVerdict]) -> TrackerIssue? {
        for candidate in candidates {
            switch verdicts[candidate.number] {
            case .pass?: return nil
            case .fail?: continue
            case nil: return candidate
            }
        }
        return nil
    }

    /// The winner, if any candidate has passed.
    public func winner(given verdicts: [Int: GateVerdict]) -> TrackerIssue? {
        for candidate in candidates {
            switch verdicts[candidate.number] {
            case .pass?: return candidate
            case .fail?: continue
            case nil: return nil
            }
        }
        return nil
    }

    /// Every issue's decision: free skips, evaluated failures, the winner, and the candidates
    /// behind the winner (skipped because the slot is taken). A candidate that was never
    /// evaluated and has no winner ahead of it cannot occur once the walk has finished.
    public func decisions(given verdicts: [Int: GateVerdict]) -> [DispatchDecision] {
        var out = freeSkips
        var winner: Int?
        // A higher-ranked candidate without a verdict: no later candidate can win (see `winner`).
        var undecidedAhead = false
        for candidate in candidates {
            if let w = winner {
                out.append(DispatchDecision(issue: candidate.ref, verdict: .skip(.slotTaken(by: w))))
                continue
            }
            switch verdicts[candidate.number] {
            case .pass?:
                if undecidedAhead { continue }
                winner = candidate.number
                out.append(DispatchDecision(issue: candidate.ref, verdict: .dispatch))
            case .fail(let reason)?:
                out.append(DispatchDecision(issue: candidate.ref, verdict: .skip(reason)))
            case nil:
                // Not evaluated because the walk stopped early (an error in this repo).
                undecidedAhead = true
                continue
            }
        }
        return out.sorted { $0.issue.number < $1.issue.number }
    }
}
