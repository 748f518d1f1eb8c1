import AFKAdapters
import Foundation
import Logging

/// The log's defaults from the environment, for a pod spec that sets them once for every
/// program: `AFK_LOG_FORMAT` (`text`, `json`) and `AFK_LOG_LEVEL` (swift-log's levels: `trace`,
/// `debug`, `info`, `notice`, `warning`, `error`, `critical`). `--log-format` and `--verbose`
/// win over them.
enum LogDefaults {
    static func resolve(_ options: TickProgram.Inputs, environment: [String: String]) throws(ConfigurationError)
        -> (LineLogHandler.Format, Logger.Level)
    {
        var problems: [String] = []
        var format = options.logFormat ?? .text
        if options.logFormat == nil, let text = nonEmpty(environment["AFK_LOG_FORMAT"]) {
            if let parsed = LineLogHandler.Format(rawValue: text.lowercased()) {
                format = parsed
            } else {
                problems.append("AFK_LOG_FORMAT (environment) must be text or json, got \"\(text)\"")
            }
        }
        var level: Logger.Level = options.verbose ? .debug : .info
        if !options.verbose, let text = nonEmpty(environment["AFK_LOG_LEVEL"]) {
            if let parsed = Logger.Level(rawValue: text.lowercased()) {
                level = parsed
            } else {
                let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append("AFK_LOG_LEVEL (environment) must be one of \(names), got \"\(text)\"")
            }
        }
        if !problems.isEmpty { throw ConfigurationError(problems) }
        return (format, level)
    }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return text
    }

    /// Whether standard output is a terminal: JSON output is indented for a person there, and
    /// one line otherwise (a pod's log keeps each report as one record).
    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }
}
