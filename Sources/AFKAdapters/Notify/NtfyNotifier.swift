import AFKCore
import Foundation
import Logging

/// Publishes to ntfy: `POST {url}/{topic}` with the message as body and `Title`, `Priority`,
/// `Tags` and `Click` headers; `Authorization: Bearer` when a token is configured
/// (https://docs.ntfy.sh/publish/). Success is 200 with the message JSON.
public struct NtfyNotifier: Notifier {
    public let effect = RunEffect.ringNtfy
    public let serviceName = "ntfy"
    let client: ServiceClient
    let topic: String

    public init(
        url: URL,
        topic: String,
        token: String?,
        transport: any HTTPTransport,
        retry: RetryPolicy,
        logger: Logger,
        sleep: @escaping @Sendable (Double) async -> Void = ServiceClient.realSleep
    ) {
        var headers = ["User-Agent": "afk"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        self.client = ServiceClient(
            service: "ntfy",
            baseURL: url,
            transport: transport,
            defaultHeaders: headers,
            retry: retry,
            logger: logger,
            sleep: sleep
        )
        self.topic = topic
    }

    public func ring(_ message: DoorbellMessage) async throws(ServiceError) {
        var headers = [
            // Header values must be ASCII; ntfy turns the emoji short codes in Tags into emoji.
            "Title": Self.ascii(message.title),
            "Priority": message.kind == .done ? "default" : "high",
            "Tags": Self.tags(message.kind),
        ]
        if let link = message.link { headers["Click"] = link }
        let body = "\(message.issueTitle)\n\(message.detail)"
        let request = client.url("/" + ServiceClient.segment(topic))
        let response = try await client.send(
            "POST",
            request,
            json: nil,
            headers: headers,
            body: Data(body.utf8),
            // A doorbell is delivered at least once: a second ring after a lost answer is better than none.
            idempotent: true
        )
        try client.expect(response, [200], "publishing to ntfy topic \(topic)")
    }

    static func tags(_ kind: Doorbell) -> String {
        switch kind {
        case .done: "white_check_mark,afk"
        case .frozen: "snowflake,afk"
        case .needsHuman: "raising_hand,afk"
        case .reviewWanted: "eyes,afk"
        }
    }

    /// The title without its leading emoji (the tag carries it), ASCII only.
    static func ascii(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.isASCII }.map(Character.init)).trimmingCharacters(in: .whitespaces)
    }
}
