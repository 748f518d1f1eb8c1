import Foundation
import Logging

/// Log lines on standard error, as text for people or JSON lines for Loki.
///
/// Structured fields (`repo`, `issue`, `run`, `action`, ...) travel as metadata and become JSON
/// keys. Nothing here ever sees a token: adapters never log headers.
public struct LineLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable { case text, json }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let format: Format
    let write: @Sendable (String) -> Void

    public init(
        label: String,
        format: Format,
        level: Logger.Level = .info,
        write: @escaping @Sendable (String) -> Void = LineLogHandler.standardError
    ) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.write = write
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let timestamp = Date().formatted(.iso8601)
        switch format {
        case .text:
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            write("\(timestamp) \(event.level) \(label): \(event.message)" + (fields.isEmpty ? "" : " " + fields))
        case .json:
            var object: [String: Any] = [
                "ts": timestamp, "level": "\(event.level)", "logger": label, "msg": "\(event.message)",
            ]
            for (key, value) in merged { object[key] = Self.json(value) }
            let data =
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
                ?? Data()
            write(String(decoding: data, as: UTF8.self))
        }
    }

    static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let s):
            if let n = Int(s) { return n }
            if s == "true" || s == "false" { return s == "true" }
            return s
        case .stringConvertible(let c): return "\(c)"
        case .array(let a): return a.map(json)
        case .dictionary(let d): return d.mapValues(json)
        }
    }
}
