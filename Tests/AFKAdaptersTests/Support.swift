import AFKCore
import AFKAdapters
import Foundation
import Logging
import Testing

/// An ``HTTPTransport`` that answers from a script and records every request.
/// Routes match on method and path (query ignored unless the route gives one).
actor ScriptedTransport: HTTPTransport {
    struct Route {
        let method: String
        let path: String
        let query: String?
        var responses: [HTTPResponse]
    }

    private var routes: [Route] = []
    private(set) var requests: [HTTPRequest] = []

    func on(_ method: String, _ path: String, query: String? = nil, _ responses: HTTPResponse...) {
        routes.append(Route(method: method, path: path, query: query, responses: responses))
    }

    nonisolated func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        if let response = await answer(request) { return response }
        throw TransportError("no scripted route for \(request.method) \(request.url)")
    }

    private func answer(_ request: HTTPRequest) -> HTTPResponse? {
        requests.append(request)
        let path = request.url.path
        let query = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.percentEncodedQuery
        guard let index = routes.firstIndex(where: {
            $0.method == request.method && $0.path == path && ($0.query == nil || $0.query == query)
        }) else { return HTTPResponse(status: 404, body: Data(#"{"message":"Not Found"}"#.utf8)) }
        // The last response repeats.
        if routes[index].responses.count > 1 { return routes[index].responses.removeFirst() }
        return routes[index].responses.first
    }
}

enum Fixture {
    static func data(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
                               "fixture \(name).json is missing from Tests/AFKAdaptersTests/Fixtures")
        return try Data(contentsOf: url)
    }

    static func ok(_ name: String, status: Int = 200, headers: [String: String] = [:]) throws -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: try data(name))
    }
}

func json(_ status: Int, _ text: String, headers: [String: String] = [:]) -> HTTPResponse {
    HTTPResponse(status: status, headers: headers, body: Data(text.utf8))
}

/// Records sleeps instead of sleeping.
actor SleepLog {
    private(set) var seconds: [Double] = []
    func add(_ s: Double) { seconds.append(s) }
}

let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

extension HTTPRequest {
    var jsonBody: [String: Any]? {
        body.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    var query: [String: String] {
        Dictionary(
            (URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { a, _ in a })
    }
}

extension Executor {
    /// The agent states ``Executor/observe(threadIDs:)`` reports, without the turn details.
    func states(threadIDs: [String]) async throws(ServiceError) -> [String: AgentState] {
        try await observe(threadIDs: threadIDs).mapValues(\.state)
    }
}
