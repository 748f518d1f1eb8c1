import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// ``HTTPTransport`` over AsyncHTTPClient (SwiftNIO), the one HTTP client of every afk program.
///
/// Why not Foundation's URLSession: on Linux it funnels the work of every session through one
/// serial queue and blocks on it when a task is created, resumed or cancelled; under concurrent
/// requests (a test process, a tick with several requests in flight) that queue stalled and took
/// the whole process with it. And libcurl re-sent a request whose reused keep-alive connection
/// had died without its body (FoundationNetworking cannot rewind an `httpBody`), so the server
/// waited for it until its own timeout. NIO neither blocks a thread nor re-sends a request: a
/// dropped connection is an error at once, and ``ServiceClient`` decides what may be retried.
///
/// TLS trusts the system's CA bundle (in the cluster, the file `afk trust-bundle` writes).
public struct NIOTransport: HTTPTransport {
    /// The longest one request may take, connect to last byte.
    let timeoutSeconds: Double
    /// The largest response body read; a larger one is an error.
    static let maxBodyBytes = 32 * 1024 * 1024

    /// One client for the whole process (connections are pooled per host), never shut down: a
    /// tick program lives for one tick.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .follow(max: 5, allowCycles: false)
        configuration.timeout = .init(connect: .seconds(10))
        // The tick's FleetLimits bound requests per service (`http.max_in_flight`, at most 64);
        // the pool must not bound them again (its default is 8 per host, and services may share
        // a host behind one gateway).
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 128)
        // A refused connection fails its request at once; ServiceClient decides on retries (and
        // the breaker), not a pool that would keep trying until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// - Parameter timeoutSeconds: the longest one request may take, connect to last byte
    ///   (`http.timeout_seconds`); a request may ask for less (``ServiceRequest/timeoutSeconds``).
    public init(timeoutSeconds: Double) {
        self.timeoutSeconds = timeoutSeconds
    }

    public func send(_ request: ServiceRequest) async throws(TransportError) -> ServiceResponse {
        let host = request.url.host ?? "?"
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.replaceOrAdd(name: name, value: value) }
        if let body = request.body, !body.isEmpty {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        let seconds = max(0.001, min(timeoutSeconds, request.timeoutSeconds ?? timeoutSeconds))
        do {
            let response = try await Self.client.execute(outgoing, timeout: .milliseconds(Int64(seconds * 1000)))
            let buffer = try await response.body.collect(upTo: Self.maxBodyBytes)
            var headers: [String: String] = [:]
            for (name, value) in response.headers {
                let key = name.lowercased()
                headers[key] = headers[key].map { $0 + ", " + value } ?? value
            }
            return ServiceResponse(
                status: Int(response.status.code),
                headers: headers,
                body: Data(buffer.readableBytesView)
            )
        } catch {
            throw Self.transportError(error, host: host)
        }
    }

    /// What went wrong, in words, and whether the server may have received the request.
    static func transportError(_ error: any Error, host: String) -> TransportError {
        if error is CancellationError { return TransportError("request to \(host) was cancelled") }
        if error is NIOConnectionError {
            return TransportError(
                "could not connect to \(host) (connection refused or unreachable)",
                mayHaveArrived: false
            )
        }
        if let io = error as? IOError {
            let refused = [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL].contains(io.errnoCode)
            return TransportError("connection to \(host) failed: \(io.description)", mayHaveArrived: !refused)
        }
        if error is NIOSSLError || error is BoringSSLError {
            return TransportError("TLS connection to \(host) failed (\(error))", mayHaveArrived: false)
        }
        if let client = error as? HTTPClientError {
            switch client {
            case .connectTimeout, .tlsHandshakeTimeout, .httpProxyHandshakeTimeout, .socksHandshakeTimeout:
                return TransportError("could not connect to \(host) (\(client))", mayHaveArrived: false)
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return TransportError("request to \(host) timed out")
            case .remoteConnectionClosed:
                return TransportError("connection to \(host) was lost")
            case .cancelled:
                return TransportError("request to \(host) was cancelled")
            case .invalidURL, .emptyHost, .emptyScheme:
                return TransportError("request to \(host) has an invalid URL", mayHaveArrived: false)
            default:
                return TransportError("request to \(host) failed (\(client))")
            }
        }
        if error is NIOTooManyBytesError {
            return TransportError("\(host) answered with a body larger than \(maxBodyBytes / 1024 / 1024) MiB")
        }
        if let channel = error as? ChannelError, case .connectTimeout = channel {
            return TransportError("could not connect to \(host) (timed out)", mayHaveArrived: false)
        }
        return TransportError("request to \(host) failed (\(error))")
    }
}
