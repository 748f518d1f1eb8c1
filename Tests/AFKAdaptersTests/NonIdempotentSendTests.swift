import AFKAdapters
import AFKCore
import Foundation
import Logging
import Testing

/// `ServiceClient.send(…, idempotent: false)`: a submission without an idempotency key is never
/// sent twice once the server may have received it.
struct NonIdempotentSendTests {
    /// Fails the first sends with `failure`, then answers 202.
    actor FlakyTransport: HTTPTransport {
        let failure: TransportError
        var failuresLeft: Int
        private(set) var sends = 0

        init(_ failure: TransportError, times: Int) {
            self.failure = failure
            self.failuresLeft = times
        }

        func send(_ request: ServiceRequest) async throws(TransportError) -> ServiceResponse {
            sends += 1
            if failuresLeft > 0 {
                failuresLeft -= 1
                throw failure
            }
            return ServiceResponse(status: 202, body: Data(#"{"job_id":"0123456789ab","status":"queued"}"#.utf8))
        }
    }

    func client(_ transport: any HTTPTransport) -> ServiceClient {
        ServiceClient(
            service: "job runner",
            baseURL: URL(string: "http://runner.test")!,
            transport: transport,
            defaultHeaders: [:],
            retry: RetryPolicy(budgetSeconds: 30),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
            sleep: { _ in }
        )
    }

    @Test func aTimeoutAfterSendingIsNotRetriedAndSaysTheOutcomeIsUnknown() async throws {
        let transport = FlakyTransport(
            TransportError("request to runner.test timed out", mayHaveArrived: true),
            times: 1
        )
        do {
            _ = try await client(transport)
                .send("POST", URL(string: "http://runner.test/execute")!, json: Data("{}".utf8), idempotent: false)
            Issue.record("a timed-out submission was reported as done")
        } catch {
            #expect(error.outcomeUnknown)
            #expect(error.message.contains("may or may not have been carried out"))
        }
        #expect(await transport.sends == 1)
    }

    @Test func aRefusedConnectionIsRetriedBecauseNothingArrived() async throws {
        let transport = FlakyTransport(
            TransportError("could not connect to runner.test (connection refused)", mayHaveArrived: false),
            times: 2
        )
        let response = try await client(transport)
            .send("POST", URL(string: "http://runner.test/execute")!, json: Data("{}".utf8), idempotent: false)
        #expect(response.status == 202)
        #expect(await transport.sends == 3)
    }

    @Test func idempotentRequestsStillRetryTimeouts() async throws {
        let transport = FlakyTransport(TransportError("request to runner.test timed out"), times: 1)
        let response = try await client(transport).send("GET", URL(string: "http://runner.test/jobs/x")!)
        #expect(response.status == 202)
        #expect(await transport.sends == 2)
    }
}
