import AFKCore
import Testing

/// The dispatch policy of one repository: free gates, ranking, the evaluation walk and the
/// per-issue decisions.
struct DispatchPolicyTests {
    static let repo = RepoRef(owner: "acme", name: "widgets")
    static let labels = DispatchLabels()

    static func ref(_ n: Int) -> IssueRef { IssueRef(repo: repo, number: n) }

    static func issue(_ n: Int, _ extra: [String] = [], pr: Bool = false, state: TrackerIssue.State = .open)
        -> TrackerIssue
    {
        TrackerIssue(
            ref: ref(n),
            title: "issue \(n)",
            labels: ["ready-for-agent"] + extra,
            state: state,
            isPullRequest: pr
        )
    }

    // MARK: - Model of the attributes the exhaustive test combines

    /// One issue's single distinguishing attribute (combinations of several are covered by
    /// ``freeGatePrecedence``).
    enum Kind: CaseIterable {
        case plain, pullRequest, paused, human, inProgress

        var labels: [String] {
            switch self {
            case .plain, .pullRequest: []
            case .paused: ["afk-paused"]
            case .human: ["ready-for-human"]
            case .inProgress: ["agent-in-progress"]
            }
        }
    }

    struct Spec: CustomStringConvertible {
        let kind: Kind
        let priority: Int?

        var labels: [String] { kind.labels + (priority.map { ["priority:\($0)"] } ?? []) }
        var description: String { "\(kind)/p\(priority.map(String.init) ?? "-")" }
    }

    static let allSpecs: [Spec] = Kind.allCases.flatMap { kind in [nil, 0, 1, 5].map { Spec(kind: kind, priority: $0) }
    }
    /// A smaller set for four issues (keeps the product at a few thousand plans).
    static let smallSpecs: [Spec] = [
        Spec(kind: .plain, priority: nil), Spec(kind: .plain, priority: 0), Spec(kind: .plain, priority: 1),
        Spec(kind: .plain, priority: 5), Spec(kind: .pullRequest, priority: 0), Spec(kind: .paused, priority: 0),
        Spec(kind: .human, priority: nil), Spec(kind: .inProgress, priority: 1),
    ]

    /// Issue numbers deliberately out of order so that neither input order nor position can
    /// stand in for the issue number.
    static let numbers = [14, 3, 27, 8]

    static func combinations(of specs: [Spec], count: Int) -> [[Spec]] {
        var out: [[Spec]] = [[]]
        for _ in 0..<count { out = out.flatMap { prefix in specs.map { prefix + [$0] } } }
        return out
    }

    /// The expected free-gate verdict for a modelled issue, computed independently of the policy.
    static func expectedFreeSkip(_ spec: Spec, lock: [Int]) -> SkipReason? {
        switch spec.kind {
        case .pullRequest: return .pullRequest
        case .paused: return .paused(label: "afk-paused")
        case .human: return .handedToHuman(label: "ready-for-human")
        case .inProgress: return .alreadyInProgress(label: "agent-in-progress")
        case .plain: return lock.isEmpty ? nil : .repoLocked(by: Array(Set(lock)).sorted())
        }
    }

    static func failure(for number: Int) -> SkipReason {
        number % 2 == 0 ? .untrusted(.noLabelEvent) : .blocked(by: [ref(100 + number)], unresolvable: [])
    }

