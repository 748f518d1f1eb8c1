import AFKCore
import Testing

struct DispatchPolicyTests {
    static let repo = RepoRef(owner: "acme", name: "widgets")
    static let labels = DispatchLabels()

    static func issue(_ n: Int, _ extra: [String] = [], pr: Bool = false, state: TrackerIssue.State = .open) -> TrackerIssue {
        TrackerIssue(ref: IssueRef(repo: repo, number: n), title: "#\(n)", labels: ["ready-for-agent"] + extra, state: state, isPullRequest: pr)
    }

    /// Every combination of a few attributes for up to three issues, with and without a lock,
    /// and every pattern of gate verdicts: the invariants must hold for all of them.
    static let attributeSets: [([String], Bool)] = [
        ([], false), (["priority:0"], false), (["priority:1"], false), (["priority:5"], false),
        (["afk-paused"], false), (["ready-for-human"], false), (["agent-in-progress"], false), ([], true),
        (["priority:1", "priority:3"], false), (["priority:high"], false),
    ]

    @Test(arguments: [0, 1, 2, 3])
    func invariantsHoldForEveryCombination(count: Int) {
        var combinations: [[([String], Bool)]] = [[]]
        for _ in 0..<count {
            combinations = combinations.flatMap { prefix in Self.attributeSets.map { prefix + [$0] } }
        }
        var checked = 0
        for combination in combinations {
            let issues = combination.enumerated().map { Self.issue($0.offset + 1, $0.element.0, pr: $0.element.1) }
            for lock in [[], [99]] {
                let plan = DispatchPolicy.rank(ready: issues, lockHolders: lock, labels: Self.labels)
                for mask in 0..<(1 << plan.candidates.count) {
                    check(plan, issues: issues, lock: lock, passing: mask)
                    checked += 1
                }
            }
        }
        #expect(checked > 0)
    }

    func check(_ plan: RepoDispatchPlan, issues: [TrackerIssue], lock: [Int], passing mask: Int) {
        // Walk the plan as the tick does, recording which candidates it evaluated.
        var verdicts: [Int: GateVerdict] = [:]
        var evaluated: [Int] = []
        while let next = plan.nextToEvaluate(given: verdicts) {
            #expect(verdicts[next.number] == nil, "a candidate is never evaluated twice")
            evaluated.append(next.number)
            let index = plan.candidates.firstIndex(of: next) ?? 0
            verdicts[next.number] = mask & (1 << index) != 0 ? .pass : .fail(.untrusted(.noLabelEvent))
        }
        let decisions = plan.decisions(given: verdicts)
        // Every issue gets exactly one decision.
        #expect(decisions.map(\.issue.number).sorted() == issues.map(\.number).sorted())
        let dispatched = decisions.filter { $0.verdict == .dispatch }
        #expect(dispatched.count <= 1, "at most one dispatch per repo")
        if !lock.isEmpty {
            #expect(dispatched.isEmpty)
            #expect(evaluated.isEmpty, "a locked repo evaluates nothing")
        }
        // The winner is the first passing candidate in order, and nothing after it was evaluated.
        let firstPassing = plan.candidates.indices.first { mask & (1 << $0) != 0 }
        if let firstPassing {
            #expect(dispatched.first?.issue == plan.candidates[firstPassing].ref)
            #expect(evaluated == plan.candidates.prefix(firstPassing + 1).map(\.number))
            for later in plan.candidates.dropFirst(firstPassing + 1) {
                #expect(decisions.first { $0.issue == later.ref }?.verdict == .skip(.slotTaken(by: plan.candidates[firstPassing].number)))
            }
        } else {
            #expect(dispatched.isEmpty)
            #expect(evaluated == plan.candidates.map(\.number))
        }
        // Pull requests, paused, human and in-progress issues are never candidates.
        for candidate in plan.candidates {
            #expect(!candidate.isPullRequest)
            #expect(!candidate.hasLabel("afk-paused") && !candidate.hasLabel("ready-for-human") && !candidate.hasLabel("agent-in-progress"))
        }
        // Candidates are ordered: prioritised first (lowest N), then by number.
        for (a, b) in zip(plan.candidates, plan.candidates.dropFirst()) {
            switch (Priority.of(labels: a.labels), Priority.of(labels: b.labels)) {
            case let (pa?, pb?): #expect(pa < pb || (pa == pb && a.number < b.number))
            case (nil, .some): Issue.record("an unprioritised issue came before a prioritised one")
            case (nil, nil): #expect(a.number < b.number)
            case (.some, nil): break
            }
        }
    }

