import AFKAdapters
import AFKTesting
import AFKCore
import Foundation
import Testing

struct NotifierTests {
    let message = DoorbellMessage(
        kind: .frozen,
        issue: IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7),
        issueTitle: "Add a widget cache",
        detail: "aaaaaaa is red: budget spent",
        link: "https://github.com/acme/widgets/issues/7"
    )

    @Test func ntfyPublishesToTheTopicWithHeaders() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "POST",
            "/afk",
            json(200, #"{"id":"x","time":1,"event":"message","topic":"afk","message":"m"}"#)
        )
        let ntfy = NtfyNotifier(
            url: URL(string: "https://ntfy.test")!,
            topic: "afk",
            token: "tk_secret",
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 1),
            logger: quietLogger,
            sleep: { _ in }
        )
        try await ntfy.ring(message)
        let request = try #require(await transport.requests.first)
        #expect(request.url.absoluteString == "https://ntfy.test/afk")
        #expect(request.headers["Title"]?.contains("acme/widgets#7") == true)
        #expect(request.headers["Title"]?.allSatisfy(\.isASCII) == true)
        #expect(request.headers["Priority"] == "high")
        #expect(request.headers["Tags"] == "snowflake,afk")
        #expect(request.headers["Click"] == "https://github.com/acme/widgets/issues/7")
        #expect(request.headers["Authorization"] == "Bearer tk_secret")
        #expect(String(decoding: request.body ?? Data(), as: UTF8.self).contains("budget spent"))
    }

    @Test func ntfyWithoutTokenSendsNoAuthorization() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "/afk", json(200, "{}"))
        let ntfy = NtfyNotifier(
            url: URL(string: "https://ntfy.test")!,
            topic: "afk",
            token: nil,
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 1),
            logger: quietLogger,
            sleep: { _ in }
        )
        try await ntfy.ring(message)
        #expect(await transport.requests.first?.headers["Authorization"] == nil)
    }

    @Test func slackPostsTextNamingTheIssueAndNeverLeaksTheHook() async throws {
        let transport = ScriptedTransport()
        await transport.on("POST", "/services/T1/B2/secretpart", ServiceResponse(status: 200, body: Data("ok".utf8)))
        let slack = SlackNotifier(
            webhook: URL(string: "https://hooks.slack.test/services/T1/B2/secretpart")!,
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 1),
            logger: quietLogger,
            sleep: { _ in }
        )
        try await slack.ring(message)
        let body = try #require(await transport.requests.first?.jsonBody)
        #expect((body["text"] as? String)?.contains("acme/widgets#7") == true)

        let failing = ScriptedTransport()
        await failing.on(
            "POST",
            "/services/T1/B2/secretpart",
            ServiceResponse(status: 404, body: Data("no_service".utf8))
        )
        let broken = SlackNotifier(
            webhook: URL(string: "https://hooks.slack.test/services/T1/B2/secretpart")!,
            transport: failing,
            retry: RetryPolicy(budgetSeconds: 1),
            logger: quietLogger,
            sleep: { _ in }
        )
        do {
            try await broken.ring(message)
            Issue.record("expected a failure")
        } catch {
            #expect(error.description.contains("no_service"))
            #expect(!error.description.contains("secretpart"))
        }
    }
}
