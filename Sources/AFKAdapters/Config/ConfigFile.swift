import Configuration
import Foundation
import Yams

/// The YAML configuration file, read so that no error ever echoes its content (it may hold
/// tokens): a syntax error names the file, line, column and the kind of problem only.
///
/// Every key is checked against ``ConfigKeys``: a key afk does not know is an error that names
/// it, where it is and the nearest valid key, never silently ignored (a misspelt
/// `fix_forward_max_attemps` would otherwise drop a safety net). A file holding nothing but
/// comments is an empty configuration.
struct ConfigFile {
    /// The values, keyed as the ``ConfigReader`` reads them.
    var values: [AbsoluteConfigKey: ConfigValue] = [:]
    /// What is wrong with the file, one sentence each.
    var problems: [String] = []
    /// The per-repository overrides: repository name as written → the override key paths.
    var overrides: [(name: String, line: Int, paths: [String])] = []
    /// Whether `repos` was present but not a map.
    var reposNotAMap = false

    let path: String

    /// Reads and checks the file at `path`.
    /// - Throws: when the file cannot be read or is not YAML at all (one plain sentence).
    static func load(_ path: String) throws(ConfigurationError) -> ConfigFile {
        let named = "config file \(path) (--config / AFK_CONFIG)"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigurationError("\(named) does not exist")
        }
        guard !isDirectory.boolValue else {
            throw ConfigurationError("\(named) is a directory; name the YAML file in it")
        }
        guard FileManager.default.isReadableFile(atPath: path), let data = FileManager.default.contents(atPath: path)
        else {
            throw ConfigurationError("\(named) cannot be read: check its permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("\(named) is not UTF-8 text")
        }
        var file = ConfigFile(path: path)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigurationError("config file \(path) is not valid YAML: \(Self.describe(error))")
        } catch {
            throw ConfigurationError("config file \(path) is not valid YAML")
        }
        guard let root, !Self.isNull(root) else { return file }  // empty, or only comments
        guard case .mapping(let mapping) = root else {
            throw ConfigurationError(
                "config file \(path) must hold a map of keys at the top level (line \(Self.line(root)))"
            )
        }
        file.walk(mapping, prefix: [], allowed: ConfigKeys.all.map(\.path))
        return file
    }

    /// The kind and place of a YAML error, never the text around it.
    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return "\(problem) at line \(mark.line), column \(mark.column)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "`\($0)`" }.joined(separator: ", ")
            return "duplicate key \(keys) at line \(context.mark.line), column \(context.mark.column)"
        case .reader(let problem, let offset, _, _):
            return problem + (offset.map { " at byte \($0)" } ?? "")
        case .dataCouldNotBeDecoded:
            return "not UTF-8 text"
        default:
            return "unreadable YAML"
        }
    }

    /// `key:` with nothing after it, `~` or `null`: the key is absent.
    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    static func line(_ node: Node) -> Int { node.mark?.line ?? 0 }

    /// Where a node is, for messages.
    func place(_ node: Node) -> String {
        "in \(path), line \(Self.line(node)), column \(node.mark?.column ?? 0)"
    }

    /// Walks a map of keys under `prefix`; `allowed` are the key paths valid at the top of this walk.
    mutating func walk(_ mapping: Node.Mapping, prefix: [String], allowed: [String], valuePrefix: [String] = []) {
        let sections = Set(
            allowed.flatMap { path in
                let parts = path.split(separator: ".")
                return (1..<max(1, parts.count)).map { parts.prefix($0).joined(separator: ".") }
            }
        )
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else {
                problems.append("a key \(place(keyNode)) is not a plain name")
                continue
            }
            let dotted = (prefix + [key]).joined(separator: ".")
            if prefix.isEmpty, valuePrefix.isEmpty, key == "repos" {
                readOverrides(valueNode)
                continue
            }
            if allowed.contains(dotted) {
                leaf(dotted, valueNode, key: valuePrefix + dotted.split(separator: ".").map(String.init))
            } else if sections.contains(dotted) {
                if Self.isNull(valueNode) { continue }
                guard case .mapping(let nested) = valueNode else {
                    let under = allowed.filter { $0.hasPrefix(dotted + ".") }.map { $0.dropFirst(dotted.count + 1) }
                    problems.append(
                        "`\(displayed(dotted, valuePrefix))` (\(place(keyNode))) must be a map of keys (\(under.joined(separator: ", ")))"
                    )
                    continue
                }
                walk(nested, prefix: prefix + [key], allowed: allowed, valuePrefix: valuePrefix)
            } else {
                var message = "unknown key `\(displayed(dotted, valuePrefix))` (\(place(keyNode)))"
                if valuePrefix.isEmpty || !ConfigKeys.all.contains(where: { $0.path == dotted }) {
                    if let near = ConfigKeys.nearest(
                        to: dotted,
                        among: allowed + sections.sorted() + (valuePrefix.isEmpty ? ["repos"] : [])
                    ) {
                        message += "; did you mean `\(displayed(near, valuePrefix))`?"
                    }
                }
                if !valuePrefix.isEmpty, ConfigKeys.spec(dotted) != nil {
                    message =
                        "`\(displayed(dotted, valuePrefix))` (\(place(keyNode))) is not a key a repository can override; "
                        + "those are: \(ConfigKeys.overridablePaths.joined(separator: ", "))"
                }
                problems.append(message)
            }
        }
    }

    func displayed(_ dotted: String, _ valuePrefix: [String]) -> String {
        (valuePrefix + [dotted]).joined(separator: ".")
    }

    /// A key's value: one scalar, or a list of scalars.
    mutating func leaf(_ dotted: String, _ node: Node, key: [String]) {
        let secret = ConfigKeys.spec(dotted)?.secret ?? false
        let name = key.joined(separator: ".")
        switch node {
        case .scalar(let scalar):
            if Self.isNull(node) { return }
            values[AbsoluteConfigKey(key)] = ConfigValue(.string(scalar.string), isSecret: secret)
        case .sequence(let sequence):
            var items: [String] = []
            for item in sequence {
                guard let text = item.scalar?.string else {
                    problems.append("`\(name)` (\(place(item))) must be a list of plain values")
                    return
                }
                items.append(text)
            }
            values[AbsoluteConfigKey(key)] = ConfigValue(.stringArray(items), isSecret: secret)
        case .mapping, .alias:
            problems.append("`\(name)` (\(place(node))) must be a single value or a list, not a map")
        }
    }

    /// `repos: {owner/name: {overridable keys}}`.
    mutating func readOverrides(_ node: Node) {
        if Self.isNull(node) { return }
        guard case .mapping(let repos) = node else {
            reposNotAMap = true
            problems.append("`repos` (\(place(node))) must be a map of owner/name to overrides")
            return
        }
        for (nameNode, overridesNode) in repos {
            guard let name = nameNode.scalar?.string else {
                problems.append("a key under `repos` (\(place(nameNode))) is not a repository name")
                continue
            }
            var paths: [String] = []
            if case .mapping(let map) = overridesNode {
                walk(map, prefix: [], allowed: ConfigKeys.overridablePaths, valuePrefix: ["repos", name])
                paths = Self.flatten(map)
            } else if !Self.isNull(overridesNode) {
                problems.append(
                    "`repos.\(name)` (\(place(overridesNode))) must be a map of overridable keys (\(ConfigKeys.overridablePaths.joined(separator: ", ")))"
                )
            }
            overrides.append((name, Self.line(nameNode), paths))
        }
    }

    /// Dotted paths of a map's leaves.
    static func flatten(_ map: Node.Mapping, prefix: String = "") -> [String] {
        map.flatMap { key, value -> [String] in
            let name = prefix + (key.scalar?.string ?? "?")
            if case .mapping(let nested) = value { return flatten(nested, prefix: name + ".") }
            return [name]
        }
    }
}