    @Test func orderIsPriorityThenNumber() {
        let plan = DispatchPolicy.rank(
            ready: [Self.issue(9), Self.issue(4, ["priority:2"]), Self.issue(7, ["priority:1"]), Self.issue(2), Self.issue(5, ["priority:1"])],
            lockHolders: [], labels: Self.labels)
        #expect(plan.candidates.map(\.number) == [5, 7, 4, 2, 9])
    }

    @Test func freeSkipsCarryTheirReasons() {
        let plan = DispatchPolicy.rank(
            ready: [Self.issue(1, pr: true), Self.issue(2, ["afk-paused"]), Self.issue(3, ["ready-for-human"]),
                    Self.issue(4, ["agent-in-progress"]), Self.issue(5, state: .closed)],
            lockHolders: [], labels: Self.labels)
        let reasons = Dictionary(uniqueKeysWithValues: plan.freeSkips.compactMap { d -> (Int, SkipReason)? in
            if case .skip(let r) = d.verdict { return (d.issue.number, r) } else { return nil }
        })
        #expect(reasons[1] == .pullRequest)
        #expect(reasons[2] == .paused(label: "afk-paused"))
        #expect(reasons[3] == .handedToHuman(label: "ready-for-human"))
        #expect(reasons[4] == .alreadyInProgress(label: "agent-in-progress"))
        #expect(reasons[5] == .notOpen)
        #expect(plan.candidates.isEmpty)
        #expect(reasons.values.allSatisfy { !$0.description.isEmpty })
    }

    @Test func aLockSkipsEveryReadyIssueNamingTheHolders() {
        let plan = DispatchPolicy.rank(ready: [Self.issue(1), Self.issue(2)], lockHolders: [8, 3, 8], labels: Self.labels)
        #expect(plan.candidates.isEmpty)
        #expect(plan.freeSkips.allSatisfy { $0.verdict == .skip(.repoLocked(by: [3, 8])) })
        #expect(SkipReason.repoLocked(by: [3, 8]).description.contains("#3, #8"))
    }

    @Test func customLabelsAreHonouredCaseInsensitively() {
        let labels = DispatchLabels(ready: "go", inProgress: "busy", human: "humans", paused: "hold")
        let issues = [
            TrackerIssue(ref: IssueRef(repo: Self.repo, number: 1), title: "", labels: ["go", "HOLD"]),
            TrackerIssue(ref: IssueRef(repo: Self.repo, number: 2), title: "", labels: ["go", "Humans"]),
            TrackerIssue(ref: IssueRef(repo: Self.repo, number: 3), title: "", labels: ["go", "afk-paused"]),
        ]
        let plan = DispatchPolicy.rank(ready: issues, lockHolders: [], labels: labels)
        #expect(plan.candidates.map(\.number) == [3])
    }

    @Test func gatesCheckTrustBeforeBlockers() {
        let blocker = IssueRef(repo: Self.repo, number: 3)
        #expect(DispatchPolicy.gate(trust: .untrusted(.noLabelEvent), openBlockers: [blocker], unresolvableBlockers: [])
            == .fail(.untrusted(.noLabelEvent)))
        #expect(DispatchPolicy.gate(trust: .trusted(login: "a"), openBlockers: [blocker], unresolvableBlockers: [])
            == .fail(.blocked(by: [blocker], unresolvable: [])))
        #expect(DispatchPolicy.gate(trust: .trusted(login: "a"), openBlockers: [], unresolvableBlockers: [blocker])
            == .fail(.blocked(by: [], unresolvable: [blocker])))
        #expect(DispatchPolicy.gate(trust: .trusted(login: "a"), openBlockers: [], unresolvableBlockers: []) == .pass)
    }
}

struct TrustGateTests {
    static func labeled(_ actor: String?, _ label: String = "ready-for-agent") -> LabelEvent { LabelEvent(kind: .labeled, label: label, actor: actor) }

    @Test(arguments: [
        ("admin", "admin", true), ("write", "write", true), ("write", "maintain", true), ("maintain", "maintain", true),
        ("read", "triage", false), ("read", "read", false), ("none", "none", false), ("", "", false),
        ("write", "custom-deployer", true), ("read", "custom-viewer", false), ("ADMIN", "admin", true),
    ])
    func permissions(permission: String, role: String, trusted: Bool) {
        let verdict = TrustGate.verdict(labeler: .login("u"), permission: .role(permission: permission, roleName: role))
        #expect((verdict == .trusted(login: "u")) == trusted, "\(permission)/\(role)")
    }

