@testable import AFKAdapters
import AFKTesting
import AFKCore
import Foundation
import Synchronization
import Testing

/// A tick is bounded: a failing service is given up for the rest of the tick, nothing starts
/// after the deadline or a stop, and a write whose outcome is unknown is never sent blindly again.
struct TickBoundsTests {
    /// Counts sends; refuses every connection, or answers `status`.
    final class CountingTransport: HTTPTransport, Sendable {
        let tickGuard: TickGuard?
        let status: Int?
        let sends = Mutex(0)

        init(status: Int?, guard tickGuard: TickGuard?) {
            self.status = status
            self.tickGuard = tickGuard
        }

        func send(_ request: ServiceRequest) async throws(TransportError) -> ServiceResponse {
            sends.withLock { $0 += 1 }
            guard let status else {
                throw TransportError("could not connect to t3.test (connection refused)", mayHaveArrived: false)
            }
            return ServiceResponse(status: status, body: Data(#"{"message":"gateway"}"#.utf8))
        }
    }

    func client(_ transport: any HTTPTransport, service: String = "T3", budget: Double = 30) -> ServiceClient {
        ServiceClient(
            service: service,
            baseURL: URL(string: "http://t3.test")!,
            transport: transport,
            defaultHeaders: [:],
            retry: RetryPolicy(budgetSeconds: budget),
            logger: quietLogger,
            sleep: { _ in }
        )
    }

    @Test func refusedConnectionsOpenTheBreakerAndLaterCallsAreNotSent() async throws {
        let tickGuard = TickGuard(deadlineSeconds: nil)
        let transport = CountingTransport(status: nil, guard: tickGuard)
        let t3 = client(transport)
        let first = await #expect(throws: ServiceError.self) {
            try await t3.send("GET", t3.url("/api/orchestration/snapshot"))
        }
        #expect(first?.message.contains("connection refused") == true, "\(first?.message ?? "")")
        #expect(transport.sends.withLock { $0 } == 3, "three refused connections in a row, then no more")
        for _ in 0..<10 {
            let later = await #expect(throws: ServiceError.self) {
                try await t3.send("GET", t3.url("/api/orchestration/threads/x"))
            }
            #expect(later?.message.contains("not asked again this tick") == true)
        }
        #expect(transport.sends.withLock { $0 } == 3)
        // Another service of the same tick is not affected.
        let other = CountingTransport(status: 200, guard: tickGuard)
        let github = client(other, service: "GitHub")
        #expect(try await github.send("GET", github.url("/user")).status == 200)
    }

    /// Waits until its task is cancelled, then fails the way NIOTransport does.
    final class HangingTransport: HTTPTransport, Sendable {
        let tickGuard: TickGuard?
        let sends = Mutex(0)

        init(guard tickGuard: TickGuard?) { self.tickGuard = tickGuard }

        func send(_ request: ServiceRequest) async throws(TransportError) -> ServiceResponse {
            let count = sends.withLock { value -> Int in
                value += 1
                return value
            }
            guard count == 1 else { return ServiceResponse(status: 200, body: Data("{}".utf8)) }
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
            throw TransportError("request to t3.test was cancelled", mayHaveArrived: true)
        }
    }

    /// A request whose task no longer wants the answer (a concurrent read abandoned) is given up
    /// at once: not retried, and not held against the service by the breaker.
    @Test func anAbandonedRequestIsNotRetriedAndOpensNoBreaker() async throws {
        let tickGuard = TickGuard(deadlineSeconds: nil, breakerThreshold: 1)
        let transport = HangingTransport(guard: tickGuard)
        let t3 = client(transport)
        let task = Task { () async throws(ServiceError) -> ServiceResponse in
            try await t3.send("GET", t3.url("/api/orchestration/snapshot"))
        }
        while transport.sends.withLock({ $0 }) == 0 { await Task.yield() }
        task.cancel()
        let result = await task.result
        guard case .failure(let failure) = result, let error = failure as? ServiceError else {
            Issue.record("expected the abandoned request to fail")
            return
        }
        #expect(error.message.contains("abandoned"), "\(error.message)")
        #expect(!error.outcomeUnknown)  // a GET may be sent again
        #expect(transport.sends.withLock { $0 } == 1)
        #expect(tickGuard.refusal(for: t3.breakerKey) == nil)
        #expect(try await t3.send("GET", t3.url("/api/orchestration/snapshot")).status == 200)
    }

    @Test func aSpentRetryBudgetOpensTheBreaker() async throws {
        let tickGuard = TickGuard(deadlineSeconds: nil)
        let transport = CountingTransport(status: 503, guard: tickGuard)
        let t3 = client(transport, budget: 4)
        _ = await #expect(throws: ServiceError.self) { try await t3.send("GET", t3.url("/a")) }
        let sent = transport.sends.withLock { $0 }
        _ = await #expect(throws: ServiceError.self) { try await t3.send("GET", t3.url("/b")) }
        #expect(transport.sends.withLock { $0 } == sent)
    }

