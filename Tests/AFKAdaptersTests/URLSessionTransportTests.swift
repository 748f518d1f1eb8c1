import AFKAdapters
import AFKTesting
import Foundation
import Testing

/// The real transport against a server that drops connections: a write never hangs on a dead
/// keep-alive connection, and its body always arrives whole.
@Suite(.timeLimit(.minutes(1)))
struct URLSessionTransportTests {
    /// A POST after a GET used to go out on the GET's pooled keep-alive connection. When the
    /// server had closed that connection after reading the POST's headers, libcurl re-sent the
    /// request on a fresh connection without its body (FoundationNetworking cannot rewind an
    /// `httpBody`) and the server waited for the body until its own timeout. Now every request
    /// with a body has a connection of its own: the body arrives, at once.
    @Test func aWriteAfterAKeepAliveReadArrivesWithItsBody() async throws {
        let server = try DroppingServer(.dropReusedConnections(bodyTimeoutSeconds: 5))
        defer { server.stop() }
        let transport = URLSessionTransport(timeoutSeconds: 20)
        let body = Data(#"{"body":"run record of acme/widgets#7"}"#.utf8)
        for round in 0..<3 {
            let read = try await transport.send(HTTPRequest(method: "GET", url: server.url.appendingPathComponent("issues")))
            #expect(read.status == 200)
            let write = try await transport.send(HTTPRequest(
                method: "POST", url: server.url.appendingPathComponent("comments"), headers: ["Content-Type": "application/json"], body: body))
            // 408: the server waited for a body that never came.
            #expect(write.status == 200, "round \(round): \(write.bodyText)")
        }
        let posts = server.received.filter { $0.method == "POST" }
        #expect(posts.allSatisfy { !$0.reused && $0.receivedLength == body.count }, "\(posts)")
    }

    /// A server that drops every connection fails the request at once, as "may have arrived".
    @Test func aDroppedConnectionFailsAtOnce() async throws {
        let server = try DroppingServer(.dropEveryConnection)
        defer { server.stop() }
        let transport = URLSessionTransport(timeoutSeconds: 20)
        let started = Date()
        await #expect(throws: TransportError.self) {
            try await transport.send(HTTPRequest(method: "POST", url: server.url.appendingPathComponent("execute"), body: Data("{}".utf8)))
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    /// A tick near its deadline gives its last request only the time left.
    @Test func aRequestTimeoutShorterThanTheSessionsIsHonoured() async throws {
        // A listener that never answers: accept, then read forever.
        let server = try DroppingServer(.dropReusedConnections(bodyTimeoutSeconds: 60))
        defer { server.stop() }
        let transport = URLSessionTransport(timeoutSeconds: 30)
        let started = Date()
        await #expect(throws: TransportError.self) {
            // Declares a body it never sends: the server waits for it, the client gives up first.
            try await transport.send(HTTPRequest(
                method: "POST", url: server.url, headers: ["Content-Length": "100"], body: Data("{}".utf8), timeoutSeconds: 2))
        }
        #expect(Date().timeIntervalSince(started) < 10)
    }
}