    @Test(arguments: [1, 2, 3, 4])
    func invariantsHoldForEveryCombination(issueCount: Int) {
        let specs = issueCount == 4 ? Self.smallSpecs : Self.allSpecs
        var violations: [String] = []
        var walks = 0
        for combination in Self.combinations(of: specs, count: issueCount) {
            let numbered = Array(zip(Self.numbers, combination))
            // Feed the issues in reverse so input order is not the answer either.
            let issues = numbered.reversed()
                .map { n, spec in Self.issue(n, spec.labels, pr: spec.kind == .pullRequest) }
            for lock in [[], [99], [42, 5, 42]] {
                let plan = DispatchPolicy.rank(ready: issues, lockHolders: lock, labels: Self.labels)
                let expectedCandidates =
                    numbered
                    .filter { Self.expectedFreeSkip($0.1, lock: lock) == nil }
                    .sorted { a, b in (a.1.priority ?? Int.max, a.0) < (b.1.priority ?? Int.max, b.0) }
                    .map(\.0)
                func context() -> String { "\(numbered.map { "#\($0.0)=\($0.1)" }) lock=\(lock)" }
                if plan.candidates.map(\.number) != expectedCandidates {
                    violations.append(
                        "\(context()): candidates \(plan.candidates.map(\.number)), expected \(expectedCandidates)"
                    )
                    continue
                }
                for mask in 0..<(1 << expectedCandidates.count) {
                    walks += 1
                    violations +=
                        Self.walk(plan, numbered: numbered, lock: lock, candidates: expectedCandidates, mask: mask)
                        .map { "\(context()) mask=\(mask): \($0)" }
                }
            }
        }
        #expect(walks > 0)
        #expect(violations.isEmpty, "\(violations.count) violations, first: \(violations.prefix(5))")
    }

    /// Walks the plan as a tick does, with candidate `expected[i]` passing iff bit i of `mask` is
    /// set, and returns every broken invariant.
    static func walk(
        _ plan: RepoDispatchPlan,
        numbered: [(Int, Spec)],
        lock: [Int],
        candidates expected: [Int],
        mask: Int
    ) -> [String] {
        var problems: [String] = []
        func passes(_ n: Int) -> Bool { mask & (1 << (expected.firstIndex(of: n) ?? 63)) != 0 }
        let firstPassing = expected.first(where: passes)

        var verdicts: [Int: GateVerdict] = [:]
        var evaluated: [Int] = []
        while let next = plan.nextToEvaluate(given: verdicts) {
            if verdicts[next.number] != nil {
                problems.append("#\(next.number) evaluated twice")
                break
            }
            if evaluated.count > expected.count {
                problems.append("walk does not terminate")
                break
            }
            evaluated.append(next.number)
            verdicts[next.number] = passes(next.number) ? .pass : .fail(failure(for: next.number))
        }

        // Cheap gates first: exactly the candidates up to the first passing one are evaluated,
        // in order; nothing behind the winner, nothing in a locked repo.
        let expectedEvaluated =
            firstPassing.map { w in Array(expected.prefix(through: expected.firstIndex(of: w)!)) } ?? expected
        if evaluated != expectedEvaluated { problems.append("evaluated \(evaluated), expected \(expectedEvaluated)") }
        if !lock.isEmpty && !evaluated.isEmpty { problems.append("a locked repo evaluated \(evaluated)") }
        if let w = firstPassing {
            // Even if someone supplied verdicts for the issues behind the winner, they are not asked for.
            var extended = verdicts
            for n in expected where extended[n] == nil { extended[n] = .fail(.untrusted(.noLabelEvent)) }
            if plan.nextToEvaluate(given: extended) != nil {
                problems.append("nextToEvaluate returned an issue after winner #\(w)")
            }
        }
        if plan.winner(given: verdicts)?.number != firstPassing {
            problems.append(
                "winner \(String(describing: plan.winner(given: verdicts)?.number)), expected \(String(describing: firstPassing))"
            )
        }

        let decisions = plan.decisions(given: verdicts)
        if decisions.map(\.issue.number).sorted() != numbered.map(\.0).sorted() {
            problems.append(
                "decisions cover \(decisions.map(\.issue.number)), expected each of \(numbered.map(\.0)) once"
            )
        }
        if decisions.map(\.issue.number) != decisions.map(\.issue.number).sorted() {
            problems.append("decisions not sorted by number")
        }
        if decisions.contains(where: { $0.issue.repo != repo }) { problems.append("a decision names another repo") }
        let dispatched = decisions.filter { $0.verdict == .dispatch }.map(\.issue.number)
        if dispatched.count > 1 { problems.append("\(dispatched.count) dispatches in one repo") }
        if dispatched != (firstPassing.map { [$0] } ?? []) {
            problems.append("dispatched \(dispatched), expected \(String(describing: firstPassing))")
        }

        for (n, spec) in numbered {
            guard let decision = decisions.first(where: { $0.issue.number == n }) else { continue }
            let want: DispatchDecision.Verdict
            if let free = expectedFreeSkip(spec, lock: lock) {
                want = .skip(free)
            } else if n == firstPassing {
                want = .dispatch
            } else if let w = firstPassing, expected.firstIndex(of: n)! > expected.firstIndex(of: w)! {
                want = .skip(.slotTaken(by: w))
            } else {
                // Evaluated and failed: its own gate reason, not someone else's.
                want = .skip(failure(for: n))
            }
            if decision.verdict != want { problems.append("#\(n): \(decision.verdict), expected \(want)") }
        }
        return problems
    }

    // MARK: - Free gates

    /// (labels beyond ready, pull request, state, expected reason or nil for a candidate)
    @Test(
        arguments: [
            ([], false, .open, nil),
            ([], true, .open, .pullRequest),
            ([], false, .closed, .notOpen),
            (["afk-paused"], false, .open, .paused(label: "afk-paused")),
            (["ready-for-human"], false, .open, .handedToHuman(label: "ready-for-human")),
            (["agent-in-progress"], false, .open, .alreadyInProgress(label: "agent-in-progress")),
            (["AFK-Paused"], false, .open, .paused(label: "afk-paused")),
            (["Ready-For-Human"], false, .open, .handedToHuman(label: "ready-for-human")),
            (["AGENT-IN-PROGRESS"], false, .open, .alreadyInProgress(label: "agent-in-progress")),
            // Near misses are not the labels.
            (["afk-paused-later"], false, .open, nil),
            (["ready-for-human?"], false, .open, nil),
            (["paused"], false, .open, nil),
            (["priority:1", "bug"], false, .open, nil),
            // A pull request is never an issue, whatever it carries.
            (["afk-paused", "ready-for-human", "agent-in-progress"], true, .open, .pullRequest),
            (["priority:0"], true, .closed, .pullRequest),
        ] as [([String], Bool, TrackerIssue.State, SkipReason?)]
    )
    func freeGate(extra: [String], pr: Bool, state: TrackerIssue.State, expected: SkipReason?) {
        let plan = DispatchPolicy.rank(
            ready: [Self.issue(5, extra, pr: pr, state: state)],
            lockHolders: [],
            labels: Self.labels
        )
        if let expected {
            #expect(plan.candidates.isEmpty)
            #expect(plan.freeSkips == [DispatchDecision(issue: Self.ref(5), verdict: .skip(expected))])
        } else {
            #expect(plan.candidates.map(\.number) == [5])
            #expect(plan.freeSkips.isEmpty)
        }
    }

    /// Every combination of the three skip labels and a lock: an issue carrying any of them is
    /// skipped with a reason naming one of the labels it carries, and a lock alone gives the lock.
    @Test(arguments: 0..<16)
    func freeGatePrecedence(bits: Int) throws {
        let paused = bits & 1 != 0
        let human = bits & 2 != 0
        let inProgress = bits & 4 != 0
        let locked = bits & 8 != 0
        let extra =
            (paused ? ["afk-paused"] : []) + (human ? ["ready-for-human"] : [])
            + (inProgress ? ["agent-in-progress"] : [])
        let plan = DispatchPolicy.rank(
            ready: [Self.issue(2, extra)],
            lockHolders: locked ? [9] : [],
            labels: Self.labels
        )
        var applicable: [SkipReason] = []
        if paused { applicable.append(.paused(label: "afk-paused")) }
        if human { applicable.append(.handedToHuman(label: "ready-for-human")) }
        if inProgress { applicable.append(.alreadyInProgress(label: "agent-in-progress")) }
        if applicable.isEmpty && locked { applicable.append(.repoLocked(by: [9])) }
        if applicable.isEmpty {
            #expect(plan.candidates.map(\.number) == [2])
            #expect(plan.freeSkips.isEmpty)
        } else {
            #expect(plan.candidates.isEmpty)
            let decision = try #require(plan.freeSkips.first)
            guard case .skip(let reason) = decision.verdict else {
                Issue.record("not a skip")
                return
            }
            #expect(applicable.contains(reason), "\(reason) for labels \(extra)")
        }
    }

    @Test func customLabelsAreHonouredCaseInsensitively() {
        let labels = DispatchLabels(ready: "go", inProgress: "busy", human: "humans", paused: "hold")
        let issues = [
            TrackerIssue(ref: Self.ref(1), title: "", labels: ["go", "HOLD"]),
            TrackerIssue(ref: Self.ref(2), title: "", labels: ["go", "Humans"]),
            TrackerIssue(ref: Self.ref(3), title: "", labels: ["go", "Busy"]),
            // The default names mean nothing under custom labels.
            TrackerIssue(
                ref: Self.ref(4),
                title: "",
                labels: ["go", "afk-paused", "ready-for-human", "agent-in-progress"]
            ),
        ]
        let plan = DispatchPolicy.rank(ready: issues, lockHolders: [], labels: labels)
        #expect(plan.candidates.map(\.number) == [4])
        #expect(
            plan.freeSkips.map(\.verdict) == [
                .skip(.paused(label: "hold")), .skip(.handedToHuman(label: "humans")),
                .skip(.alreadyInProgress(label: "busy")),
            ]
        )
    }

