import AFKAdapters
import Foundation

/// An ``HTTPTransport`` that answers from a script and records every request, for adapter
/// tests that need no server. Routes match on method and path (and on the raw query when the
/// route gives one); a route's last response repeats; an unscripted request gets a GitHub-shaped
/// 404.
///
/// ## Usage
/// ```swift
/// let transport = ScriptedTransport()
/// await transport.on("GET", "/repos/acme/widgets/issues", ServiceResponse(status: 200, body: data))
/// let tracker = GitHubTracker(..., transport: transport)
/// ```
public actor ScriptedTransport: HTTPTransport {
    struct Route {
        let method: String
        let path: String
        let query: String?
        var responses: [ServiceResponse]
    }

    private var routes: [Route] = []
    /// Every request sent, in order.
    public private(set) var requests: [ServiceRequest] = []

    public init() {}

    /// Answers `method path` (and `query`, when given) with `responses`, one per request.
    public func on(_ method: String, _ path: String, query: String? = nil, _ responses: ServiceResponse...) {
        routes.append(Route(method: method, path: path, query: query, responses: responses))
    }

    public nonisolated func send(_ request: ServiceRequest) async throws(TransportError) -> ServiceResponse {
        if let response = await answer(request) { return response }
        throw TransportError("no scripted response for \(request.method) \(request.url)")
    }

    private func answer(_ request: ServiceRequest) -> ServiceResponse? {
        requests.append(request)
        let path = request.url.path
        let query = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.percentEncodedQuery
        guard
            let index = routes.firstIndex(where: {
                $0.method == request.method && $0.path == path && ($0.query == nil || $0.query == query)
            })
        else { return ServiceResponse(status: 404, body: Data(#"{"message":"Not Found"}"#.utf8)) }
        if routes[index].responses.count > 1 { return routes[index].responses.removeFirst() }
        return routes[index].responses.first
    }
}
