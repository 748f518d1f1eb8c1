import AFKAdapters
import AFKCore
import Foundation

extension TickEnvironment {
    /// The tick's one ``AppTokenProvider`` when `tracker.app_id` is set: every GitHub client of
    /// the tick shares its tokens and its per-repository installation look-ups.
    func makeAppTokens() -> AppTokenProvider? {
        guard let app = config.tracker.app, config.tracker.kind == .github else { return nil }
        return AppTokenProvider(
            appID: app.appID,
            key: app.privateKey,
            installationID: app.installationID,
            defaultRepo: config.allowlist.first,
            baseURL: config.tracker.url,
            // Not `transport`: a dry run (and every operator command) refuses POSTs, but minting an
            // installation token (`POST /app/installations/{id}/access_tokens`) changes nothing
            // in the tracker, and without it a dry run could read nothing.
            transport: GuardedTransport(NIOTransport(timeoutSeconds: config.http.timeoutSeconds), guard: tickGuard),
            retry: retry,
            logger: logger
        )
    }

    func appTracker(_ app: AppTokenProvider) -> any Tracker {
        GitHubTracker(baseURL: config.tracker.url, app: app, transport: transport, retry: retry, logger: logger)
    }
}
