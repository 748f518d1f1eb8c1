import Foundation

/// A JSON value: request bodies are read into it and response payloads built with it.
///
/// Foundation does the text: `parse(_:)` decodes with `JSONDecoder`, ``data`` encodes with `JSONEncoder`.
/// Objects are unordered, as JSON's are; written out, their keys are sorted (the same payload is always the same
/// bytes) and `null` members stay explicit (`"closed_at": null`), as the real APIs write them.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Builds an object from pairs (a repeated key: the last one wins).
    public static func obj(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }))
    }

    /// Wraps an optional string: `nil` becomes `null`.
    public static func str(_ value: String?) -> JSONValue {
        value.map(JSONValue.string) ?? .null
    }

    /// Wraps an optional integer: `nil` becomes `null`.
    public static func num(_ value: Int64?) -> JSONValue {
        value.map(JSONValue.int) ?? .null
    }

    /// Wraps an `Int`.
    public static func num(_ value: Int) -> JSONValue {
        .int(Int64(value))
    }

    /// Looks up a member of an object.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// Whether an object has a member with this key (a `null` value still counts).
    public func has(_ key: String) -> Bool {
        objectValue?[key] != nil
    }

    /// The string payload, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The boolean payload, if this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The integer payload, if this is an integral number.
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9e15: return Int64(d)
        default: return nil
        }
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Whether this is an object.
    public var isObject: Bool {
        objectValue != nil
    }
}

// MARK: - Text

extension JSONValue {
    /// Parses one JSON document (RFC 8259); `nil` for anything else. Integral numbers become ``int(_:)`` when
    /// they fit, the others ``double(_:)``. `JSONDecoder` is a little more lenient than the RFC: it takes
    /// a trailing comma, and a repeated key keeps its first value.
    public static func parse(_ data: Data) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Parses JSON text from a string.
    public static func parse(_ text: String) -> JSONValue? {
        parse(Data(text.utf8))
    }

    /// Compact JSON as UTF-8 bytes, keys sorted, slashes unescaped.
    public var data: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding cannot fail: every case is a JSON value, and non-finite doubles are written as `null`.
        return (try? encoder.encode(self)) ?? Data("null".utf8)
    }

    /// Compact JSON text.
    public var text: String {
        String(decoding: data, as: UTF8.self)
    }
}

// MARK: - Codable

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
            return
        }
        if let b = try? c.decode(Bool.self) {
            self = .bool(b)
            return
        }
        if let i = try? c.decode(Int64.self) {
            self = .int(i)
            return
        }
        if let d = try? c.decode(Double.self) {
            self = .double(d)
            return
        }
        if let s = try? c.decode(String.self) {
            self = .string(s)
            return
        }
        if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
            return
        }
        self = .object(try c.decode([String: JSONValue].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d) where d.isFinite: try c.encode(d)
        case .double: try c.encodeNil()
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
