import Foundation

/// What ``ConfigKeys`` says about the keys, rendered for people and editors: the README's
/// configuration table and a JSON Schema of the YAML file.
public enum ConfigDocs {
    /// The README's configuration table (Markdown), one row per key in table order, then the
    /// per-repository overrides. `afk config table` prints it; a test keeps the README in step.
    public static func markdownTable() -> String {
        var lines = ["| key | environment variable | default | meaning |", "|---|---|---|---|"]
        for spec in ConfigKeys.all {
            lines.append("| `\(spec.path)` | `\(spec.environmentName)` | \(spec.defaultText) | \(spec.doc) |")
        }
        lines.append(
            """
            | `repos.<owner/name>.…` | `AFK_REPOS_<OWNER>_<NAME>_…` | the global key | Per-repository value of any \
            \(overridableSummary) key. The repository is matched to the allowlist case-insensitively. A repository that is \
            not on the allowlist, or a key that cannot be overridden, is a configuration error rather than silently ignored. |
            """
        )
        return lines.joined(separator: "\n")
    }

    /// `executor.*`, `budget_usd`, … : the overridable keys, grouped by section.
    static var overridableSummary: String {
        var seen: [String] = []
        for path in ConfigKeys.overridablePaths {
            let parts = path.split(separator: ".")
            let shown = parts.count > 1 ? "`\(parts[0]).*`" : "`\(path)`"
            if !seen.contains(shown) { seen.append(shown) }
        }
        return seen.dropLast().joined(separator: ", ") + " or " + (seen.last ?? "")
    }

    /// A JSON Schema (draft 2020-12) of afk's YAML configuration file, for editors: every key with
    /// its type, bounds, default and one-line doc; unknown keys are not allowed (afk rejects them).
    public static func jsonSchema() -> [String: Any] {
        var root = section(ConfigKeys.all, prefix: "")
        var overrides = section(ConfigKeys.all.filter(\.overridable), prefix: "")
        overrides["description"] = "Keys that replace the global value for this repository only."
        var properties = root["properties"] as? [String: Any] ?? [:]
        properties["repos"] =
            [
                "type": ["object", "null"],
                "description": "Per-repository overrides, by repository owner/name (it must be on the allowlist).",
                "propertyNames": ["pattern": "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"],
                "additionalProperties": overrides,
            ] as [String: Any]
        root["properties"] = properties
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        root["title"] = "afk configuration"
        root["description"] =
            "afk's YAML configuration file (--config / AFK_CONFIG). Environment variables AFK_<KEY> override it."
        return root
    }

    /// An object schema for the keys under `prefix` (nested sections become nested objects).
    static func section(_ specs: [ConfigKeySpec], prefix: String) -> [String: Any] {
        var properties: [String: Any] = [:]
        var sections: [String: [ConfigKeySpec]] = [:]
        for spec in specs {
            let rest = String(spec.path.dropFirst(prefix.count))
            if let dot = rest.firstIndex(of: ".") {
                sections[String(rest[..<dot]), default: []].append(spec)
            } else {
                properties[rest] = schema(spec)
            }
        }
        for (name, members) in sections {
            var nested = section(members, prefix: prefix + name + ".")
            nested["type"] = ["object", "null"]  // `notify:` with everything below commented out
            properties[name] = nested
        }
        return ["type": "object", "additionalProperties": false, "properties": properties]
    }

    static func schema(_ spec: ConfigKeySpec) -> [String: Any] {
        var schema = type(spec.type)
        var description = spec.doc.replacingOccurrences(of: "`", with: "")
        if spec.secret {
            description = "Secret: prefer \(spec.environmentName) or a file in the secrets directory. " + description
            schema["writeOnly"] = true
        }
        schema["description"] = description + " Environment: \(spec.environmentName)."
        if let value = defaultValue(spec) { schema["default"] = value }
        return schema
    }

    static func type(_ type: ConfigKeySpec.ValueType) -> [String: Any] {
        switch type {
        case .bool:
            return ["type": "boolean"]
        case .string, .label:
            return ["type": "string", "minLength": 1]
        case .slug:
            return ["type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_-]{0,63}$"]
        case .repository:
            return ["type": "string", "pattern": "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"]
        case .deployment:
            return ["type": "string", "pattern": "^([a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[a-z0-9]([-a-z0-9]*[a-z0-9])?$"]
        case .namespace:
            return ["type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63]
        case .integer(let minimum, let maximum):
            var schema: [String: Any] = ["type": "integer", "minimum": minimum]
            if let maximum { schema["maximum"] = maximum }
            return schema
        case .number(let minimum, let exclusive):
            return ["type": "number", exclusive ? "exclusiveMinimum" : "minimum": minimum]
        case .url:
            return ["type": "string", "format": "uri", "pattern": "^https?://[^?]+$"]
        case .choice(let values):
            return ["type": "string", "enum": values]
        case .list(let element):
            return [
                "anyOf": [
                    ["type": "array", "items": Self.type(element)],
                    ["type": "string", "description": "comma-separated"],
                ]
            ]
        }
    }

    /// The default as a JSON value, where the table's words are a literal.
    static func defaultValue(_ spec: ConfigKeySpec) -> Any? {
        let text = spec.defaultText.trimmingCharacters(in: CharacterSet(charactersIn: "`"))
        guard spec.defaultText.hasPrefix("`") || spec.defaultText == "true" else { return nil }
        switch spec.type {
        case .bool: return text == "true"
        case .integer: return Int(text)
        case .number: return Double(text)
        case .list: return nil
        default: return text
        }
    }

    /// ``jsonSchema()`` as pretty-printed JSON with sorted keys.
    public static func jsonSchemaText() -> String {
        let data =
            (try? JSONSerialization.data(
                withJSONObject: jsonSchema(),
                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            )) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
