import AFKAdapters
import Foundation

/// Plain HTTP requests from tests, through afk's own transport (``NIOTransport``): it never
/// blocks a thread of Swift's cooperative pool, so many tests may talk HTTP at once.
public enum TestHTTP {
    public struct Reply: Sendable {
        public let status: Int
        /// Lower-cased names.
        public let headers: [String: String]
        public let body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    static let transport = NIOTransport(timeoutSeconds: 30)

    public static func send(_ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil)
        async throws -> Reply
    {
        let response = try await transport.send(ServiceRequest(method: method, url: url, headers: headers, body: body))
        return Reply(status: response.status, headers: response.headers, body: response.body)
    }
}
