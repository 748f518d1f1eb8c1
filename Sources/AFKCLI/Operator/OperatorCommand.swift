import AFKAdapters
import AFKCore
import AFKVersion
import ArgumentParser
import Foundation

/// `afk`: the operator's commands, sharing the ticks' configuration. All of them are read-only.
public struct OperatorCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "afk",
        abstract: "Operate afk: see its runs, explain its decisions, check its configuration, create its labels.",
        discussion: """
            status, explain and check-config only read, whatever the service. labels sync is the one \
            command that writes (it creates afk's labels), and it too only reads with --dry-run.

            Exit status: 0 fine, 1 something failed or a check did not pass, 2 configuration or usage error.
            """,
        version: AFKVersion.line,
        subcommands: [
            StatusCommand.self, ExplainCommand.self, CheckConfigCommand.self, LabelsCommand.self, ConfigCommand.self,
            TrustBundleCommand.self,
        ]
    )

    public init() {}
}

/// Options shared by the operator commands (the ticks' options minus the tick-only ones).
public struct OperatorOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("YAML configuration file (defaults to $AFK_CONFIG).", valueName: "path"))
    public var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Directory of secret files (defaults to $AFK_SECRETS_DIR).", valueName: "path")
    )
    public var secretsDir: String?

    @Option(
        name: [.customShort("o"), .long],
        help: ArgumentHelp("Output on standard output: text, wide (more columns) or json.", valueName: "format")
    )
    public var output: OperatorFormat = .text

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Log format on standard error: text or json (defaults to $AFK_LOG_FORMAT, then text).",
            valueName: "format"
        )
    )
    public var logFormat: LineLogHandler.Format?

    public init() {}

    /// The tick environment these options describe, read-only unless `writes`: writes are refused.
    func environment(repo: String? = nil, writes: Bool = false) async throws(ConfigurationError) -> TickEnvironment {
        let inputs = TickProgram.Inputs(
            config: config,
            secretsDir: secretsDir,
            dryRun: !writes,
            output: output == .json ? .json : .text,
            logFormat: logFormat,
            repo: repo
        )
        return try await TickEnvironment.load(inputs, program: "afk", environment: ProcessInfo.processInfo.environment)
    }
}

/// Encodes a value as the commands' JSON output.
enum JSONOutput {
    static func render<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        // Indented at a terminal, one line otherwise (as the tick report).
        encoder.outputFormatting =
            LogDefaults.standardOutputIsTerminal
            ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// What the operator commands print: a table, a wider table, or JSON.
public enum OperatorFormat: String, Sendable, CaseIterable, ExpressibleByArgument {
    case text, wide, json
}
