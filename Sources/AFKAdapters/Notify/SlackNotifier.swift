import AFKCore
import Foundation
import Logging

/// Posts to a Slack incoming webhook: `{"text": …}`; success is 200 with the body `ok`, errors
/// are plain-text codes (https://api.slack.com/messaging/webhooks, "Handling errors"). The webhook
/// URL is a secret: it never appears in
/// messages, only the service name does.
public struct SlackNotifier: Notifier {
    public let effect = RunEffect.ringSlack
    public let serviceName = "Slack"
    let client: ServiceClient
    let webhook: URL

    public init(
        webhook: URL,
        transport: any HTTPTransport,
        retry: RetryPolicy,
        logger: Logger,
        sleep: @escaping @Sendable (Double) async -> Void = ServiceClient.realSleep
    ) {
        self.webhook = webhook
        self.client = ServiceClient(
            service: "Slack",
            baseURL: webhook,
            transport: transport,
            defaultHeaders: ["User-Agent": "afk"],
            retry: retry,
            logger: logger,
            sleep: sleep,
            redactPath: true
        )
    }

    public func ring(_ message: DoorbellMessage) async throws(ServiceError) {
        var text = "*\(message.title)*\n\(message.issueTitle)\n\(message.detail)"
        if let link = message.link { text += "\n<\(link)|Open \(message.issue)>" }
        let body = try? JSONSerialization.data(withJSONObject: ["text": text])
        let response = try await client.send(
            "POST",
            webhook,
            json: body,
            // A doorbell is delivered at least once: a second ring after a lost answer is better than none.
            idempotent: true
        )
        guard response.status == 200 else {
            throw ServiceError(
                service: "Slack",
                kind: .unexpectedStatus(response.status),
                message: "the incoming webhook answered HTTP \(response.status): \(response.bodyText.prefix(100))"
            )
        }
    }
}
