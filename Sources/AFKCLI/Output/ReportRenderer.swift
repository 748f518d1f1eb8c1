import AFKCore
import Foundation

/// Renders a ``TickReport`` on standard output.
public enum ReportRenderer {
    public enum Format: String, Sendable, CaseIterable { case text, json }

    /// `pretty`: indented JSON for a person at a terminal; otherwise one line (a log collector
    /// reading the pod's output keeps the report as one record).
    public static func render(_ report: TickReport, as format: Format, pretty: Bool = true) -> String {
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting =
                pretty
                ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
            return (try? encoder.encode(report)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        case .text:
            return text(report)
        }
    }

    static func text(_ report: TickReport) -> String {
        var lines: [String] = []
        let mode = report.dryRun ? " (dry run: nothing was written)" : ""
        if let disabled = report.disabled {
            return "\(report.program): disabled, did nothing: \(disabled)\(mode)"
        }
        lines.append("\(report.program): \(report.actions.count) issue(s) considered\(mode)")
        let width = report.actions.map { "\($0.repo)#\($0.issue)".count }.max() ?? 0
        for action in report.actions {
            let ref = "\(action.repo)#\(action.issue)".padding(toLength: width, withPad: " ", startingAt: 0)
            let verb = (action.dryRun ? "would \(action.action.rawValue)" : action.action.rawValue)
                .padding(toLength: 14, withPad: " ", startingAt: 0)
            lines.append("  \(ref)  \(verb)  \(action.reason)")
        }
        if !report.deferred.isEmpty {
            lines.append("deferred to the next tick:")
            for deferred in report.deferred {
                lines.append("  \(deferred.repo ?? "tick"): \(deferred.message)")
            }
        }
        if !report.errors.isEmpty {
            lines.append("errors:")
            for failure in report.errors {
                lines.append("  \(failure.repo ?? "tick"): \(failure.message)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
