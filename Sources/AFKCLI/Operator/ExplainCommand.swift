import AFKAdapters
import AFKCore
import ArgumentParser
import Foundation
import Logging

/// `afk explain owner/repo#N`: each dispatch gate and its verdict for one issue, and what the
/// watcher would do with it. Runs the same code as the ticks, read-only.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain, gate by gate, what the poller and the watcher would do with one issue."
    )

    @OptionGroup var options: OperatorOptions

    @Argument(help: ArgumentHelp("The issue, as owner/name#N.", valueName: "owner/name#N"))
    var issue: String

    struct Gate: Codable, Hashable {
        let gate: String
        let verdict: String  // pass, fail, info
        let detail: String
    }

    struct Output: Codable {
        let issue: String
        let title: String?
        let gates: [Gate]
        let poller: String
        let watcher: String
        /// `landing: pull_request`: the run's pull request as the forge shows it now.
        var pullRequest: String? = nil
        /// Every run of the issue afk recorded, oldest first.
        var history: [String] = []

        enum CodingKeys: String, CodingKey {
            case issue, title, gates, poller, watcher, history
            case pullRequest = "pull_request"
        }
    }

    func run() async throws {
        guard let ref = IssueRef(parsing: issue) else {
            CommandOutput.configurationError(
                ConfigurationError(
                    "the issue must be written owner/name#N or given as its web address, got \"\(issue)\""
                )
            )
            throw ExitCode(2)
        }
        let env: TickEnvironment
        let tracker: any Tracker
        let lanes: RepoLanes
        let preamble: String
        do {
            env = try await options.environment()
            tracker = try env.tracker()
            lanes = try env.lanes(for: [ref.repo])
            preamble = try env.preamble()
        } catch {
            CommandOutput.configurationError(error)
            throw ExitCode(2)
        }
        let output: Output
        do {
            output = try await explain(ref, env: env, tracker: tracker, lanes: lanes, preamble: preamble)
        } catch {
            FileHandle.standardError.write(Data("afk: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        switch options.output {
        case .json: CommandOutput.print(JSONOutput.render(output))
        case .text, .wide: CommandOutput.print(Self.text(output))
        }
    }

    func explain(_ ref: IssueRef, env: TickEnvironment, tracker: any Tracker, lanes: RepoLanes, preamble: String)
        async throws(ServiceError) -> Output
    {
        let config = env.config
        let labels = config.labels
        var gates: [Gate] = []
        let killSwitch = Gate(
            gate: "kill switch",
            verdict: config.killSwitch ? "fail" : "pass",
            detail: config.killSwitch ? "on: no tick acts at all" : "off"
        )
        gates.append(killSwitch)
        guard let repo = config.allowlist.first(where: { $0.slug == ref.repo.slug }) else {
            gates.append(
                Gate(
                    gate: "allowlist",
                    verdict: "fail",
                    detail: "\(ref.repo) is not on the allowlist: afk never touches it"
                )
            )
            return Output(
                issue: ref.description,
                title: nil,
                gates: gates,
                poller: "never dispatched",
                watcher: "never watched"
            )
        }
        gates.append(Gate(gate: "allowlist", verdict: "pass", detail: "\(repo) is on the allowlist"))
        let ref = IssueRef(repo: repo, number: ref.number)
        guard let issue = try await tracker.issue(ref) else {
            throw ServiceError(
                service: tracker.serviceName,
                kind: .misconfigured,
                message: "\(ref) does not exist or the token cannot read it"
            )
        }
        let logger = Logger(label: "afk") { _ in SwiftLogNoOpLogHandler() }
        let dispatchGates = DispatchGates(tracker: tracker, ready: labels.ready, repo: repo)

        // Free gates, in the policy's own order.
        let holders = try await tracker.openIssues(in: repo, labeled: labels.inProgress).filter { !$0.isPullRequest }
        let ready = try await tracker.openIssues(in: repo, labeled: labels.ready)
        gates.append(
            Gate(
                gate: "ready label",
                verdict: issue.hasLabel(labels.ready) ? "pass" : "fail",
                detail: issue.hasLabel(labels.ready) ? "carries \(labels.ready)" : "does not carry \(labels.ready)"
            )
        )
        let plan = DispatchPolicy.rank(
            ready: ready.contains { $0.number == issue.number } ? ready : ready + [issue],
            lockHolders: holders.map(\.number),
            labels: labels
        )
        var pollerVerdict: String
        if let skip = plan.freeSkips.first(where: { $0.issue.number == issue.number }),
            case .skip(let reason) = skip.verdict
        {
            gates.append(Gate(gate: "free gates", verdict: "fail", detail: reason.description))
            pollerVerdict = "would skip: \(reason)"
        } else {
            gates.append(
                Gate(
                    gate: "free gates",
                    verdict: "pass",
                    detail: "an issue, open, not paused, not handed to a human, repo not locked"
                )
            )
            let position = plan.candidates.firstIndex { $0.number == issue.number } ?? 0
            let ahead = plan.candidates.prefix(position).map { "#\($0.number)" }
            gates.append(
                Gate(
                    gate: "order",
                    verdict: "info",
                    detail: ahead.isEmpty
                        ? "first in line" + (Priority.of(labels: issue.labels).map { " (priority:\($0))" } ?? "")
                        : "behind \(ahead.joined(separator: ", ")) (evaluated first; it moves up if they fail a gate)"
                )
            )
            let (verdict, why) = try await dispatchGates.evaluate(issue)
            switch verdict {
            case .pass:
                gates.append(Gate(gate: "trust and blockers", verdict: "pass", detail: why))
                pollerVerdict = ahead.isEmpty ? "would dispatch" : "would dispatch once nothing ahead of it can"
            case .fail(let reason):
                gates.append(Gate(gate: "trust and blockers", verdict: "fail", detail: reason.description))
                pollerVerdict = "would skip: \(reason)"
            }
        }
        if !issue.hasLabel(labels.ready) { pollerVerdict = "would not consider it (no \(labels.ready))" }
        if config.killSwitch || config.allowlist.isEmpty { pollerVerdict += " — but afk is disabled" }

        // The watcher, dry, on this one issue.
        var watcherVerdict = "not in flight (no \(labels.inProgress))"
        if issue.hasLabel(labels.inProgress) {
            let watcher = WatcherTick(
                tracker: tracker,
                lanes: lanes,
                notifiers: [],
                settings: TickSettings(
                    labels: labels,
                    botLogin: config.tracker.botLogin ?? "",
                    preamble: preamble,
                    dryRun: true
                ),
                logger: logger
            )
            let (actions, failures) = try await RepoWatch(tick: watcher, repo: repo, logger: logger)
                .run(onlyIssue: issue.number)
            if let action = actions.first(where: { $0.issue == issue.number }) {
                watcherVerdict = "would \(action.action.rawValue): \(action.reason)"
            } else if let failure = failures.first {
                watcherVerdict = "could not decide: \(failure.message)"
            }
        }
        return Output(
            issue: ref.description,
            title: issue.title,
            gates: gates,
            poller: pollerVerdict,
            watcher: watcherVerdict,
            pullRequest: try await pullRequestLine(issue, tracker: tracker, botLogin: config.tracker.botLogin ?? ""),
            history: try await history(of: issue, tracker: tracker, botLogin: config.tracker.botLogin ?? "")
        )
    }

    /// Every recorded run: its number, phase, when it was dispatched and what was last observed.
    func history(of issue: TrackerIssue, tracker: any Tracker, botLogin: String) async throws(ServiceError) -> [String]
    {
        RunHistory(comments: try await tracker.comments(on: issue.ref), botLogin: botLogin).entries
            .sorted { $0.record.run < $1.record.run }
            .map { entry in
                let record = entry.record
                var line =
                    "run \(record.run): \((record.phase ?? .dispatched).rawValue), dispatched \(record.dispatchedAt)"
                line += " on \(record.executor) (\(record.threadID))"
                if record.attempts > 0 { line += ", \(record.attempts) corrective turn(s)" }
                if let pr = record.pullRequest { line += ", pull request #\(pr)" }
                if let note = record.note { line += ": \(note)" }
                return line
            }
    }

    /// The latest run's pull request, its head's checks, its reviews and its mergeability, read
    /// now; nil for a run that pushes to the default branch.
    func pullRequestLine(_ issue: TrackerIssue, tracker: any Tracker, botLogin: String) async throws(ServiceError)
        -> String?
    {
        let history = RunHistory(comments: try await tracker.comments(on: issue.ref), botLogin: botLogin)
        guard let record = history.latest?.record, let branch = record.branch else { return nil }
        guard let number = record.pullRequest, let pr = try await tracker.pullRequest(number, in: issue.ref.repo)
        else { return "none yet for branch \(branch)" }
        var parts = ["#\(pr.number) \(pr.state.rawValue)", "head \(RunStateMachine.short(pr.headSHA))"]
        if pr.state == .open {
            parts.append(
                "CI " + CIVerdict.fold(try await tracker.ciStatus(of: pr.headSHA, in: issue.ref.repo)).description
            )
            let reviews = try await tracker.reviews(of: pr.number, in: issue.ref.repo)
            let standing = reviews.filter { $0.state == .approved || $0.state == .changesRequested }
            parts.append(
                standing.isEmpty
                    ? "no reviews"
                    : "reviews: " + standing.map { "\($0.author) \($0.state.rawValue)" }.joined(separator: ", ")
            )
            parts.append("mergeability \(pr.mergeability.rawValue)")
        }
        if let merged = record.mergedSHA ?? pr.mergeCommitSHA, pr.state == .merged {
            parts.append("merged as \(RunStateMachine.short(merged))")
        }
        if let url = pr.htmlURL { parts.append(url) }
        return parts.joined(separator: ", ")
    }

    static func text(_ output: Output) -> String {
        var lines = ["\(output.issue)" + (output.title.map { " — \($0)" } ?? "")]
        let width = output.gates.map(\.gate.count).max() ?? 0
        for gate in output.gates {
            let mark = gate.verdict == "pass" ? "✔" : gate.verdict == "fail" ? "✘" : "·"
            lines.append("  \(mark) \(gate.gate.padding(toLength: width, withPad: " ", startingAt: 0))  \(gate.detail)")
        }
        lines.append("poller:  \(output.poller)")
        lines.append("watcher: \(output.watcher)")
        if let pr = output.pullRequest { lines.append("pull request: \(pr)") }
        if !output.history.isEmpty {
            lines.append("runs:")
            lines += output.history.map { "  \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
