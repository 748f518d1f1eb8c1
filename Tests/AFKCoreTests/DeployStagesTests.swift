import AFKCore
import Testing

/// build → deploy → rollout: any red is red, anything unconcluded is pending, only all-observed-green
/// is green, unobserved stages are reported and never count as green, later stages are not asked once
/// an earlier one decided.
struct DeployStagesTests {
    typealias Outcomes = [(DeployStage, StageOutcome)]

    static let green = StageOutcome.observed(.green(""))
    static let pending = StageOutcome.observed(.pending("pipeline #12 running"))
    static func red(_ names: String...) -> StageOutcome { .observed(.red(failing: names)) }

    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let outcomes: [(DeployStage, StageOutcome)]
        let verdict: CIVerdict
        let queryNext: Bool
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "all green",
            outcomes: [(.build, green), (.deploy, green), (.rollout, green)],
            verdict: .green,
            queryNext: true
        ),
        Case(
            name: "build only, green",
            outcomes: [(.build, green), (.deploy, .unobserved), (.rollout, .unobserved)],
            verdict: .green,
            queryNext: true
        ),
        Case(
            name: "build unobserved, deploy green",
            outcomes: [(.build, .unobserved), (.deploy, green), (.rollout, .unobserved)],
            verdict: .green,
            queryNext: true
        ),
        Case(
            name: "nothing observed",
            outcomes: [(.build, .unobserved), (.deploy, .unobserved), (.rollout, .unobserved)],
            verdict: .pending,
            queryNext: true
        ),
        Case(name: "no outcomes at all", outcomes: [], verdict: .pending, queryNext: true),
        Case(
            name: "build red",
            outcomes: [(.build, red("lint (failure)")), (.deploy, .notQueried), (.rollout, .notQueried)],
            verdict: .red(failing: ["build: lint (failure)"]),
            queryNext: false
        ),
        Case(
            name: "build pending",
            outcomes: [(.build, pending), (.deploy, .notQueried), (.rollout, .notQueried)],
            verdict: .pending,
            queryNext: false
        ),
        Case(
            name: "deploy red",
            outcomes: [(.build, green), (.deploy, red("woodpecker pipeline #12 (failure)")), (.rollout, .notQueried)],
            verdict: .red(failing: ["deploy: woodpecker pipeline #12 (failure)"]),
            queryNext: false
        ),
        Case(
            name: "deploy pending",
            outcomes: [(.build, green), (.deploy, pending), (.rollout, .notQueried)],
            verdict: .pending,
            queryNext: false
        ),
        Case(
            name: "rollout red",
            outcomes: [(.build, green), (.deploy, green), (.rollout, red("prod/web exceeded its progress deadline"))],
            verdict: .red(failing: ["rollout: prod/web exceeded its progress deadline"]),
            queryNext: false
        ),
        Case(
            name: "rollout pending",
            outcomes: [(.build, green), (.deploy, .unobserved), (.rollout, pending)],
            verdict: .pending,
            queryNext: false
        ),
        Case(
            name: "red after pending still red",
            outcomes: [(.build, pending), (.deploy, red("x")), (.rollout, .notQueried)],
            verdict: .red(failing: ["deploy: x"]),
            queryNext: false
        ),
        Case(
            name: "red without names",
            outcomes: [(.build, green), (.deploy, .observed(.red(failing: [])))],
            verdict: .red(failing: ["deploy: failed"]),
            queryNext: false
        ),
        Case(
            name: "not queried without a decision is pending",
            outcomes: [(.build, green), (.deploy, .notQueried)],
            verdict: .pending,
            queryNext: false
        ),
        Case(
            name: "several failing names keep their order",
            outcomes: [(.build, red("a (failure)", "b (error)"))],
            verdict: .red(failing: ["build: a (failure)", "build: b (error)"]),
            queryNext: false
        ),
        Case(
            name: "out-of-order input is folded in stage order",
            outcomes: [(.rollout, red("r")), (.build, red("b")), (.deploy, green)],
            verdict: .red(failing: ["build: b", "rollout: r"]),
            queryNext: false
        ),
    ]

    @Test(arguments: cases) func verdictAndQuerying(_ c: Case) {
        #expect(DeployStages.verdict(c.outcomes) == c.verdict)
        #expect(DeployStages.shouldQuery(after: c.outcomes) == c.queryNext)
    }

    @Test func laterStagesAreNotQueriedOnceOneDecided() {
        #expect(DeployStages.shouldQuery(after: []))
        #expect(DeployStages.shouldQuery(after: [(.build, Self.green)]))
        #expect(DeployStages.shouldQuery(after: [(.build, .unobserved)]))
        #expect(!DeployStages.shouldQuery(after: [(.build, Self.pending)]))
        #expect(!DeployStages.shouldQuery(after: [(.build, Self.red("x"))]))
        #expect(!DeployStages.shouldQuery(after: [(.build, Self.green), (.deploy, .notQueried)]))
    }

    @Test func summaryIsOneLine() {
        let table: [(Outcomes, String)] = [
            (
                [(.build, Self.green), (.deploy, Self.pending), (.rollout, .notQueried)],
                "build green · deploy pending (pipeline #12 running) · rollout not queried"
            ),
            (
                [(.build, Self.green), (.deploy, .observed(.green("pipeline #12 success"))), (.rollout, .unobserved)],
                "build green · deploy green (pipeline #12 success) · rollout unobserved"
            ),
            (
                [
                    (.build, Self.red("lint (failure)", "e2e (timed_out)")), (.deploy, .notQueried),
                    (.rollout, .notQueried),
                ],
                "build red (lint (failure), e2e (timed_out)) · deploy not queried · rollout not queried"
            ),
            (
                [(.build, .unobserved), (.deploy, .observed(.pending(""))), (.rollout, .observed(.red(failing: [])))],
                "build unobserved · deploy pending · rollout red"
            ),
            ([], ""),
        ]
        for (outcomes, line) in table {
            #expect(DeployStages.summary(outcomes) == line)
            #expect(!DeployStages.summary(outcomes).contains("\n"))
        }
    }

    @Test func buildReadingComesFromTheTrackerCIVerdict() {
        #expect(DeployStages.reading(from: .green) == .green(""))
        #expect(DeployStages.reading(from: .red(failing: ["lint (failure)"])) == .red(failing: ["lint (failure)"]))
        guard case .pending = DeployStages.reading(from: .pending) else {
            Issue.record("a pending CI verdict must read as pending")
            return
        }
        // Round trip: the build stage alone gives back the tracker's verdict, names prefixed.
        for verdict in [CIVerdict.green, .pending] {
            #expect(DeployStages.verdict([(.build, .observed(DeployStages.reading(from: verdict)))]) == verdict)
        }
        #expect(
            DeployStages.verdict([(.build, .observed(DeployStages.reading(from: .red(failing: ["ci (error)"]))))])
                == .red(failing: ["build: ci (error)"])
        )
    }

    @Test func stagesAreOrdered() {
        #expect(DeployStage.allCases == [.build, .deploy, .rollout])
        #expect(DeployStage.allCases.map(\.rawValue) == ["build", "deploy", "rollout"])
    }
}
