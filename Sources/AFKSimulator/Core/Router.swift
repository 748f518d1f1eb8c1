import Foundation

/// A path template as API descriptions write them: `/repos/{owner}/{repo}/issues/{index}`.
///
/// A `{name}` part matches one path segment. A `{name...}` part matches one or more segments, joined with `/`,
/// for values that may hold slashes (a ref `feature/x`, a full name `acme/widgets`); a template has at most one,
/// and literal parts may follow it (`/commits/{ref...}/status`).
struct PathTemplate: Sendable, Equatable, CustomStringConvertible {
    enum Part: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        /// One or more segments.
        case rest(String)
    }

    let parts: [Part]

    init(_ text: String) {
        parts = text.split(separator: "/")
            .map { raw in
                guard raw.hasPrefix("{"), raw.hasSuffix("}") else { return .literal(String(raw)) }
                let name = raw.dropFirst().dropLast()
                return name.hasSuffix("...") ? .rest(String(name.dropLast(3))) : .parameter(String(name))
            }
    }

    /// The template as API descriptions spell it (`{ref...}` written `{ref}`).
    var description: String {
        "/"
            + parts.map { part in
                switch part {
                case .literal(let text): text
                case .parameter(let name), .rest(let name): "{\(name)}"
                }
            }
            .joined(separator: "/")
    }

    /// The parameters, when `segments` (percent-decoded) fit the template.
    func match(_ segments: [String]) -> [String: String]? {
        guard let restAt = parts.firstIndex(where: { if case .rest = $0 { true } else { false } }) else {
            guard parts.count == segments.count else { return nil }
            return Self.match(parts[...], segments[...])
        }
        let tailCount = parts.count - restAt - 1
        guard segments.count > restAt + tailCount,
            var params = Self.match(parts[..<restAt], segments[..<restAt]),
            let tail = Self.match(parts[(restAt + 1)...], segments[(segments.count - tailCount)...]),
            case .rest(let name) = parts[restAt]
        else { return nil }
        params.merge(tail) { $1 }
        params[name] = segments[restAt..<(segments.count - tailCount)].joined(separator: "/")
        return params
    }

    private static func match(_ parts: ArraySlice<Part>, _ segments: ArraySlice<String>) -> [String: String]? {
        var params: [String: String] = [:]
        for (part, segment) in zip(parts, segments) {
            switch part {
            case .literal(let text): guard text == segment else { return nil }
            case .parameter(let name), .rest(let name): params[name] = segment
            }
        }
        return params
    }
}

/// One operation a simulated service serves: a method and a path template, and what handles it.
struct Route<Handler: Sendable>: Sendable {
    let method: String
    let template: PathTemplate
    /// Answered before the service authenticates the caller (`GET /version`, a health check).
    let anonymous: Bool
    let handler: Handler

    init(_ method: String, _ template: String, anonymous: Bool = false, _ handler: Handler) {
        self.method = method
        self.template = PathTemplate(template)
        self.anonymous = anonymous
        self.handler = handler
    }

    static func get(_ template: String, anonymous: Bool = false, _ handler: Handler) -> Route {
        Route("GET", template, anonymous: anonymous, handler)
    }

    static func post(_ template: String, _ handler: Handler) -> Route { Route("POST", template, handler) }
    static func put(_ template: String, _ handler: Handler) -> Route { Route("PUT", template, handler) }
    static func delete(_ template: String, _ handler: Handler) -> Route { Route("DELETE", template, handler) }

    /// `METHOD /template`, as the public route lists (``Simulator/forgejoRoutes``, …) give it.
    var operation: String { "\(method) \(template)" }
}

/// A service's routes, matched in declaration order: the first route whose method and template fit wins, so a
/// literal route is declared before a parameter one that would also fit (`/issues/comments/{id}` before
/// `/issues/{index}/…`).
struct Router<Handler: Sendable>: Sendable {
    enum Match {
        case found(Handler, parameters: [String: String])
        /// The path fits a route, the method none: services that say so answer 405.
        case wrongMethod
        case notFound
    }

    let routes: [Route<Handler>]

    init(_ routes: [Route<Handler>]) {
        self.routes = routes
    }

    /// The route for a request, among the ``Route/anonymous`` routes or among the others: a service answers its
    /// anonymous routes first, then authenticates, then routes the rest.
    func match(_ method: String, _ segments: [String], anonymous: Bool = false) -> Match {
        var pathFits = false
        for route in routes where route.anonymous == anonymous {
            guard let parameters = route.template.match(segments) else { continue }
            if route.method == method { return .found(route.handler, parameters: parameters) }
            pathFits = true
        }
        return pathFits ? .wrongMethod : .notFound
    }

    /// Every operation, `METHOD /template`, in declaration order.
    var operations: [String] { routes.map(\.operation) }
}

/// What a route handler gets: the request, the template's parameters, and the service's per-request context
/// (the caller, the clock), whose members read as its own (`call.login`, `call.now`).
@dynamicMemberLookup
struct RouteCall<Context: Sendable>: Sendable {
    let request: SimRequest
    let parameters: [String: String]
    let context: Context

    /// A template parameter's (percent-decoded) value; `""` when the template has no such parameter.
    subscript(_ name: String) -> String { parameters[name] ?? "" }

    subscript<Value>(dynamicMember keyPath: KeyPath<Context, Value>) -> Value { context[keyPath: keyPath] }
}

/// The handler of a route of a service whose state is the value type `World`.
typealias WorldHandler<World, Context: Sendable> = @Sendable (inout World, RouteCall<Context>) -> SimResponse

extension RouteCall where Context == Date {
    /// The request's clock, for services whose only context it is.
    var now: Date { context }
}
