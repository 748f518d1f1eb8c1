import AFKAdapters
import AFKCore

/// The expensive dispatch gates of one candidate issue: reads what the trust gate and the
/// blockers need (the label's events, the labeler's permission, native and written blockers)
/// and asks the pure cores (``TrustGate``, ``BlockerClauses``, ``DispatchPolicy``). The poller
/// and `afk explain` both call this one type, so explain can never drift from a tick.
struct DispatchGates {
    let tracker: any GateReader
    /// The label whose application is judged (`ready_label`).
    let ready: String
    let repo: RepoRef

    /// Trust first, then blockers; returns the verdict and, when it passes, why.
    func evaluate(_ issue: TrackerIssue) async throws(ServiceError) -> (GateVerdict, String) {
        let events = try await tracker.labelEvents(of: issue.ref, latestFor: ready)
        let labeler = TrustGate.labeler(of: ready, in: events)
        var permission: CollaboratorPermission?
        if case .login(let login) = labeler {
            permission = try await tracker.permission(of: login, in: repo)
        }
        let trust = TrustGate.verdict(labeler: labeler, permission: permission)
        guard case .trusted(let login) = trust else {
            return (DispatchPolicy.gate(trust: trust, openBlockers: [], unresolvableBlockers: []), "")
        }
        var states: [IssueRef: BlockerState] = [:]
        // A tracker that counts the issue's blockers and says none spares listing them.
        if issue.nativeBlockerCount != 0, let native = try await tracker.nativeBlockers(of: issue.ref) {
            for (ref, state) in native { states[ref] = state }
        }
        for ref in BlockerClauses.parse(body: issue.body, in: issue.ref) where states[ref] == nil {
            if let blocker = try await tracker.issue(ref) {
                states[ref] = blocker.state == .open ? .open : .closed
            } else {
                states[ref] = .unresolvable
            }
        }
        let open = states.filter { $0.value == .open }.keys.sorted()
        let unresolvable = states.filter { $0.value == .unresolvable }.keys.sorted()
        let verdict = DispatchPolicy.gate(trust: trust, openBlockers: open, unresolvableBlockers: unresolvable)
        let role: String
        if case .role(let p, let r)? = permission {
            role = r.isEmpty || r == p ? p : "\(p), role \(r)"
        } else {
            role = "?"
        }
        let blockerNote = states.isEmpty ? "no blockers" : "all \(states.count) blocker(s) closed"
        return (verdict, "made ready by \(login) (\(role)); \(blockerNote)")
    }

}
