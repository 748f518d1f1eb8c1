import AFKAdapters
import AFKCore
import ArgumentParser
import Foundation

/// `afk status`: every in-flight and escalated run across the allowlist.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "List every in-flight and handed-to-a-human run: repo#N, phase, thread, pushed sha, CI, attempts, age."
    )

    @OptionGroup var options: OperatorOptions

    @Option(name: .long, help: ArgumentHelp("Only this allowlisted repository.", valueName: "owner/name"))
    var repo: String?

    struct Row: Codable, Hashable {
        let repo: String
        let issue: Int
        let title: String
        let phase: String
        let threadID: String?
        let pushedSHA: String?
        let ci: String?
        let attempts: Int?
        let maxAttempts: Int
        let ageSeconds: Int?
        let note: String?
        /// `landing: pull_request`: the run's pull request (`#12`) or branch, nil for a pushing run.
        var pullRequest: String? = nil
        /// The issue's web page.
        var url: String? = nil
        /// Seconds in the current phase.
        var phaseSeconds: Int? = nil
        /// Why the run stopped, for a run handed to a human (the record's last note).
        var stopReason: String? = nil

        enum CodingKeys: String, CodingKey {
            case repo, issue, title, phase, ci, attempts, note
            case threadID = "thread_id"
            case pushedSHA = "pushed_sha"
            case maxAttempts = "max_attempts"
            case ageSeconds = "age_seconds"
            case pullRequest = "pull_request"
            case url
            case phaseSeconds = "phase_seconds"
            case stopReason = "stop_reason"
        }
    }

    struct Output: Codable {
        let runs: [Row]
        let errors: [TickReport.Failure]
    }

    func run() async throws {
        let env: TickEnvironment
        let repos: [RepoRef]
        let tracker: any Tracker
        do {
            env = try await options.environment(repo: repo)
            repos = try env.repos()
            tracker = try env.tracker()
        } catch {
            CommandOutput.configurationError(error)
            throw ExitCode(2)
        }
        let config = env.config
        let now = Date()
        var rows: [Row] = []
        var errors: [TickReport.Failure] = []
        for repo in repos {
            do {
                var issues = try await tracker.openIssues(in: repo, labeled: config.labels.inProgress)
                issues += try await tracker.openIssues(in: repo, labeled: config.labels.human)
                var seen = Set<Int>()
                for issue in issues.sorted(by: { $0.number < $1.number })
                where !issue.isPullRequest && seen.insert(issue.number).inserted {
                    let run = TrackedRun(
                        issue: issue,
                        comments: try await tracker.comments(on: issue.ref),
                        botLogin: config.tracker.botLogin ?? ""
                    )
                    rows.append(Self.row(run, config: config, now: now))
                }
            } catch {
                if error.stopsTick {
                    errors.append(.init(repo: nil, message: error.description))
                    break
                }
                errors.append(.init(repo: repo.description, message: error.description))
            }
        }
        switch options.output {
        case .json: CommandOutput.print(JSONOutput.render(Output(runs: rows, errors: errors)))
        case .text: CommandOutput.print(Self.table(rows, errors: errors))
        case .wide: CommandOutput.print(Self.table(rows, errors: errors, wide: true))
        }
        if !errors.isEmpty { throw ExitCode(1) }
    }

    static func row(_ run: TrackedRun, config: AFKConfig, now: Date) -> Row {
        let issue = run.issue
        switch run.record {
        case .valid(let record, _):
            var phase = (record.phase ?? .dispatched).rawValue
            if issue.hasLabel(config.labels.paused) { phase += " (paused)" }
            if let pending = record.pending, !pending.isEmpty {
                phase += " (owes " + pending.map(\.rawValue).joined(separator: ", ") + ")"
            }
            let age = Timestamp.parse(record.dispatchedAt).map { Int(now.timeIntervalSince($0)) }
            return Row(
                repo: issue.ref.repo.description,
                issue: issue.number,
                title: issue.title,
                phase: phase,
                threadID: record.threadID,
                pushedSHA: record.pushedSHA,
                ci: record.ci,
                attempts: record.attempts,
                maxAttempts: config.fixForwardMaxAttempts,
                ageSeconds: age,
                note: record.note,
                pullRequest: record.pullRequest.map { "#\($0)" } ?? record.branch,
                url: issue.htmlURL,
                phaseSeconds: (record.phaseSince ?? record.dispatchedAt).flatMap(Timestamp.parse)
                    .map { Int(now.timeIntervalSince($0)) },
                stopReason: (record.phase?.isTerminal ?? false) ? record.note : nil
            )
        case .malformed(let error, let comment):
            return Row(
                repo: issue.ref.repo.description,
                issue: issue.number,
                title: issue.title,
                phase: "unreadable record",
                threadID: nil,
                pushedSHA: nil,
                ci: nil,
                attempts: nil,
                maxAttempts: config.fixForwardMaxAttempts,
                ageSeconds: nil,
                note: "comment \(comment): \(error)"
            )
        case .none:
            let phase = issue.hasLabel(config.labels.inProgress) ? "no record" : "handed to a human (no run record)"
            return Row(
                repo: issue.ref.repo.description,
                issue: issue.number,
                title: issue.title,
                phase: phase,
                threadID: nil,
                pushedSHA: nil,
                ci: nil,
                attempts: nil,
                maxAttempts: config.fixForwardMaxAttempts,
                ageSeconds: nil,
                note: nil
            )
        }
    }

    static func table(_ rows: [Row], errors: [TickReport.Failure], wide: Bool = false) -> String {
        var lines: [String] = []
        if rows.isEmpty {
            lines.append("no in-flight or escalated runs")
        } else {
            var header = ["RUN", "PHASE", "IN PHASE", "THREAD", "PR", "PUSHED", "CI", "ATTEMPTS", "AGE"]
            if wide { header += ["URL", "REASON"] }
            let cells = rows.map { row in
                let inPhase: String = row.phaseSeconds.map(age) ?? "-"
                let pushed: String = row.pushedSHA.map { String($0.prefix(7)) } ?? "-"
                let attempts: String = row.attempts.map { "\($0)/\(row.maxAttempts)" } ?? "-"
                let runAge: String = row.ageSeconds.map(age) ?? "-"
                var cells: [String] = ["\(row.repo)#\(row.issue)", row.phase, inPhase, row.threadID ?? "-"]
                cells += [row.pullRequest ?? "-", pushed, row.ci ?? "-", attempts, runAge]
                if wide { cells += [row.url ?? "-", row.stopReason ?? row.note ?? "-"] }
                return cells
            }
            let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max() ?? 0 }
            for line in [header] + cells {
                lines.append(
                    line.enumerated()
                        .map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                        .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
                )
            }
        }
        for error in errors { lines.append("error: \(error.repo ?? "afk"): \(error.message)") }
        return lines.joined(separator: "\n")
    }

    static func age(_ seconds: Int) -> String {
        switch seconds {
        case ..<0: "0s"
        case ..<120: "\(seconds)s"
        case ..<7200: "\(seconds / 60)m"
        case ..<172_800: "\(seconds / 3600)h"
        default: "\(seconds / 86400)d"
        }
    }
}
