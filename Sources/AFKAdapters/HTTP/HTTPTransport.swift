import Foundation

/// One HTTP request as afk's adapters build it.
public struct ServiceRequest: Sendable, Hashable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Data?
    /// The longest this request may take, when shorter than the transport's own timeout (a tick
    /// near its deadline).
    public var timeoutSeconds: Double?

    public init(
        method: String,
        url: URL,
        headers: [String: String] = [:],
        body: Data? = nil,
        timeoutSeconds: Double? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
    }

    /// GET and HEAD change nothing; everything else is a write.
    public var isRead: Bool { method == "GET" || method == "HEAD" }
}

/// One HTTP response. Header names are lower-cased.
public struct ServiceResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// The single seam through which every adapter talks HTTP.
public protocol HTTPTransport: Sendable {
    /// Sends the request and returns whatever status came back. Throws ``TransportError``
    /// only when no response arrived (refused, reset, timed out).
    func send(_ request: ServiceRequest) async throws(TransportError) -> ServiceResponse

    /// What bounds the tick this transport serves (deadline, stop request, per-service
    /// breakers), if anything does. ``ServiceClient`` consults it before every attempt.
    var tickGuard: TickGuard? { get }
}

extension HTTPTransport {
    public var tickGuard: TickGuard? { nil }
}

/// A transport bound to one tick's ``TickGuard``.
public struct GuardedTransport: HTTPTransport {
    let upstream: any HTTPTransport
    public let tickGuard: TickGuard?

    public init(_ upstream: any HTTPTransport, guard tickGuard: TickGuard) {
        self.upstream = upstream
        self.tickGuard = tickGuard
    }

    public func send(_ request: ServiceRequest) async throws(TransportError) -> ServiceResponse {
        try await upstream.send(request)
    }
}

/// No response arrived.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    /// False only when the request certainly never reached the server (no connection, no
    /// name, TLS refused); a timeout or a dropped connection may have delivered it.
    public let mayHaveArrived: Bool
    public init(_ message: String, mayHaveArrived: Bool = true) {
        self.message = message
        self.mayHaveArrived = mayHaveArrived
    }
    public var description: String { message }
}

/// Refuses every write. The dry-run tick never issues one; this makes sure of it.
public struct ReadOnlyTransport: HTTPTransport {
    let upstream: any HTTPTransport

    public init(_ upstream: any HTTPTransport) { self.upstream = upstream }

    public var tickGuard: TickGuard? { upstream.tickGuard }

    public func send(_ request: ServiceRequest) async throws(TransportError) -> ServiceResponse {
        guard request.isRead else {
            throw TransportError("dry run: refused to send \(request.method) \(request.url.path)")
        }
        return try await upstream.send(request)
    }
}