    @Test func nothingIsSentAfterTheDeadlineOrAStop() async throws {
        let clock = Mutex(0.0)
        let tickGuard = TickGuard(deadlineSeconds: 10, clock: { clock.withLock { $0 } })
        let transport = CountingTransport(status: 200, guard: tickGuard)
        let t3 = client(transport)
        #expect(try await t3.send("GET", t3.url("/a")).status == 200)
        clock.withLock { $0 = 11 }
        #expect(tickGuard.haltReason?.contains("deadline") == true)
        let late = await #expect(throws: ServiceError.self) { try await t3.send("GET", t3.url("/b")) }
        #expect(late?.message.contains("tick.deadline_seconds") == true)
        let stopped = TickGuard(deadlineSeconds: nil)
        stopped.stop("stopped by SIGTERM")
        let other = CountingTransport(status: 200, guard: stopped)
        let refused = await #expect(throws: ServiceError.self) { try await client(other).send("GET", t3.url("/c")) }
        #expect(refused?.message.contains("stopped by SIGTERM") == true)
        #expect(other.sends.withLock { $0 } == 0)
    }

    @Test func noRequestOutlastsTheDeadline() async throws {
        actor Seen: HTTPTransport {
            var timeouts: [Double?] = []
            nonisolated let tickGuard: TickGuard?
            init(_ g: TickGuard) { tickGuard = g }
            func send(_ request: ServiceRequest) async throws(TransportError) -> ServiceResponse {
                timeouts.append(request.timeoutSeconds)
                return ServiceResponse(status: 200)
            }
        }
        let transport = Seen(TickGuard(deadlineSeconds: 7))
        _ = try await client(transport).send("GET", URL(string: "http://t3.test/a")!)
        let timeout = try #require(await transport.timeouts.first ?? nil)
        #expect(timeout <= 7 && timeout > 5)
    }

    /// A create that is not idempotent and got a gateway's 5xx may have been applied: it is never
    /// retried by the client, but reported as an unknown outcome.
    @Test(arguments: [500, 502, 503, 504])
    func aPostAnsweredWith5xxIsAnUnknownOutcomeNotARetry(status: Int) async throws {
        let transport = CountingTransport(status: status, guard: nil)
        let error = await #expect(throws: ServiceError.self) {
            try await client(transport).send("POST", URL(string: "http://t3.test/comments")!, json: Data("{}".utf8))
        }
        #expect(error?.outcomeUnknown == true)
        #expect(transport.sends.withLock { $0 } == 1)
        // Idempotent requests keep retrying.
        let get = CountingTransport(status: status, guard: nil)
        _ = await #expect(throws: ServiceError.self) {
            try await client(get, budget: 4).send("GET", URL(string: "http://t3.test/x")!)
        }
        #expect(get.sends.withLock { $0 } > 1)
    }

    /// A run comment whose POST got a 502 after GitHub applied it is found by its marker, not
    /// posted twice; one that really was lost is posted again, once.
    @Test(arguments: [true, false])
    func aCommentWhoseOutcomeIsUnknownIsFoundBeforeItIsPostedAgain(applied: Bool) async throws {
        let transport = ScriptedTransport()
        let record = RunRecord(
            run: 2,
            executor: "t3",
            threadID: "afk-acme~widgets-i7-r2",
            dispatchedAt: "2026-11-23T10:00:00Z"
        )
        let existing =
            #"{"id":77,"body":"run 2 \#(record.encodedMarker().replacingOccurrences(of: "\"", with: "\\\""))","user":{"login":"afk-bot"}}"#
        await transport.on(
            "POST",
            "/repos/acme/widgets/issues/7/comments",
            json(502, "<html><body>502 Bad Gateway</body></html>"),
            try Fixture.ok("github-comment-created", status: 201)
        )
        await transport.on("GET", "/repos/acme/widgets/issues/7/comments", json(200, applied ? "[\(existing)]" : "[]"))
        let gh = GitHubTracker(
            baseURL: URL(string: "https://api.github.test")!,
            token: "t",
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 0),
            logger: quietLogger,
            sleep: { _ in }
        )
        let ref = IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7)
        let comment = try await gh.createComment(
            on: ref,
            body: "run 2 " + record.encodedMarker(),
            by: "afk-bot",
            isSame: { RunHistory.isRecord(ofRun: 2, $0) }
        )
        let posts = await transport.requests.filter { $0.method == "POST" }.count
        if applied {
            #expect(comment.id == 77)
            #expect(posts == 1)
        } else {
            #expect(posts == 2)
        }
    }
}
