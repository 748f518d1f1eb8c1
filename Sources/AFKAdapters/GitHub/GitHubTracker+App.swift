import AFKCore
import Foundation
import Logging

extension GitHubTracker {
    /// A tracker that authenticates as a GitHub App installation: `app` supplies a current
    /// installation token for each request (see ``AppTokenProvider``).
    public init(
        baseURL: URL,
        app: AppTokenProvider,
        transport: any HTTPTransport,
        retry: RetryPolicy,
        logger: Logger,
        sleep: @escaping @Sendable (Double) async -> Void = ServiceClient.realSleep
    ) {
        self.client = ServiceClient(
            service: "GitHub",
            baseURL: baseURL,
            transport: transport,
            defaultHeaders: Self.standardHeaders,
            retry: retry,
            logger: logger,
            sleep: sleep,
            authorizer: app
        )
    }

    /// The App behind this tracker's tokens; nil with a personal or fine-grained token.
    public var appTokens: AppTokenProvider? { client.authorizer as? AppTokenProvider }
}
