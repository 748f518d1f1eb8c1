import AFKCore
import Foundation
import Logging

/// Which Deployments make up the rollout stage, and how to reach them.
///
/// Configuration keys (the lead's `kubernetes.*`): `deployments` → ``deployments`` (namespace
/// resolved: a deployment named without one gets `kubernetes.namespace`, in cluster the pod's own —
/// ``KubernetesAuth/namespace(file:)``), `sha_length` → ``shaLength``, `container` → ``container``,
/// `url`/`token`/`ca_file` → ``auth`` (``KubernetesAuth/explicit(url:token:caFile:)``; unset:
/// ``KubernetesAuth/inCluster(_:)``).
public struct KubernetesSettings: Sendable {
    /// One Deployment, `namespace/name`.
    public struct Deployment: Sendable, Hashable, CustomStringConvertible {
        public var namespace: String
        public var name: String

        /// Creates a deployment reference.
        public init(namespace: String, name: String) {
            self.namespace = namespace
            self.name = name
        }

        public var description: String { "\(namespace)/\(name)" }
    }

    /// Every one must have rolled out the pushed commit for the stage to be green.
    public var deployments: [Deployment]
    /// How many leading characters of the pushed SHA the image tag must contain: 7…40 (clamped),
    /// default 7; 40 means the full SHA.
    public var shaLength: Int
    /// Only this container's image counts; nil: any container of the pod template.
    public var container: String?
    /// The API server and credentials.
    public var auth: KubernetesAuth

    /// Creates the settings.
    public init(
        deployments: [Deployment],
        shaLength: Int = 7,
        container: String? = nil,
        auth: KubernetesAuth = .inCluster()
    ) {
        self.deployments = deployments
        self.shaLength = min(40, max(7, shaLength))
        self.container = container
        self.auth = auth
    }
}

/// The rollout stage over the Kubernetes API
/// (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#deployment-status).
///
/// For each configured Deployment: `GET /apis/apps/v1/namespaces/{ns}/deployments/{name}`. The pod
/// template's image tag must contain the first ``KubernetesSettings/shaLength`` characters of the
/// pushed SHA (images are tagged by commit); until then the stage is pending ("image is <tag>, waiting
/// for <short>"). Then `kubectl rollout status`'s logic (``RolloutStatus``): complete → green,
/// waiting → pending, `ProgressDeadlineExceeded` → red. Every Deployment must be green.
///
/// Errors: 404 → `misconfigured` naming `ns/name`; 401 → `badCredentials`; 403 → `forbidden`
/// naming the RBAC rule needed (`get` on `deployments.apps` in that namespace).
///
/// In cluster the service account token is re-read at every ``read(sha:in:)`` (the projected token
/// rotates). TLS trust of the cluster CA is process-wide on Linux: see
/// ``KubernetesAuth/writeTrustBundle(caFile:systemBundles:directory:)``.
public struct KubernetesRollout: StageProbe {
    public let stage = DeployStage.rollout
    public let serviceName = "Kubernetes"

    let settings: KubernetesSettings
    let transport: any HTTPTransport
    let retry: RetryPolicy
    let logger: Logger
    let sleep: @Sendable (Double) async -> Void
    let readFile: @Sendable (String) -> String?

    /// Creates the probe.
    /// - Parameters:
    ///   - settings: the deployments, the SHA rule and the credentials.
    ///   - transport: the HTTP seam (``NIOTransport`` in production).
    ///   - retry: how 5xx, 429 and transport failures are retried.
    ///   - logger: where retries are logged.
    ///   - sleep: how retry delays are waited out (tests pass a no-op).
    ///   - readFile: reads the in-cluster token file (tests inject one).
    public init(
        settings: KubernetesSettings,
        transport: any HTTPTransport,
        retry: RetryPolicy,
        logger: Logger,
        sleep: @escaping @Sendable (Double) async -> Void = ServiceClient.realSleep,
        readFile: @escaping @Sendable (String) -> String? = KubernetesAuth.readTextFile
    ) {
        self.settings = settings
        self.transport = transport
        self.retry = retry
        self.logger = logger
        self.sleep = sleep
        self.readFile = readFile
    }

