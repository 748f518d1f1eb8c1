import Foundation

/// Per-request context of the Forgejo/Gitea view: the server's behaviour, its `AppURL`, the caller and the clock.
struct ForgejoContext: Sendable {
    let config: ForgejoScenario
    /// `http://127.0.0.1:PORT/forgejo/` — Forgejo's `setting.AppURL` (with the trailing slash).
    let appURL: String
    /// The token's login (`""` before authentication).
    let login: String
    /// When the request is handled.
    let now: Date

    /// `…/forgejo/api/v1`.
    var api: String { appURL + "api/v1" }
    /// `setting.API.SwaggerURL`, the `url` of every API error body.
    var swaggerURL: String { appURL + "api/swagger" }
}
