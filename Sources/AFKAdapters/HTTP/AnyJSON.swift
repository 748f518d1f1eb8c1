import Foundation

/// Any JSON value, for the parts of a payload whose schema is open (T3's `activity.payload`).
/// Read it field by field; never fails to decode valid JSON.
public enum AnyJSON: Hashable, Sendable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([AnyJSON])
    case object([String: AnyJSON])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let value = try? c.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? c.decode(Double.self) {
            self = .number(value)
        } else if let value = try? c.decode(String.self) {
            self = .string(value)
        } else if let value = try? c.decode([AnyJSON].self) {
            self = .array(value)
        } else {
            self = .object(try c.decode([String: AnyJSON].self))
        }
    }

    /// The member `key` of an object; nil for anything else.
    public subscript(key: String) -> AnyJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var array: [AnyJSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The value as one line of text: a string as it is, null as nil, anything else as compact
    /// JSON (keys sorted), cut to 300 characters.
    public var text: String? {
        switch self {
        case .null: return nil
        case .string(let value): return String(value.prefix(300))
        default:
            guard
                let data = try? JSONSerialization.data(
                    withJSONObject: foundation,
                    options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]
                )
            else { return nil }
            return String(String(decoding: data, as: UTF8.self).prefix(300))
        }
    }

    var foundation: Any {
        switch self {
        case .null: NSNull()
        case .bool(let value): value
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? Int(value) as Any : value as Any
        case .string(let value): value
        case .array(let values): values.map(\.foundation)
        case .object(let members): members.mapValues(\.foundation)
        }
    }
}
