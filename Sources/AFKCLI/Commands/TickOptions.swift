import AFKCore
import ArgumentParser
import Foundation

/// The flags every tick program shares.
public struct TickOptions: ParsableArguments, Sendable {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "YAML configuration file (defaults to $AFK_CONFIG; environment variables override it).",
            valueName: "path"
        )
    )
    public var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Directory of secret files, e.g. a mounted Kubernetes Secret (defaults to $AFK_SECRETS_DIR).",
            valueName: "path"
        )
    )
    public var secretsDir: String?

    @Flag(
        name: .long,
        help: "Read everything, write nothing, notify no one: send only GET requests and report the plan."
    )
    public var dryRun = false

    @Option(name: .long, help: ArgumentHelp("Report format on standard output: text or json.", valueName: "format"))
    public var output: ReportRenderer.Format = .text

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Log format on standard error: text or json (defaults to $AFK_LOG_FORMAT, then text).",
            valueName: "format"
        )
    )
    public var logFormat: LineLogHandler.Format?

    @Option(
        name: .long,
        help: ArgumentHelp("Only this allowlisted repository (a manual one-shot tick).", valueName: "owner/name")
    )
    public var repo: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only this shard of the allowlist: i/n with 0 ≤ i < n, split by a stable hash of each repository (one of n CronJobs, or an Indexed Job's $(JOB_COMPLETION_INDEX)/n).",
            valueName: "i/n"
        )
    )
    public var shard: String?

    @Flag(name: .long, help: "Log debug detail (each HTTP retry and decision); without it, $AFK_LOG_LEVEL or info.")
    public var verbose = false

    public init() {}

    public var inputs: TickProgram.Inputs {
        var inputs = TickProgram.Inputs(
            config: config,
            secretsDir: secretsDir,
            dryRun: dryRun,
            output: output,
            logFormat: logFormat,
            repo: repo,
            verbose: verbose
        )
        inputs.shard = shard
        inputs.handleSIGTERM = true
        return inputs
    }
}

extension ReportRenderer.Format: ExpressibleByArgument {}
extension LineLogHandler.Format: ExpressibleByArgument {}