    /// Whether every configured Deployment runs an image tagged with `sha` and has rolled it out.
    public func read(sha: String, in repo: RepoRef) async throws(ServiceError) -> StageReading {
        guard !settings.deployments.isEmpty else {
            throw KubernetesAuth.misconfigured("no deployments are configured for \(repo) (kubernetes.deployments)")
        }
        let (url, token) = try settings.auth.credentials(readFile: readFile)
        let client = ServiceClient(
            service: serviceName,
            baseURL: url,
            transport: transport,
            defaultHeaders: ["Authorization": "Bearer \(token)", "Accept": "application/json", "User-Agent": "afk"],
            retry: retry,
            logger: logger,
            sleep: sleep
        )
        let prefix = String(sha.lowercased().prefix(settings.shaLength))
        var green: [String] = []
        var pending: [String] = []
        var red: [String] = []
        for deployment in settings.deployments {
            let payload = try await fetch(deployment, client: client)
            switch try Self.reading(payload, of: deployment, shaPrefix: prefix, container: settings.container) {
            case .green(let detail): green.append(detail)
            case .pending(let detail): pending.append(detail)
            case .red(let failing): red += failing
            }
        }
        if !red.isEmpty { return .red(failing: red) }
        if !pending.isEmpty { return .pending(pending.joined(separator: "; ")) }
        return .green(green.joined(separator: "; "))
    }

    func fetch(_ deployment: KubernetesSettings.Deployment, client: ServiceClient) async throws(ServiceError)
        -> Kubernetes.Deployment
    {
        let path =
            "/apis/apps/v1/namespaces/\(ServiceClient.segment(deployment.namespace))/deployments/\(ServiceClient.segment(deployment.name))"
        let what = "reading deployment \(deployment)"
        let response: ServiceResponse
        do {
            response = try await client.send("GET", client.url(path))
        } catch {
            throw Self.explained(error, deployment: deployment)
        }
        if response.status == 404 {
            throw ServiceError(
                service: serviceName,
                kind: .misconfigured,
                message:
                    "deployment \(deployment) does not exist (HTTP 404: \(ServiceClient.errorMessage(response))); check kubernetes.deployments"
            )
        }
        try client.expect(response, [200], what)
        return try client.decode(Kubernetes.Deployment.self, from: response, what)
    }

    /// Adds what to do to a 403 (the RBAC rule) and to a TLS failure (the cluster CA).
    static func explained(_ error: ServiceError, deployment: KubernetesSettings.Deployment) -> ServiceError {
        switch error.kind {
        case .forbidden:
            return ServiceError(
                service: error.service,
                kind: .forbidden,
                message: "\(error.message). Grant the watcher's service account get on deployments.apps in namespace "
                    + "\(deployment.namespace): a Role with apiGroups [\"apps\"], resources [\"deployments\"], verbs [\"get\"] "
                    + "and a RoleBinding in \(deployment.namespace) (see the README, \"Deploy verification\")"
            )
        case .unavailable where error.message.contains("TLS"):
            return ServiceError(
                service: error.service,
                kind: .unavailable,
                message:
                    "\(error.message); if the API server's certificate is signed by the cluster CA, make that CA trusted: "
                    + "the watcher's init container `afk trust-bundle` (see the README, Deploy verification)",
                outcomeUnknown: error.outcomeUnknown
            )
        default:
            return error
        }
    }

    /// One Deployment as a reading: image tag first, then `kubectl rollout status`.
    static func reading(
        _ payload: Kubernetes.Deployment,
        of deployment: KubernetesSettings.Deployment,
        shaPrefix: String,
        container: String?
    ) throws(ServiceError) -> StageReading {
        let containers = payload.spec.template.spec.containers
        let candidates: [Kubernetes.Container]
        if let container {
            guard let named = containers.first(where: { $0.name == container }) else {
                throw KubernetesAuth.misconfigured(
                    "deployment \(deployment) has no container named \(container) (it has: \(containers.map(\.name).joined(separator: ", "))); check kubernetes.container"
                )
            }
            candidates = [named]
        } else {
            candidates = containers
        }
        let tags = candidates.map { Kubernetes.tag(of: $0.image ?? "") }
        guard let tag = tags.first(where: { $0.lowercased().contains(shaPrefix) }) else {
            let shown =
                tags.isEmpty ? "(no image)" : tags.map { $0.isEmpty ? "(untagged)" : $0 }.joined(separator: ", ")
            return .pending("\(deployment) image is \(shown), waiting for \(shaPrefix)")
        }
        switch RolloutStatus.of(payload.rollout) {
        case .complete: return .green("\(deployment) rolled out \(tag)")
        case .waiting(let why): return .pending("\(deployment): \(why)")
        case .failed(let why): return .red(failing: ["\(deployment) \(why)"])
        }
    }
}
