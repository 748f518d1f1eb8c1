import Foundation

/// The operations of a real API, from a table extracted from its official description by
/// `scripts/extract-routes.py` (Forgejo's and Gitea's API v1 swagger, Woodpecker's swagger).
/// Tests check requests the adapters build, and routes the simulator serves, against it.
///
/// ## Usage
/// ```swift
/// let forgejo = try RouteTable.load(.forgejo)
/// #expect(forgejo.problems(method: "GET", path: "/api/v1/repos/acme/widgets/issues?state=open").isEmpty)
/// ```
public struct RouteTable: Sendable {
    /// The tables committed with the package.
    public enum Name: String, Sendable, CaseIterable {
        case forgejo = "forgejo-v1"
        case gitea = "gitea-v1"
        case woodpecker
    }

    /// One operation.
    public struct Operation: Sendable, Hashable {
        public let method: String
        /// The path template relative to ``RouteTable/basePath`` (`/repos/{owner}/{repo}/issues`).
        public let template: String
        public let queryParameters: Set<String>
        public let headerParameters: Set<String>

        var segments: [Substring] { template.split(separator: "/") }
    }

    public let name: Name
    /// Where the paths live on a server (`/api/v1`, `/api`).
    public let basePath: String
    public let operations: [Operation]

    /// Reads a table from the package's resources.
    public static func load(_ name: Name) throws -> RouteTable {
        guard
            let url = Bundle.module.url(
                forResource: name.rawValue,
                withExtension: "routes",
                subdirectory: "RouteTables"
            )
        else {
            throw Missing(name: name.rawValue)
        }
        return try parse(String(contentsOf: url, encoding: .utf8), name: name)
    }

    static func parse(_ text: String, name: Name) throws -> RouteTable {
        var basePath = ""
        var operations: [Operation] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# Base path: ") {
                basePath = String(line.dropFirst("# Base path: ".count)).trimmingCharacters(in: .whitespaces)
                continue
            }
            if line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4 else { throw Malformed(name: name.rawValue, line: String(line)) }
            let names = { (field: String) in Set(field.split(separator: ",").map(String.init)) }
            operations.append(
                Operation(
                    method: fields[0],
                    template: fields[1],
                    queryParameters: names(fields[2]),
                    headerParameters: names(fields[3])
                )
            )
        }
        return RouteTable(name: name, basePath: basePath, operations: operations)
    }

    /// The operation `method` on `template` exactly, if the API has it.
    public func operation(_ method: String, _ template: String) -> Operation? {
        operations.first { $0.method == method && $0.template == template }
    }

    /// The operation a concrete request path (below ``basePath``) is: the most literal template
    /// of that method whose segments match (`{x}` matches one segment; Woodpecker's trailing
    /// `{repo_full_name}` matches the rest).
    public func operation(matching method: String, path: String) -> Operation? {
        let segments = path.split(separator: "/")
        let matching = operations.filter { $0.method == method && Self.matches($0.segments, segments) }
        let literal = { (operation: Operation) in operation.segments.filter { !$0.hasPrefix("{") }.count }
        return matching.max { literal($0) < literal($1) }
    }

    static func matches(_ template: [Substring], _ segments: [Substring]) -> Bool {
        if template.last == "{repo_full_name}" {
            guard segments.count >= template.count else { return false }
            return zip(template.dropLast(), segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
        guard template.count == segments.count else { return false }
        return zip(template, segments)
            .allSatisfy { t, s in t == s || (t.hasPrefix("{") && t.hasSuffix("}") && !s.isEmpty) }
    }

    /// What is wrong with a request to `url` (a full URL on the server), if anything: a path
    /// outside the base path, no such path, no such method there, or undocumented query
    /// parameters (except those `tolerated` for an operation, keyed `METHOD template`).
    public func problems(method: String, url: URL, tolerated: [String: Set<String>] = [:]) -> [String] {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let path = components?.percentEncodedPath ?? url.path
        guard path.hasPrefix(basePath + "/") else { return ["path is not under \(basePath)"] }
        let relative = String(path.dropFirst(basePath.count))
        let segments = relative.split(separator: "/")
        guard operations.contains(where: { Self.matches($0.segments, segments) }) else { return ["no such path"] }
        guard let operation = operation(matching: method, path: relative) else {
            let methods = Set(operations.filter { Self.matches($0.segments, segments) }.map(\.method)).sorted()
            return ["no \(method) on this path (has \(methods.joined(separator: ", ")))"]
        }
        let sent = Set((components?.queryItems ?? []).map(\.name))
        let allowed = operation.queryParameters.union(tolerated["\(method) \(operation.template)"] ?? [])
        return sent.subtracting(allowed).sorted()
            .map {
                "query parameter \($0) is not in the API description for \(method) \(operation.template)"
            }
    }

    struct Missing: Error, CustomStringConvertible {
        let name: String
        var description: String { "RouteTables/\(name).routes is missing from the AFKTesting resources" }
    }

    struct Malformed: Error, CustomStringConvertible {
        let name: String
        let line: String
        var description: String {
            "RouteTables/\(name).routes has a line that is not METHOD<TAB>path<TAB>query<TAB>headers: \(line)"
        }
    }
}
