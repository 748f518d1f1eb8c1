import AFKCore
import Foundation
import Logging

/// Authenticates afk as a GitHub App: signs JWTs with the App's key, exchanges them for
/// installation access tokens, keeps each until it is about to expire and puts the current one
/// on every request (``RequestAuthorizer``).
///
/// - "Authenticating as a GitHub App installation"
///   (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation):
///   `POST /app/installations/{installation_id}/access_tokens` with the JWT answers 201
///   `{token, expires_at, permissions, repository_selection}`; the token "will expire after 1
///   hour". Its length is not fixed (new tokens are `ghs_…` of varying length).
/// - "Get a repository installation for the authenticated app"
///   (https://docs.github.com/en/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app):
///   `GET /repos/{owner}/{repo}/installation`, JWT only.
/// - "Get the authenticated app" (https://docs.github.com/en/rest/apps/apps#get-the-authenticated-app):
///   `GET /app`, JWT only: the App's `id` and `slug`; its bot writes as `<slug>[bot]`.
///
/// A token is renewed when it expires within ``renewMarginSeconds`` (also in the middle of a
/// tick) and when GitHub refuses it. Tokens and JWTs are never logged and never in an error.
public actor AppTokenProvider: RequestAuthorizer {
    /// The App as `GET /app` describes it.
    public struct App: Sendable, Hashable {
        public let id: Int
        public let slug: String
        public let name: String
        /// The login its installation tokens act as.
        public var botLogin: String { "\(slug)[bot]" }
    }

    struct Minted: Sendable {
        let token: String
        let expiresAt: Date
    }

    public nonisolated let appID: String
    let key: GitHubAppKey
    let configuredInstallation: Int?
    /// The repository whose installation serves requests outside `/repos/{owner}/{repo}`
    /// (search, `/user`) when no installation id is configured.
    let defaultRepo: RepoRef?
    let client: ServiceClient
    let now: @Sendable () -> Date
    let logger: Logger
    /// Renew a token that expires within this many seconds (5 minutes).
    public let renewMarginSeconds: Double

    private var app: App?
    private var jwtCache: (jwt: String, expires: Date)?
    private var installations: [String: Int] = [:]
    private var tokens: [Int: Minted] = [:]
    private var minting: [Int: Task<Result<Minted, ServiceError>, Never>] = [:]
    private var findingInstallation: [String: Task<Result<Int, ServiceError>, Never>] = [:]
    /// How many installation tokens this provider has minted (tests, the debug log).
    public private(set) var mintedCount = 0

    public init(
        appID: String,
        key: GitHubAppKey,
        installationID: Int?,
        defaultRepo: RepoRef?,
        baseURL: URL,
        transport: any HTTPTransport,
        retry: RetryPolicy,
        logger: Logger,
        renewMarginSeconds: Double = 300,
        sleep: @escaping @Sendable (Double) async -> Void = ServiceClient.realSleep,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.appID = appID
        self.key = key
        self.configuredInstallation = installationID
        self.defaultRepo = defaultRepo
        self.now = now
        self.logger = logger
        self.renewMarginSeconds = renewMarginSeconds
        self.client = ServiceClient(
            service: "GitHub",
            baseURL: baseURL,
            transport: transport,
            defaultHeaders: GitHubTracker.standardHeaders,
            retry: retry,
            logger: logger,
            sleep: sleep,
            now: now
        )
    }

    // MARK: RequestAuthorizer

    public func headers(for url: URL, adding headers: [String: String], refused: [String: String]?)
        async throws(ServiceError) -> [String: String]
    {
        let installation = try await installationID(for: repository(of: url))
        let stale = refused?["Authorization"].map { String($0.dropFirst("Bearer ".count)) }
        var result = headers
        result["Authorization"] = "Bearer \(try await token(installation: installation, refused: stale))"
        return result
    }

    /// `/repos/{owner}/{repo}/…` under the API base names its repository; anything else is
    /// served by the default repository's installation.
    func repository(of url: URL) -> RepoRef? {
        let base = client.baseURL.path.split(separator: "/").count
        let parts = url.path.split(separator: "/").dropFirst(base).map(String.init)
        guard parts.count >= 3, parts[0] == "repos" else { return defaultRepo }
        let owner = parts[1].removingPercentEncoding ?? parts[1]
        let name = parts[2].removingPercentEncoding ?? parts[2]
        return RepoRef(parsing: "\(owner)/\(name)") ?? defaultRepo
    }

    // MARK: JWT-authenticated calls

    /// A JWT for the App, reused while it has more than a minute left.
    public func jwt() throws(ServiceError) -> String {
        if let cached = jwtCache, cached.expires.timeIntervalSince(now()) > 60 { return cached.jwt }
        let issued = now()
        do {
            let jwt = try key.jwt(appID: appID, now: issued)
            jwtCache = (jwt, issued.addingTimeInterval(540))
            return jwt
        } catch {
            throw ServiceError(
                service: "GitHub",
                kind: .misconfigured,
                message: "tracker.app_private_key \(error.reason)"
            )
        }
    }

    func sendAsApp(_ method: String, _ path: String, _ what: String) async throws(ServiceError) -> ServiceResponse {
        let jwt = try jwt()
        do {
            // Queued with the reads: the requests waiting for this token are mostly reads.
            return try await client.send(
                method,
                client.url(path),
                headers: ["Authorization": "Bearer \(jwt)"],
                idempotent: true,
                queueAsRead: true
            )
        } catch  where error.kind == .badCredentials {
            throw ServiceError(
                service: "GitHub",
                kind: .badCredentials,
                message:
                    "refused the App's JWT (HTTP 401 on \(what)): check that tracker.app_id is the App's ID or client ID, that tracker.app_private_key is one of its current private keys, and that this machine's clock is right"
            )
        }
    }

    /// The App (`GET /app`), read once.
    public func authenticatedApp() async throws(ServiceError) -> App {
        if let app { return app }
        let what = "GET /app"
        let response = try await sendAsApp("GET", "/app", what)
        try client.expect(response, [200], "reading the GitHub App (\(what))")
        let payload = try client.decode(GitHub.AppPayload.self, from: response, "reading the GitHub App (\(what))")
        let read = App(id: payload.id, slug: payload.slug, name: payload.name ?? payload.slug)
        app = read
        return read
    }

    /// The login the App's installation tokens write as: `<slug>[bot]`.
    public func botLogin() async throws(ServiceError) -> String { try await authenticatedApp().botLogin }

    /// The configured installation, or the one installed on `repo` (looked up once per provider,
    /// that is once per tick).
    public func installationID(for repo: RepoRef?) async throws(ServiceError) -> Int {
        if let configuredInstallation { return configuredInstallation }
        guard let repo else {
            throw ServiceError(
                service: "GitHub",
                kind: .misconfigured,
                message:
                    "no repository to find the GitHub App's installation by: set tracker.app_installation_id (AFK_TRACKER_APP_INSTALLATION_ID) or the allowlist"
            )
        }
        let cacheKey = repo.slug.lowercased()
        if let known = installations[cacheKey] { return known }
        // Requests in flight at once for the same repository share one lookup.
        let task: Task<Result<Int, ServiceError>, Never>
        if let running = findingInstallation[cacheKey] {
            task = running
        } else {
            task = Task {
                await ServiceError.capture { () async throws(ServiceError) in
                    try await self.lookUpInstallation(of: repo)
                }
            }
            findingInstallation[cacheKey] = task
        }
        let result = await task.value
        if findingInstallation[cacheKey] == task { findingInstallation[cacheKey] = nil }
        let id = try result.get()
        installations[cacheKey] = id
        return id
    }

    /// `GET /repos/{owner}/{repo}/installation`.
    func lookUpInstallation(of repo: RepoRef) async throws(ServiceError) -> Int {
        let path = GitHubTracker.repoPath(repo) + "/installation"
        let what = "GET /repos/\(repo)/installation"
        let response = try await sendAsApp("GET", path, what)
        if response.status == 404 {
            throw ServiceError(
                service: "GitHub",
                kind: .misconfigured,
                message:
                    "the GitHub App \(appID) is not installed on \(repo) (\(what) answered 404): install it on the repository or its owner, or set tracker.app_installation_id"
            )
        }
        try client.expect(response, [200], "finding the GitHub App's installation on \(repo)")
        return
            try client.decode(
                GitHub.InstallationPayload.self,
                from: response,
                "finding the GitHub App's installation on \(repo)"
            )
            .id
    }

    // MARK: Installation tokens

    /// The installation serving `repo`, once a token for it has been obtained (check-config).
    public func verifiedInstallation(for repo: RepoRef?) async throws(ServiceError) -> Int {
        let installation = try await installationID(for: repo)
        _ = try await token(installation: installation, refused: nil)
        return installation
    }

    /// A token for `installation` that expires no sooner than ``renewMarginSeconds`` from now
    /// and is not `refused`.
    func token(installation: Int, refused: String?) async throws(ServiceError) -> String {
        if let cached = tokens[installation], cached.token != refused,
            cached.expiresAt.timeIntervalSince(now()) > renewMarginSeconds
        {
            return cached.token
        }
        // Requests in flight at once share one renewal.
        let task: Task<Result<Minted, ServiceError>, Never>
        if let running = minting[installation] {
            task = running
        } else {
            task = Task {
                await ServiceError.capture { () async throws(ServiceError) in try await self.mint(installation) }
            }
            minting[installation] = task
        }
        let result = await task.value
        if minting[installation] == task { minting[installation] = nil }
        let minted = try result.get()
        tokens[installation] = minted
        return minted.token
    }

    func mint(_ installation: Int) async throws(ServiceError) -> Minted {
        let what = "POST /app/installations/\(installation)/access_tokens"
        let response = try await sendAsApp("POST", "/app/installations/\(installation)/access_tokens", what)
        if response.status == 404 {
            throw ServiceError(
                service: "GitHub",
                kind: .misconfigured,
                message:
                    "the GitHub App \(appID) has no installation \(installation) (\(what) answered 404): check tracker.app_installation_id"
            )
        }
        try client.expect(response, [201], "creating an installation access token (\(what))")
        let payload = try client.decode(
            GitHub.InstallationTokenPayload.self,
            from: response,
            "creating an installation access token (\(what))"
        )
        // An unreadable expiry is treated as GitHub documents it: one hour.
        let expiresAt =
            (try? Date(payload.expiresAt ?? "", strategy: .iso8601)) ?? now().addingTimeInterval(3600)
        mintedCount += 1
        logger.debug(
            "GitHub App: new installation token",
            metadata: ["installation": "\(installation)", "expires_at": "\(payload.expiresAt ?? "?")"]
        )
        return Minted(token: payload.token, expiresAt: expiresAt)
    }
}

extension GitHub {
    /// `GET /app` (only the fields afk reads).
    struct AppPayload: Decodable {
        let id: Int
        let slug: String
        let name: String?
    }

    /// `GET /repos/{o}/{r}/installation` (only the id).
    struct InstallationPayload: Decodable {
        let id: Int
    }

    /// `POST /app/installations/{id}/access_tokens`.
    struct InstallationTokenPayload: Decodable {
        let token: String
        let expiresAt: String?

        enum CodingKeys: String, CodingKey {
            case token
            case expiresAt = "expires_at"
        }
    }
}