    @Test func notACollaboratorOrNoAnswerIsUntrusted() {
        #expect(TrustGate.verdict(labeler: .login("u"), permission: .notCollaborator) == .untrusted(.notCollaborator(login: "u")))
        #expect(TrustGate.verdict(labeler: .login("u"), permission: nil) == .untrusted(.notCollaborator(login: "u")))
        #expect(TrustGate.verdict(labeler: .noEvent, permission: .role(permission: "admin", roleName: "admin")) == .untrusted(.noLabelEvent))
        #expect(TrustGate.verdict(labeler: .unattributed, permission: nil) == .untrusted(.unattributedEvent))
    }

    @Test func theLatestApplicationCounts() {
        let label = "ready-for-agent"
        #expect(TrustGate.labeler(of: label, in: []) == .noEvent)
        #expect(TrustGate.labeler(of: label, in: [Self.labeled("alice", "bug")]) == .noEvent)
        #expect(TrustGate.labeler(of: label, in: [Self.labeled("alice")]) == .login("alice"))
        // Trusted first, removed, re-applied by someone else: judge the latest.
        let reapplied = [Self.labeled("alice"), LabelEvent(kind: .unlabeled, label: label, actor: "alice"), Self.labeled("mallory")]
        #expect(TrustGate.labeler(of: label, in: reapplied) == .login("mallory"))
        // An unlabeled event after the last application does not change who applied it.
        #expect(TrustGate.labeler(of: label, in: [Self.labeled("alice"), LabelEvent(kind: .unlabeled, label: label, actor: "bob")]) == .login("alice"))
        #expect(TrustGate.labeler(of: label, in: [Self.labeled("alice"), Self.labeled(nil)]) == .unattributed)
        #expect(TrustGate.labeler(of: label, in: [Self.labeled("alice", "Ready-For-Agent")]) == .login("alice"))
        #expect(TrustGate.labeler(of: label, in: [Self.labeled("")]) == .unattributed)
    }
}

struct BlockerClausesTests {
    static let here = IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7)
    static func ref(_ text: String) -> IssueRef? { IssueRef(parsing: text.contains("/") ? text : "acme/widgets\(text)") }

    @Test(arguments: [
        ("Blocked by #3", ["#3"]),
        ("blocked by acme/api#9", ["acme/api#9"]),
        ("BLOCKED BY #3, #4 and acme/api#9 & #5", ["#3", "#4", "acme/api#9", "#5"]),
        ("Blocked by: #3", ["#3"]),
        ("Intro.\n\n- [ ] blocked by #12\nMore text #13", ["#12"]),
        ("Blocked by #3\nBlocked by #3", ["#3"]),
        ("blocked by #7", []),  // itself
        ("unblocked by #3", []),
        ("Blocked by #3a", []),
        ("Blocked by not/a/repo#3", []),
        ("Blocked by #0", []),
        ("blockedby #3", []),
        ("Blocked by #3.", ["#3"]),
        ("", []),
    ])
    func clauses(body: String, expected: [String]) {
        #expect(BlockerClauses.parse(body: body, in: Self.here) == expected.compactMap(Self.ref), "\(body)")
    }
}

struct PriorityTests {
    @Test(arguments: [
        (["priority:1"], 1), (["priority:0"], 0), (["priority: 2"], 2), (["Priority:3"], 3),
        (["priority:4", "priority:2"], 2), (["priority:high"], nil), (["priority:-1"], nil), (["priority:"], nil),
        (["bug"], nil), ([], nil), (["priority:1x"], nil),
    ] as [([String], Int?)])
    func priority(labels: [String], expected: Int?) {
        #expect(Priority.of(labels: labels) == expected)
    }
}

struct RunIdentityTests {
    @Test(arguments: ["acme/widgets", "Acme-Org/my.repo_name", "a/b", "x-g5/repo-gadgets"])
    func idsRoundTrip(repo: String) throws {
        let ref = try #require(RepoRef(parsing: repo))
        for number in [1, 42] {
            for run in [1, 3] {
                for generation in [0, 2] {
                    let id = RunIdentity(issue: IssueRef(repo: ref, number: number), run: run, generation: generation)
                    let parsed = try #require(RunIdentity.parse(threadID: id.threadID))
                    #expect(parsed.issue.number == number && parsed.run == run && parsed.generation == generation)
                    #expect(parsed.issue.repo.slug == ref.slug)
                    #expect(id.threadID.allSatisfy { $0.isLetter || $0.isNumber || "-_.~".contains($0) })
                }
            }
        }
    }

