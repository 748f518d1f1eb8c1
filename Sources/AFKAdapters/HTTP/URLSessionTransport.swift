import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// ``HTTPTransport`` over Foundation's URLSession (libcurl on Linux).
///
/// **Requests with a body never use a pooled connection.** libcurl re-sends a request whose
/// reused keep-alive connection turns out to be dead on a fresh connection, after asking the
/// body's source to rewind; swift-corelibs-foundation answers that rewind "done" without doing
/// it for an `httpBody` (`_NativeProtocol.seekInputStream(to:)` only consults a delegate's
/// `needNewBodyStream`), so the retry went out with its headers and `Content-Length` but no
/// body, and the server waited for it until its own timeout (21 s in a fault run). libcurl
/// retries only reused connections, so a body sent on a connection of its own either arrives
/// whole or fails at once. Reads keep the connection pool.
public struct URLSessionTransport: HTTPTransport {
    let configuration: URLSessionConfiguration
    let session: URLSession
    let timeoutSeconds: Double

    /// - Parameter timeoutSeconds: the longest one request may take, connect to last byte.
    public init(timeoutSeconds: Double) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.timeoutIntervalForResource = timeoutSeconds
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        self.configuration = configuration
        self.session = URLSession(configuration: configuration)
        self.timeoutSeconds = timeoutSeconds
    }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        urlRequest.timeoutInterval = min(timeoutSeconds, request.timeoutSeconds ?? timeoutSeconds)
        var session = self.session
        if let body = request.body, !body.isEmpty {
            urlRequest.httpBody = body
            session = URLSession(configuration: configuration)  // a connection of its own (see above)
        }
        defer { if session !== self.session { session.finishTasksAndInvalidate() } }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: urlRequest)
        } catch let error as URLError {
            throw TransportError(Self.describe(error, host: request.url.host ?? "?"), mayHaveArrived: Self.mayHaveArrived(error))
        } catch {
            throw TransportError("request to \(request.url.host ?? "?") failed: \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else {
            throw TransportError("\(request.url.host ?? "?") answered with something other than HTTP")
        }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            guard let name = key as? String else { continue }
            headers[name.lowercased()] = value as? String ?? "\(value)"
        }
        return HTTPResponse(status: http.statusCode, headers: headers, body: data)
    }

    /// Whether the server may have received the request before the failure.
    static func mayHaveArrived(_ error: URLError) -> Bool {
        switch error.code {
        case .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed, .notConnectedToInternet, .secureConnectionFailed,
             .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            false
        default:
            true
        }
    }

    static func describe(_ error: URLError, host: String) -> String {
        switch error.code {
        case .timedOut: "request to \(host) timed out"
        case .cannotConnectToHost: "could not connect to \(host) (connection refused)"
        case .cannotFindHost, .dnsLookupFailed: "could not resolve \(host)"
        case .networkConnectionLost: "connection to \(host) was lost"
        case .cancelled: "request to \(host) was cancelled"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            "TLS connection to \(host) failed (\(error.code.rawValue))"
        default: "request to \(host) failed (URLError \(error.code.rawValue))"
        }
    }
}
