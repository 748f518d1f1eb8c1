import AFKCore
import Foundation
import Logging

/// How ``WoodpeckerStage`` reaches Woodpecker and which pipelines count.
///
/// Configuration keys (the lead's `woodpecker.*`): `url` → ``baseURL``, `token` → ``token``,
/// `repo` → ``repo``, `skipped` → ``skipped``, `events` → ``events``, `branch` → ``branch``.
public struct WoodpeckerSettings: Sendable, CustomStringConvertible {
    /// How a pipeline whose status is `skipped` counts.
    public enum Skipped: String, Sendable, CaseIterable {
        /// Green: a skipped deploy pipeline means "nothing to deploy".
        case success
        /// Red (the default, as Woodpecker's own forge status reports it: `getStatus` in `server/forge/gitea/gitea.go`
        /// of https://github.com/woodpecker-ci/woodpecker maps skipped to failure).
        case failure
    }

    /// The server root (`https://ci.example.com`); requests go to `{root}/api/…`.
    public var baseURL: URL
    /// A personal access token, sent as `Authorization: Bearer`. Never printed.
    public var token: String
    /// The Woodpecker repository when its `owner/name` differs from the tracker's.
    public var repo: RepoRef?
    /// How `skipped` counts (default ``Skipped/failure``).
    public var skipped: Skipped
    /// Pipeline events that count (`push`, `deployment`, `manual`, …), matched client-side; empty: any.
    public var events: [String]
    /// Only pipelines of this branch (sent as `branch=`); nil: any branch.
    public var branch: String?
    /// At most this many pages of 50 pipelines are read per commit (default 5).
    public var maxPages: Int

    /// Creates the settings.
    public init(
        baseURL: URL,
        token: String,
        repo: RepoRef? = nil,
        skipped: Skipped = .failure,
        events: [String] = [],
        branch: String? = nil,
        maxPages: Int = 5
    ) {
        self.baseURL = baseURL
        self.token = token
        self.repo = repo
        self.skipped = skipped
        self.events = events
        self.branch = branch
        self.maxPages = max(1, maxPages)
    }

    /// The settings with the token redacted.
    public var description: String {
        "Woodpecker(url: \(baseURL.absoluteString), repo: \(repo?.description ?? "same as tracker"), skipped: \(skipped.rawValue), "
            + "events: \(events.isEmpty ? "any" : events.joined(separator: ",")), branch: \(branch ?? "any"), max_pages: \(maxPages), token: <redacted>)"
    }
}