    @Test func idsAreDeterministicAndDistinct() {
        let a = RunIdentity(issue: IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7), run: 1)
        #expect(a.threadID == "afk-acme~widgets-i7-r1")
        #expect(a.threadCreateCommandID == "afk-acme~widgets-i7-r1-create")
        #expect(a.turnStartCommandID(turn: 1) == "afk-acme~widgets-i7-r1-turn1")
        #expect(RunIdentity.projectID(for: RepoRef(owner: "Acme", name: "Widgets")) == "afk-acme~widgets")
        // `a-b/c` and `a/b-c` must not collide.
        let x = RunIdentity(issue: IssueRef(repo: RepoRef(owner: "a-b", name: "c"), number: 1), run: 1)
        let y = RunIdentity(issue: IssueRef(repo: RepoRef(owner: "a", name: "b-c"), number: 1), run: 1)
        #expect(x.threadID != y.threadID)
    }

    @Test(arguments: ["", "afk-", "thread-1", "afk-acme~widgets-i7", "afk-acmewidgets-i7-r1", "afk-acme~widgets-i0-r1", "afk-acme~widgets-i7-r0"])
    func foreignIdsDoNotParse(id: String) {
        #expect(RunIdentity.parse(threadID: id) == nil)
    }
}

struct RunRecordTests {
    @Test func theMarkerRoundTripsAndStaysAnHTMLComment() throws {
        let record = RunRecord(run: 2, executor: "t3", threadID: "afk-a~b--c-i1-r2", dispatchedAt: "2026-11-23T01:00:00Z", attempts: 1)
        let marker = record.encodedMarker()
        #expect(marker.hasPrefix("<!-- afk:run "))
        #expect(marker.hasSuffix(" -->"))
        #expect(!marker.dropFirst(4).dropLast(3).contains("--"))  // `--` would end the comment early
        #expect(try RunRecord.parse(commentBody: "text\n" + marker + "\nmore")?.get() == record)
    }

    @Test(arguments: [
        "<!-- afk:run {not json} -->", "<!-- afk:run {\"schema\":1} -->", "<!-- afk:run {\"schema\":1,\"run\":1",
        "<!-- afk:run {\"schema\":9,\"run\":1,\"executor\":\"t3\",\"thread_id\":\"x\",\"dispatched_at\":\"d\",\"attempts\":0} -->",
        "<!-- afk:run {\"schema\":1,\"run\":0,\"executor\":\"t3\",\"thread_id\":\"x\",\"dispatched_at\":\"d\",\"attempts\":0} -->",
        "<!-- afk:run {\"schema\":1,\"run\":1,\"executor\":\"t3\",\"thread_id\":\"\",\"dispatched_at\":\"d\",\"attempts\":0} -->",
        "<!-- afk:run {\"schema\":1,\"run\":\"one\",\"executor\":\"t3\",\"thread_id\":\"x\",\"dispatched_at\":\"d\",\"attempts\":0} -->",
    ])
    func malformedMarkersAreErrorsNotSilence(body: String) {
        guard case .failure? = RunRecord.parse(commentBody: body) else {
            Issue.record("\(body) was not reported as malformed")
            return
        }
    }

    @Test func bodiesWithoutAMarkerHaveNoRecord() {
        #expect(RunRecord.parse(commentBody: "Looks good to me") == nil)
    }

    @Test func onlyTheBotsCommentsCount() {
        let record = RunRecord(run: 1, executor: "t3", threadID: "t", dispatchedAt: "2026-11-23T01:00:00Z")
        let forged = RunRecord(run: 5, executor: "t3", threadID: "t5", dispatchedAt: "2026-11-23T01:00:00Z")
        let comments = [
            TrackerComment(id: 1, author: "AFK-Bot", body: record.encodedMarker()),
            TrackerComment(id: 2, author: "mallory", body: forged.encodedMarker()),
            TrackerComment(id: 3, author: "mallory", body: "<!-- afk:run broken -->"),
        ]
        let history = RunHistory(comments: comments, botLogin: "afk-bot")
        #expect(history.entries.map(\.record) == [record])
        #expect(history.malformed.isEmpty)
        #expect(history.nextRun == 2)
        #expect(RunHistory(comments: [], botLogin: "afk-bot").nextRun == 1)
    }
}