    // MARK: - Lock

    @Test(arguments: [[7], [8, 3, 8], [3, 8]])
    func aLockSkipsEveryReadyIssueAndEvaluatesNothing(holders: [Int]) {
        let issues = [Self.issue(1), Self.issue(2, ["priority:0"]), Self.issue(4, ["afk-paused"])]
        let plan = DispatchPolicy.rank(ready: issues, lockHolders: holders, labels: Self.labels)
        let sortedHolders = Array(Set(holders)).sorted()
        #expect(plan.candidates.isEmpty)
        #expect(plan.nextToEvaluate(given: [:]) == nil)
        #expect(plan.winner(given: [:]) == nil)
        #expect(
            plan.decisions(given: [:]) == [
                DispatchDecision(issue: Self.ref(1), verdict: .skip(.repoLocked(by: sortedHolders))),
                DispatchDecision(issue: Self.ref(2), verdict: .skip(.repoLocked(by: sortedHolders))),
                // The issue's own reason is more useful than the lock.
                DispatchDecision(issue: Self.ref(4), verdict: .skip(.paused(label: "afk-paused"))),
            ]
        )
    }

    // MARK: - Order

    /// (issues as (number, labels), expected candidate order)
    @Test(
        arguments: [
            ([(9, []), (4, ["priority:2"]), (7, ["priority:1"]), (2, []), (5, ["priority:1"])], [5, 7, 4, 2, 9]),
            ([(3, []), (1, []), (2, [])], [1, 2, 3]),
            ([(1, []), (50, ["priority:99"])], [50, 1]),
            ([(6, ["priority:0"]), (2, ["priority:10"]), (4, ["priority:9"])], [6, 4, 2]),  // numeric, not lexical
            ([(1, ["priority:high"]), (2, ["priority:3"])], [2, 1]),  // not a priority: unprioritised
            ([(1, ["priority:5", "priority:0"]), (2, ["priority:1"])], [1, 2]),  // the lowest label counts
            ([(3, ["Priority:1"]), (2, ["priority:1"])], [2, 3]),  // ties by number
        ] as [([(Int, [String])], [Int])]
    )
    func orderIsPriorityThenNumber(issues: [(Int, [String])], expected: [Int]) {
        let plan = DispatchPolicy.rank(
            ready: issues.map { Self.issue($0.0, $0.1) },
            lockHolders: [],
            labels: Self.labels
        )
        #expect(plan.candidates.map(\.number) == expected)
    }

    // MARK: - Walk and decisions

    @Test func aFailingGateMovesToTheNextCandidateAndLaterOnesLoseTheSlot() {
        let plan = DispatchPolicy.rank(
            ready: [Self.issue(1), Self.issue(2, ["priority:1"]), Self.issue(3, ["priority:0"]), Self.issue(4)],
            lockHolders: [],
            labels: Self.labels
        )
        #expect(plan.candidates.map(\.number) == [3, 2, 1, 4])
        var verdicts: [Int: GateVerdict] = [:]
        #expect(plan.nextToEvaluate(given: verdicts)?.number == 3)
        verdicts[3] = .fail(.untrusted(.notCollaborator(login: "mallory")))
        #expect(plan.nextToEvaluate(given: verdicts)?.number == 2)
        verdicts[2] = .fail(.blocked(by: [Self.ref(9)], unresolvable: []))
        #expect(plan.nextToEvaluate(given: verdicts)?.number == 1)
        #expect(plan.winner(given: verdicts) == nil)
        verdicts[1] = .pass
        #expect(plan.nextToEvaluate(given: verdicts) == nil)
        #expect(plan.winner(given: verdicts)?.number == 1)
        #expect(
            plan.decisions(given: verdicts) == [
                DispatchDecision(issue: Self.ref(1), verdict: .dispatch),
                DispatchDecision(issue: Self.ref(2), verdict: .skip(.blocked(by: [Self.ref(9)], unresolvable: []))),
                DispatchDecision(issue: Self.ref(3), verdict: .skip(.untrusted(.notCollaborator(login: "mallory")))),
                DispatchDecision(issue: Self.ref(4), verdict: .skip(.slotTaken(by: 1))),
            ]
        )
    }

    @Test func whenEveryCandidateFailsNothingIsDispatched() {
        let plan = DispatchPolicy.rank(ready: [Self.issue(1), Self.issue(2)], lockHolders: [], labels: Self.labels)
        let verdicts: [Int: GateVerdict] = [
            1: .fail(.untrusted(.noLabelEvent)), 2: .fail(.untrusted(.unattributedEvent)),
        ]
        #expect(plan.nextToEvaluate(given: verdicts) == nil)
        #expect(plan.winner(given: verdicts) == nil)
        #expect(!plan.decisions(given: verdicts).contains { $0.verdict == .dispatch })
        #expect(plan.decisions(given: verdicts).count == 2)
    }

    @Test func aWalkStoppedByAnErrorDispatchesNothingAndReportsOnlyWhatWasDecided() {
        let plan = DispatchPolicy.rank(
            ready: [Self.issue(1), Self.issue(2), Self.issue(3), Self.issue(4, ["afk-paused"])],
            lockHolders: [],
            labels: Self.labels
        )
        // #1 failed, then evaluating #2 threw: #2 and #3 have no verdict.
        let verdicts: [Int: GateVerdict] = [1: .fail(.untrusted(.noLabelEvent))]
        #expect(plan.winner(given: verdicts) == nil)
        #expect(
            plan.decisions(given: verdicts) == [
                DispatchDecision(issue: Self.ref(1), verdict: .skip(.untrusted(.noLabelEvent))),
                DispatchDecision(issue: Self.ref(4), verdict: .skip(.paused(label: "afk-paused"))),
            ]
        )
    }

    /// Whatever verdict map a caller hands over (even one no walk would produce: gaps, verdicts
    /// behind a pass), decisions never dispatch more than one issue, and only the winner: the
    /// first candidate in order, all of whose predecessors failed.
    @Test(arguments: [1, 2, 3, 4])
    func decisionsAgreeWithTheWinnerForAnyVerdictMap(count: Int) {
        let issues = Array(
            [Self.issue(8), Self.issue(2, ["priority:1"]), Self.issue(5), Self.issue(9, ["priority:0"])].prefix(count)
        )
        let plan = DispatchPolicy.rank(ready: issues, lockHolders: [], labels: Self.labels)
        var problems: [String] = []
        for code in 0..<Int(pow3(count)) {
            var verdicts: [Int: GateVerdict] = [:]
            var rest = code
            for candidate in plan.candidates {
                switch rest % 3 {
                case 1: verdicts[candidate.number] = .pass
                case 2: verdicts[candidate.number] = .fail(.untrusted(.noLabelEvent))
                default: break
                }
                rest /= 3
            }
            var expectedWinner: Int?
            for candidate in plan.candidates {
                guard let verdict = verdicts[candidate.number] else { break }
                if verdict == .pass {
                    expectedWinner = candidate.number
                    break
                }
            }
            let decisions = plan.decisions(given: verdicts)
            let dispatched = decisions.filter { $0.verdict == .dispatch }.map(\.issue.number)
            if plan.winner(given: verdicts)?.number != expectedWinner {
                problems.append("\(verdicts): winner \(String(describing: plan.winner(given: verdicts)))")
            }
            if dispatched != (expectedWinner.map { [$0] } ?? []) {
                problems.append("\(verdicts): dispatched \(dispatched), winner \(String(describing: expectedWinner))")
            }
            if Set(decisions.map(\.issue.number)).count != decisions.count {
                problems.append("\(verdicts): an issue decided twice")
            }
            if expectedWinner != nil, plan.nextToEvaluate(given: verdicts) != nil {
                problems.append("\(verdicts): evaluation continues after a winner")
            }
        }
        #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(3))")
    }

    func pow3(_ n: Int) -> Int { (0..<n).reduce(1) { acc, _ in acc * 3 } }

    @Test func verdictsForIssuesOutsideThePlanAreIgnored() {
        let plan = DispatchPolicy.rank(
            ready: [Self.issue(1), Self.issue(2, ["afk-paused"])],
            lockHolders: [],
            labels: Self.labels
        )
        let verdicts: [Int: GateVerdict] = [2: .pass, 77: .pass]
        #expect(plan.nextToEvaluate(given: verdicts)?.number == 1)
        #expect(plan.winner(given: verdicts) == nil)
    }

    @Test func anEmptyReadyListGivesAnEmptyPlan() {
        let plan = DispatchPolicy.rank(ready: [], lockHolders: [3], labels: Self.labels)
        #expect(plan.candidates.isEmpty && plan.freeSkips.isEmpty)
        #expect(plan.nextToEvaluate(given: [:]) == nil)
        #expect(plan.decisions(given: [:]).isEmpty)
    }

    // MARK: - Expensive gates

    static let blocker = IssueRef(repo: repo, number: 3)
    static let elsewhere = IssueRef(repo: RepoRef(owner: "acme", name: "api"), number: 9)

    /// (trust, open blockers, unresolvable blockers, expected)
    @Test(
        arguments: [
            (.trusted(login: "alice"), [], [], .pass),
            (.trusted(login: "alice"), [blocker], [], .fail(.blocked(by: [blocker], unresolvable: []))),
            (.trusted(login: "alice"), [], [elsewhere], .fail(.blocked(by: [], unresolvable: [elsewhere]))),
            (
                .trusted(login: "alice"), [blocker], [elsewhere],
                .fail(.blocked(by: [blocker], unresolvable: [elsewhere]))
            ),
            // Trust first: an untrusted issue's blockers are irrelevant.
            (.untrusted(.noLabelEvent), [], [], .fail(.untrusted(.noLabelEvent))),
            (.untrusted(.noLabelEvent), [blocker], [elsewhere], .fail(.untrusted(.noLabelEvent))),
            (
                .untrusted(.insufficientPermission(login: "m", permission: "read")), [blocker], [],
                .fail(.untrusted(.insufficientPermission(login: "m", permission: "read")))
            ),
        ] as [(TrustGate.Verdict, [IssueRef], [IssueRef], GateVerdict)]
    )
    func gate(trust: TrustGate.Verdict, open: [IssueRef], unresolvable: [IssueRef], expected: GateVerdict) {
        #expect(DispatchPolicy.gate(trust: trust, openBlockers: open, unresolvableBlockers: unresolvable) == expected)
    }

    /// The whole pipeline with the real gates: events and permissions decide trust, the body's
    /// clauses and the blocker states decide blocking.
    @Test func endToEndWithRealGates() {
        let issues = [
            // made ready by mallory
            TrackerIssue(ref: Self.ref(10), title: "", body: "", labels: ["ready-for-agent", "priority:0"]),
            TrackerIssue(
                ref: Self.ref(11),
                title: "",
                body: "Blocked by #3",
                labels: ["ready-for-agent", "priority:0"]
            ),  // #3 open
            TrackerIssue(
                ref: Self.ref(12),
                title: "",
                body: "blocked by acme/gone#1",
                labels: ["ready-for-agent", "priority:1"]
            ),
            // #4 closed: passes
            TrackerIssue(ref: Self.ref(13), title: "", body: "Blocked by #4", labels: ["ready-for-agent"]),
            TrackerIssue(ref: Self.ref(14), title: "", body: "", labels: ["ready-for-agent"]),
        ]
        let events: [Int: [LabelEvent]] = [
            10: [LabelEvent(kind: .labeled, label: "ready-for-agent", actor: "mallory")],
            11: [LabelEvent(kind: .labeled, label: "ready-for-agent", actor: "alice")],
            12: [LabelEvent(kind: .labeled, label: "ready-for-agent", actor: "alice")],
            13: [LabelEvent(kind: .labeled, label: "ready-for-agent", actor: "alice")],
            14: [LabelEvent(kind: .labeled, label: "ready-for-agent", actor: "alice")],
        ]
        let permissions: [String: CollaboratorPermission] = [
            "alice": .role(permission: "write", roleName: "maintain"),
            "mallory": .role(permission: "read", roleName: "read"),
        ]
        let states: [IssueRef: BlockerState] = [
            Self.ref(3): .open, Self.ref(4): .closed,
            IssueRef(repo: RepoRef(owner: "acme", name: "gone"), number: 1): .unresolvable,
        ]
        let plan = DispatchPolicy.rank(ready: issues, lockHolders: [], labels: Self.labels)
        var verdicts: [Int: GateVerdict] = [:]
        var evaluated: [Int] = []
        while let candidate = plan.nextToEvaluate(given: verdicts) {
            evaluated.append(candidate.number)
            let labeler = TrustGate.labeler(of: "ready-for-agent", in: events[candidate.number] ?? [])
            var permission: CollaboratorPermission?
            if case .login(let login) = labeler { permission = permissions[login] ?? .notCollaborator }
            let blockers = BlockerClauses.parse(body: candidate.body, in: candidate.ref)
            verdicts[candidate.number] = DispatchPolicy.gate(
                trust: TrustGate.verdict(labeler: labeler, permission: permission),
                openBlockers: blockers.filter { states[$0] == .open },
                unresolvableBlockers: blockers.filter { states[$0] == nil || states[$0] == .unresolvable }
            )
        }
        #expect(evaluated == [10, 11, 12, 13])
        #expect(
            plan.decisions(given: verdicts).map(\.verdict) == [
                .skip(.untrusted(.insufficientPermission(login: "mallory", permission: "read"))),
                .skip(.blocked(by: [Self.ref(3)], unresolvable: [])),
                .skip(
                    .blocked(by: [], unresolvable: [IssueRef(repo: RepoRef(owner: "acme", name: "gone"), number: 1)])
                ),
                .dispatch,
                .skip(.slotTaken(by: 13)),
            ]
        )
    }

    // MARK: - Reason texts

    @Test(
        arguments: [
            (.pullRequest, "pull request, not an issue"),
            (.notOpen, "issue is not open"),
            (.paused(label: "afk-paused"), "paused (afk-paused)"),
            (
                .handedToHuman(label: "ready-for-human"),
                "handed to a human (ready-for-human); remove it to let an agent retry"
            ),
            (.alreadyInProgress(label: "agent-in-progress"), "already carries agent-in-progress"),
            (.repoLocked(by: [3]), "repo locked: an agent is already working on #3"),
            (.repoLocked(by: [3, 8]), "repo locked: an agent is already working on #3, #8"),
            (.slotTaken(by: 4), "repo slot taken by #4 this tick"),
            (.untrusted(.noLabelEvent), "untrusted: no labeled event attributes the ready label to anyone"),
            (.untrusted(.unattributedEvent), "untrusted: the latest ready label was applied by a deleted account"),
            (
                .untrusted(.notCollaborator(login: "eve")),
                "untrusted: ready label applied by eve, who is not a collaborator"
            ),
            (
                .untrusted(.insufficientPermission(login: "eve", permission: "read")),
                "untrusted: ready label applied by eve, whose permission is read (write or admin needed)"
            ),
            (
                .untrusted(.insufficientPermission(login: "eve", permission: "")),
                "untrusted: ready label applied by eve, whose permission is empty (write or admin needed)"
            ),
            (.blocked(by: [blocker], unresolvable: []), "blocked by open acme/widgets#3"),
            (.blocked(by: [blocker, elsewhere], unresolvable: []), "blocked by open acme/widgets#3, acme/api#9"),
            (.blocked(by: [], unresolvable: [elsewhere]), "blocked by unresolvable acme/api#9"),
            (
                .blocked(by: [blocker], unresolvable: [elsewhere]),
                "blocked by open acme/widgets#3; blocked by unresolvable acme/api#9"
            ),
        ] as [(SkipReason, String)]
    )
    func reasonText(reason: SkipReason, text: String) {
        #expect(reason.description == text)
    }
}
