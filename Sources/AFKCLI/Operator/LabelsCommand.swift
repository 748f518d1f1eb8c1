import AFKAdapters
import AFKCore
import ArgumentParser
import Foundation

/// `afk labels`: afk's labels in the allowlisted repositories.
struct LabelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Manage the labels afk relies on.",
        subcommands: [Sync.self]
    )

    /// `afk labels sync`: creates each of afk's four labels that a repository lacks, with a colour
    /// and a description. Existing labels are left exactly as they are, so running it again
    /// changes nothing.
    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync",
            abstract:
                "Create afk's labels (ready, in progress, human, paused) where an allowlisted repository lacks them.",
            discussion: """
                Labels that exist are never changed. Idempotent: run it as often as you like. With --dry-run it \
                only reads, and says what it would create. Works whether afk is armed or not (the kill switch \
                stops ticks, not this command), but only on allowlisted repositories.

                Exit status: 0 every label exists now (or would, in a dry run), 1 a repository could not be \
                read or a label not created, 2 configuration or usage error.
                """
        )

        @OptionGroup var options: OperatorOptions

        @Option(name: .long, help: ArgumentHelp("Only this allowlisted repository.", valueName: "owner/name"))
        var repo: String?

        @Flag(name: .long, help: "Read only: say which labels would be created.")
        var dryRun = false

        struct Result: Codable, Hashable {
            let repo: String
            let label: String
            /// `exists`, `created`, `would_create` or `failed`.
            let outcome: String
            let detail: String?
        }

        func run() async throws {
            let env: TickEnvironment
            let tracker: any Tracker
            let repos: [RepoRef]
            do throws(ConfigurationError) {
                env = try await options.environment(repo: repo, writes: !dryRun)
                if env.config.allowlist.isEmpty {
                    throw ConfigurationError(
                        "the allowlist (allowlist / AFK_ALLOWLIST) is empty: afk syncs labels only in allowlisted repositories"
                    )
                }
                repos = try env.repos()
                tracker = try env.tracker()
            } catch {
                CommandOutput.configurationError(error)
                throw ExitCode(2)
            }
            var results: [Result] = []
            for repo in repos {
                results += await Self.sync(repo, tracker: tracker, labels: env.config.labels, dryRun: dryRun)
            }
            switch options.output {
            case .json: CommandOutput.print(JSONOutput.render(["labels": results]))
            case .text, .wide: CommandOutput.print(results.map(Self.line).joined(separator: "\n"))
            }
            if results.contains(where: { $0.outcome == "failed" }) { throw ExitCode(1) }
        }

        static func sync(_ repo: RepoRef, tracker: any RepositoryAccess, labels: DispatchLabels, dryRun: Bool) async
            -> [Result]
        {
            var results: [Result] = []
            for label in labels.definitions {
                do {
                    if try await tracker.labelExists(label.name, in: repo) {
                        results.append(
                            Result(repo: repo.description, label: label.name, outcome: "exists", detail: nil)
                        )
                    } else if dryRun {
                        results.append(
                            Result(
                                repo: repo.description,
                                label: label.name,
                                outcome: "would_create",
                                detail: "#\(label.color) \(label.description)"
                            )
                        )
                    } else {
                        try await tracker.createLabel(label, in: repo)
                        results.append(
                            Result(
                                repo: repo.description,
                                label: label.name,
                                outcome: "created",
                                detail: "#\(label.color) \(label.description)"
                            )
                        )
                    }
                } catch {
                    results.append(
                        Result(repo: repo.description, label: label.name, outcome: "failed", detail: error.description)
                    )
                }
            }
            return results
        }

        static func line(_ result: Result) -> String {
            let mark =
                switch result.outcome {
                case "exists": "✔"
                case "created": "+"
                case "would_create": "·"
                default: "✘"
                }
            let what = result.outcome.replacingOccurrences(of: "_", with: " ")
            return "\(mark) \(result.repo) label \(result.label): \(what)" + (result.detail.map { " (\($0))" } ?? "")
        }
    }
}