/// The deploy stage over Woodpecker CI's REST API (https://woodpecker-ci.org/api; its swagger,
/// base path `/api`).
///
/// For a pushed commit it looks the repository up once (`GET /api/repos/lookup/{owner}/{name}`, the
/// id is cached per tracker repository), then pages `GET /api/repos/{id}/pipelines?page=N&perPage=50`
/// — newest first by `number`; the API has no commit filter — until it finds the newest pipeline
/// whose `commit` is the pushed SHA, a page comes back short, or ``WoodpeckerSettings/maxPages``
/// pages were read.
///
/// Statuses (`StatusValue`): `success` → green; `failure`, `killed`, `error`, `declined`, `canceled`
/// → red; `pending`, `running`, `blocked` (awaiting approval), `created` → pending; `skipped` → per
/// ``WoodpeckerSettings/skipped``; anything else → pending (an unknown value never closes an
/// issue). No pipeline for the commit yet → pending.
///
/// ## Usage
/// ```swift
/// let deploy = WoodpeckerStage(
///     settings: WoodpeckerSettings(baseURL: url, token: token, events: ["push", "deployment"]),
///     transport: NIOTransport(…), retry: RetryPolicy(budgetSeconds: 60), logger: logger)
/// let reading = try await deploy.read(sha: sha, in: RepoRef(owner: "acme", name: "widgets"))
/// ```
public actor WoodpeckerStage: StageProbe {
    public nonisolated let stage = DeployStage.deploy
    public nonisolated let serviceName = "Woodpecker"
    /// Woodpecker's page size: both the default and the maximum of `perPage` (`session/pagination.go`).
    static let pageSize = 50

    let settings: WoodpeckerSettings
    let client: ServiceClient
    private var repoIDs: [RepoRef: Int64] = [:]

    /// Creates the probe.
    /// - Parameters:
    ///   - settings: server, token and filters.
    ///   - transport: the HTTP seam (``NIOTransport`` in production).
    ///   - retry: how 5xx, 429 and transport failures are retried.
    ///   - logger: where retries are logged.
    ///   - sleep: how retry delays are waited out (tests pass a no-op).
    public init(
        settings: WoodpeckerSettings,
        transport: any HTTPTransport,
        retry: RetryPolicy,
        logger: Logger,
        sleep: @escaping @Sendable (Double) async -> Void = ServiceClient.realSleep
    ) {
        self.settings = settings
        self.client = ServiceClient(
            service: "Woodpecker",
            baseURL: settings.baseURL,
            transport: transport,
            defaultHeaders: [
                "Authorization": "Bearer \(settings.token)",
                "Accept": "application/json",
                "User-Agent": "afk",
            ],
            retry: retry,
            logger: logger,
            sleep: sleep
        )
    }

    /// The newest Woodpecker pipeline for `sha` in `repo` (or its configured Woodpecker name), read as a stage.
    public func read(sha: String, in repo: RepoRef) async throws(ServiceError) -> StageReading {
        let woodpeckerRepo = settings.repo ?? repo
        let id = try await repoID(woodpeckerRepo, for: repo)
        let wanted = sha.lowercased()
        let events = Set(settings.events.map { $0.lowercased() })
        for page in 1...settings.maxPages {
            let pipelines = try await pipelines(
                repoID: id,
                page: page,
                woodpeckerRepo: woodpeckerRepo,
                trackerRepo: repo
            )
            let matching = pipelines.filter {
                $0.commit.lowercased() == wanted && (events.isEmpty || events.contains($0.event.lowercased()))
            }
            if let newest = matching.max(by: { $0.number < $1.number }) {
                return Self.reading(newest, skipped: settings.skipped)
            }
            if pipelines.count < Self.pageSize { break }
        }
        return .pending("no Woodpecker pipeline for \(Self.short(sha)) yet")
    }

    /// The repository id, looked up once per tracker repository.
    func repoID(_ woodpeckerRepo: RepoRef, for trackerRepo: RepoRef) async throws(ServiceError) -> Int64 {
        if let id = repoIDs[trackerRepo] { return id }
        // Route `/repos/lookup/*repo_full_name`: the full name keeps its `/` (Woodpecker's `server/router/api.go`).
        let url = client.url(
            "/api/repos/lookup/\(ServiceClient.segment(woodpeckerRepo.owner))/\(ServiceClient.segment(woodpeckerRepo.name))"
        )
        let response = try await client.send("GET", url)
        if response.status == 404 {
            // Woodpecker answers 404 both for an unknown repository and for one the token's user
            // cannot read (`session.MustPull`).
            throw ServiceError(
                service: client.service,
                kind: .misconfigured,
                message: "Woodpecker has no repository \(woodpeckerRepo) that this token can read (HTTP 404 on lookup)"
                    + (woodpeckerRepo == trackerRepo
                        ? "; activate it in Woodpecker, or set woodpecker.repo to its name there"
                        : "; check woodpecker.repo")
            )
        }
        try client.expect(response, [200], "looking up Woodpecker repository \(woodpeckerRepo)")
        let payload = try client.decode(
            Woodpecker.Repo.self,
            from: response,
            "looking up Woodpecker repository \(woodpeckerRepo)"
        )
        repoIDs[trackerRepo] = payload.id
        return payload.id
    }

    func pipelines(repoID: Int64, page: Int, woodpeckerRepo: RepoRef, trackerRepo: RepoRef) async throws(ServiceError)
        -> [Woodpecker.Pipeline]
    {
        var query = [("page", String(page)), ("perPage", String(Self.pageSize))]
        if let branch = settings.branch { query.append(("branch", branch)) }
        let what = "listing pipelines of Woodpecker repository \(woodpeckerRepo)"
        let response = try await client.send("GET", client.url("/api/repos/\(repoID)/pipelines", query: query))
        if response.status == 404 {
            // The cached id went stale (the repository was deleted or re-activated): look it up again next time.
            repoIDs[trackerRepo] = nil
            throw ServiceError(
                service: client.service,
                kind: .misconfigured,
                message:
                    "Woodpecker repository \(woodpeckerRepo) (id \(repoID)) is gone or unreadable (HTTP 404 on its pipelines)"
            )
        }
        try client.expect(response, [200], what)
        return try client.decode([Woodpecker.Pipeline].self, from: response, what)
    }

    /// Statuses that count as failed (`server/model/const.go`; `canceled` since v3.14).
    static let redStatuses: Set<String> = ["failure", "killed", "error", "declined", "canceled"]
    /// Statuses that are not concluded yet (`blocked`: awaiting approval; `created`: internal).
    static let pendingStatuses: Set<String> = ["pending", "running", "blocked", "created"]

    /// One pipeline as a stage reading.
    static func reading(_ pipeline: Woodpecker.Pipeline, skipped: WoodpeckerSettings.Skipped) -> StageReading {
        let name = "pipeline #\(pipeline.number)"
        let status = pipeline.status.lowercased()
        switch status {
        case "success":
            return .green("\(name) success")
        case "skipped":
            return skipped == .success ? .green("\(name) skipped") : .red(failing: ["woodpecker \(name) (skipped)"])
        case _ where redStatuses.contains(status):
            return .red(failing: ["woodpecker \(name) (\(status))"])
        case "blocked":
            return .pending("\(name) blocked: awaiting approval")
        case _ where pendingStatuses.contains(status):
            return .pending("\(name) \(status)")
        default:
            return .pending("\(name) has status \"\(pipeline.status)\", which afk does not know")
        }
    }

    static func short(_ sha: String) -> String { String(sha.prefix(7)) }
}
