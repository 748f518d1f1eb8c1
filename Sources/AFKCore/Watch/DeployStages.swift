import Foundation

/// One stage between a pushed commit and "it is live", in the order the watcher folds them.
///
/// - `build`: the tracker's CI on the commit (``CIVerdict/fold(checkRuns:combined:)``).
/// - `deploy`: the deploy pipeline (Woodpecker).
/// - `rollout`: the rollout of the deployed image (Kubernetes Deployments).
public enum DeployStage: String, CaseIterable, Sendable {
    case build, deploy, rollout
}

/// What one stage said about one commit.
public enum StageReading: Hashable, Sendable {
    /// Concluded successfully; the detail says what was seen (may be empty).
    case green(String)
    /// Not concluded yet (or not reported yet); the detail says what is awaited.
    case pending(String)
    /// Failed; the names of what failed, without the stage prefix.
    case red(failing: [String])
}

/// A stage's part in one verdict.
public enum StageOutcome: Hashable, Sendable {
    /// The stage was asked and answered.
    case observed(StageReading)
    /// The stage is configured as not observed: it never counts as green, it is only reported.
    case unobserved
    /// An earlier stage already decided (red or pending), so this one was not asked.
    case notQueried
}

/// Folds the stages of one commit, in the order build → deploy → rollout, into the watcher's verdict.
///
/// Pure: no I/O, no clock. The watcher reads the stages one at a time, asking
/// ``shouldQuery(after:)`` before each, so that a later stage is never queried once an earlier one
/// is red or pending; then it folds what it has with ``verdict(_:)`` and reports
/// ``summary(_:)``.
///
/// ## Usage
/// ```swift
/// var outcomes: [(DeployStage, StageOutcome)] = [(.build, .observed(DeployStages.reading(from: ci)))]
/// for (stage, probe) in [(DeployStage.deploy, woodpecker), (.rollout, kubernetes)] {
///     guard DeployStages.shouldQuery(after: outcomes) else { outcomes.append((stage, .notQueried)); continue }
///     outcomes.append((stage, probe.map { .observed(try await $0.read(…)) } ?? .unobserved))
/// }
/// let verdict = DeployStages.verdict(outcomes)   // .red(["deploy: woodpecker pipeline #12 (failure)"])
/// let line = DeployStages.summary(outcomes)     // "build green · deploy red (…) · rollout not queried"
/// ```
public enum DeployStages {
    /// Whether the next stage may be asked: true while every outcome so far is green or unobserved.
    /// Once a stage is red or pending (or was itself not queried), later stages are not queried.
    public static func shouldQuery(after outcomes: [(DeployStage, StageOutcome)]) -> Bool {
        outcomes.allSatisfy { _, outcome in
            switch outcome {
            case .observed(.green), .unobserved: true
            case .observed(.pending), .observed(.red), .notQueried: false
            }
        }
    }

    /// The verdict of all stages.
    ///
    /// - A failure in any stage is red; the failing names are prefixed by their stage
    ///   (`deploy: woodpecker pipeline #12 (failure)`).
    /// - Otherwise any pending or not-queried stage is pending.
    /// - Otherwise every observed stage is green: green — unless no stage is observed at all
    ///   (everything unobserved), which is pending: nothing was seen, so nothing may close an issue.
    public static func verdict(_ outcomes: [(DeployStage, StageOutcome)]) -> CIVerdict {
        var failing: [String] = []
        var pending = false
        var observed = false
        for (stage, outcome) in ordered(outcomes) {
            switch outcome {
            case .observed(.green): observed = true
            case .observed(.pending):
                observed = true
                pending = true
            case .observed(.red(let names)):
                observed = true
                failing += (names.isEmpty ? ["failed"] : names).map { "\(stage.rawValue): \($0)" }
            case .notQueried: pending = true
            case .unobserved: break
            }
        }
        if !failing.isEmpty { return .red(failing: failing) }
        if pending || !observed { return .pending }
        return .green
    }

    /// One line for logs, reports and the run record:
    /// `build green · deploy pending (pipeline #12 running) · rollout not queried`.
    /// Unobserved stages read `rollout unobserved`; details appear in parentheses when non-empty.
    public static func summary(_ outcomes: [(DeployStage, StageOutcome)]) -> String {
        ordered(outcomes)
            .map { stage, outcome in
                let name = stage.rawValue
                switch outcome {
                case .observed(.green(let detail)):
                    return detail.isEmpty ? "\(name) green" : "\(name) green (\(detail))"
                case .observed(.pending(let detail)):
                    return detail.isEmpty ? "\(name) pending" : "\(name) pending (\(detail))"
                case .observed(.red(let names)):
                    return names.isEmpty ? "\(name) red" : "\(name) red (\(names.joined(separator: ", ")))"
                case .unobserved: return "\(name) unobserved"
                case .notQueried: return "\(name) not queried"
                }
            }
            .joined(separator: " · ")
    }

    /// The build stage's reading from the tracker's CI verdict (``CIVerdict/fold(checkRuns:combined:)``):
    /// green → green with no detail, pending → pending, red → red with the same failing names.
    public static func reading(from verdict: CIVerdict) -> StageReading {
        switch verdict {
        case .green: .green("")
        case .pending: .pending("CI not concluded yet")
        case .red(let failing): .red(failing: failing)
        }
    }

    /// The outcomes in stage order (build, deploy, rollout); the relative order of repeated stages is kept.
    static func ordered(_ outcomes: [(DeployStage, StageOutcome)]) -> [(DeployStage, StageOutcome)] {
        let rank = Dictionary(uniqueKeysWithValues: DeployStage.allCases.enumerated().map { ($1, $0) })
        return outcomes.enumerated()
            .sorted { a, b in
                let ra = rank[a.element.0] ?? 0
                let rb = rank[b.element.0] ?? 0
                return ra == rb ? a.offset < b.offset : ra < rb
            }
            .map(\.element)
    }
}
