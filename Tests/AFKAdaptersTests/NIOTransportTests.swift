import AFKAdapters
import AFKTesting
import Foundation
import Testing

/// The real transport against a server that drops connections: a write never hangs on a dead
/// keep-alive connection, and its body always arrives whole.
@Suite(.timeLimit(.minutes(1)))
struct NIOTransportTests {
    /// A POST after a GET may go out on the GET's pooled keep-alive connection. When the server
    /// closes that connection after reading the POST's headers, the write must neither hang nor
    /// be re-sent without its body (libcurl did both: the server waited for a body that never
    /// came, 21 s): it either arrives whole or fails at once, and ``ServiceClient`` decides
    /// whether it may be sent again.
    @Test func aWriteOnAConnectionDroppedAfterItsHeadersNeverHangsNorLosesItsBody() async throws {
        let server = try DroppingServer(.dropReusedConnections(bodyTimeoutSeconds: 5))
        defer { server.stop() }
        let transport = NIOTransport(timeoutSeconds: 20)
        let body = Data(#"{"body":"run record of acme/widgets#7"}"#.utf8)
        for round in 0..<3 {
            let read = try await transport.send(
                ServiceRequest(method: "GET", url: server.url.appendingPathComponent("issues"))
            )
            #expect(read.status == 200)
            let started = Date()
            do {
                let write = try await transport.send(
                    ServiceRequest(
                        method: "POST",
                        url: server.url.appendingPathComponent("comments"),
                        headers: ["Content-Type": "application/json"],
                        body: body
                    )
                )
                #expect(write.status == 200, "round \(round): the body did not arrive whole (\(write.bodyText))")
            } catch {
                #expect(error.mayHaveArrived, "round \(round): a dropped write may have arrived")
            }
            // Well under the 20 s timeout: it did not wait on the dead connection (slack for a loaded machine).
            #expect(Date().timeIntervalSince(started) < 10, "round \(round): the write waited on a dead connection")
        }
        // Never a request without its body: every POST the server read whole, or was dropped after its headers.
        let posts = server.received.filter { $0.method == "POST" }
        #expect(posts.allSatisfy { $0.reused || $0.receivedLength == body.count }, "\(posts)")
    }

    /// A server that drops every connection fails the request at once, as "may have arrived".
    @Test func aDroppedConnectionFailsAtOnce() async throws {
        let server = try DroppingServer(.dropEveryConnection)
        defer { server.stop() }
        let transport = NIOTransport(timeoutSeconds: 20)
        let started = Date()
        await #expect(throws: TransportError.self) {
            try await transport.send(
                ServiceRequest(method: "POST", url: server.url.appendingPathComponent("execute"), body: Data("{}".utf8))
            )
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    /// A tick near its deadline gives its last request only the time left.
    @Test func aRequestTimeoutShorterThanTheTransportsIsHonoured() async throws {
        let server = try DroppingServer(.neverAnswer)
        defer { server.stop() }
        let transport = NIOTransport(timeoutSeconds: 30)
        let started = Date()
        let error = await #expect(throws: TransportError.self) {
            try await transport.send(ServiceRequest(method: "GET", url: server.url, timeoutSeconds: 1))
        }
        #expect(error?.message.contains("timed out") == true, "\(error?.message ?? "")")
        #expect(error?.mayHaveArrived == true)
        #expect(Date().timeIntervalSince(started) < 10)
    }

    /// Nobody listening: certainly not arrived, so even a write may be sent again.
    @Test func aRefusedConnectionNeverArrived() async throws {
        let error = await #expect(throws: TransportError.self) {
            try await NIOTransport(timeoutSeconds: 5)
                .send(
                    ServiceRequest(
                        method: "POST",
                        url: URL(string: "http://127.0.0.1:9/execute")!,
                        body: Data("{}".utf8)
                    )
                )
        }
        #expect(error?.mayHaveArrived == false, "\(error?.message ?? "")")
    }
}