struct RetryPolicyTests {
    let policy = RetryPolicy(budgetSeconds: 60, baseDelaySeconds: 1, maxDelaySeconds: 30)

    @Test(arguments: [200, 201, 204, 301, 400, 401, 404, 409, 410, 422])
    func finalStatusesAreDelivered(status: Int) {
        #expect(policy.decide(.response(status: status, headers: [:], body: ""), attemptNumber: 1, elapsedSeconds: 0, nowEpochSeconds: 0) == .deliver)
    }

    @Test func serverErrorsBackOffExponentially() {
        let delays = (1...7).map { policy.decide(.response(status: 503, headers: [:], body: ""), attemptNumber: $0, elapsedSeconds: 0, nowEpochSeconds: 0) }
        #expect(delays == [1, 2, 4, 8, 16, 30, 30].map { RetryPolicy.Outcome.retry(afterSeconds: $0) })
        #expect(policy.decide(.transportFailure("refused"), attemptNumber: 2, elapsedSeconds: 0, nowEpochSeconds: 0) == .retry(afterSeconds: 2))
    }

    @Test func retryAfterIsHonoured() {
        #expect(policy.decide(.response(status: 429, headers: ["retry-after": "7"], body: ""), attemptNumber: 1, elapsedSeconds: 0, nowEpochSeconds: 0)
            == .retry(afterSeconds: 7))
        #expect(policy.decide(.response(status: 503, headers: ["retry-after": "3"], body: ""), attemptNumber: 4, elapsedSeconds: 0, nowEpochSeconds: 0)
            == .retry(afterSeconds: 3))
    }

    @Test func rateLimitResetIsHonoured() {
        let outcome = policy.decide(.response(status: 403, headers: ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1010"], body: ""),
                                    attemptNumber: 1, elapsedSeconds: 0, nowEpochSeconds: 1000)
        #expect(outcome == .retry(afterSeconds: 11))
    }

    @Test func aSecondaryLimitWithoutGuidanceWaitsAtLeastAMinuteSoItGivesUpWithinABudgetOfSixty() {
        let outcome = policy.decide(.response(status: 403, headers: [:], body: #"{"message":"You have exceeded a secondary rate limit"}"#),
                                    attemptNumber: 1, elapsedSeconds: 5, nowEpochSeconds: 0)
        guard case .giveUp = outcome else {
            Issue.record("expected to give up, got \(outcome)")
            return
        }
    }

    @Test func aPlain403IsNotRetried() {
        #expect(policy.decide(.response(status: 403, headers: [:], body: #"{"message":"Resource not accessible by integration"}"#),
                              attemptNumber: 1, elapsedSeconds: 0, nowEpochSeconds: 0) == .deliver)
    }

    @Test func nothingWaitsPastTheBudget() {
        #expect(policy.decide(.response(status: 502, headers: [:], body: ""), attemptNumber: 3, elapsedSeconds: 58, nowEpochSeconds: 0)
            != .retry(afterSeconds: 4))
        guard case .giveUp(let why) = policy.decide(.response(status: 429, headers: ["retry-after": "3600"], body: ""),
                                                     attemptNumber: 1, elapsedSeconds: 0, nowEpochSeconds: 0) else {
            Issue.record("a one-hour Retry-After must give up")
            return
        }
        #expect(why.contains("budget"))
    }
}

struct RepoRefTests {
    @Test(arguments: ["acme/widgets", "Acme-Org/my.repo_name", "a/b"])
    func valid(text: String) { #expect(RepoRef(parsing: text)?.description == text) }

    @Test(arguments: ["", "acme", "acme/", "/widgets", "a/b/c", "acme/wid gets", "../x", "acme/..", "acme/wid#gets"])
    func invalid(text: String) { #expect(RepoRef(parsing: text) == nil) }

    @Test func issueRefs() {
        #expect(IssueRef(parsing: "acme/widgets#12")?.number == 12)
        #expect(IssueRef(parsing: "acme/widgets#0") == nil)
        #expect(IssueRef(parsing: "acme/widgets") == nil)
        #expect(IssueRef(parsing: "acme/widgets#x") == nil)
    }
}
