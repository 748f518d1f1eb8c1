import Foundation

/// The Kubernetes part of a scenario. The Kubernetes API (`/k8s/apis/apps/v1/…`): Deployments and their rollout status
/// (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#deployment-status).
///
/// JSON keys (snake_case, every key optional):
///
/// ```json
/// "kubernetes": {
///   "tokens": {"sa-token": {"user": "system:serviceaccount:afk:afk-watcher", "namespaces": ["prod"]}},
///   "deployments": [{
///     "namespace": "prod", "name": "web", "container": "app", "image": "registry.example.com/acme/widgets:v1",
///     "replicas": 3, "generation": 1, "repo": "acme/widgets",
///     "on_push": {"outcome": "complete", "after_reads": 2} }] }
/// ```
///
/// - `tokens`: bearer token → `user` (default `system:serviceaccount:afk:afk-watcher`) and the
///   `namespaces` it may read (absent: all). No or an unknown token: 401 `Status`; a namespace it may
///   not read: 403 `Status` naming the missing permission, as the API server words it.
/// - `deployments[]`: `namespace` (default `default`), `name`, `container` (default `app`), `image`,
///   `replicas` (default 1), `generation` (default 1); the status fields default to a finished rollout
///   (`observed_generation`, `status_replicas`, `updated_replicas`, `available_replicas`,
///   `progressing_reason` `NewReplicaSetAvailable`, `progressing_status` `True`).
/// - `deployments[].repo`: the tracker repository (`owner/name`) whose default-branch pushes this
///   Deployment follows: a push sets the image tag to the full SHA and starts a rollout.
/// - `deployments[].on_push`: how that rollout goes: `outcome` `complete` (default), `never` (stays
///   rolling forever) or `deadline_exceeded` (`Progressing=False`, `ProgressDeadlineExceeded`), once
///   `after_reads` GETs of the Deployment have seen it rolling (default 1; 0: at once).
public struct KubernetesScenario: Sendable, Codable, Equatable {
    /// Token value → who it is and what it may read.
    public var tokens: [String: KubeSimToken]
    /// The Deployments.
    public var deployments: [KubeSimDeployment]

    /// Creates the Kubernetes part of a scenario.
    public init(tokens: [String: KubeSimToken] = [:], deployments: [KubeSimDeployment] = []) {
        self.tokens = tokens
        self.deployments = deployments
    }

    enum CodingKeys: String, CodingKey { case tokens, deployments }

    /// Decodes with defaults for absent keys.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokens = try c.value(.tokens, or: [:])
        deployments = try c.value(.deployments, or: [])
    }
}

/// A bearer token of the simulated API server.
public struct KubeSimToken: Sendable, Codable, Equatable {
    /// The user name the API server reports (a service account: `system:serviceaccount:<ns>:<name>`).
    public var user: String
    /// Namespaces whose Deployments it may get and list; nil: every namespace.
    public var namespaces: [String]?

    /// Creates a token.
    public init(user: String = "system:serviceaccount:afk:afk-watcher", namespaces: [String]? = nil) {
        self.user = user
        self.namespaces = namespaces
    }

    enum CodingKeys: String, CodingKey { case user, namespaces }

    /// Decodes with defaults for absent keys.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        user = try c.value(.user, or: "system:serviceaccount:afk:afk-watcher")
        namespaces = try c.decodeIfPresent([String].self, forKey: .namespaces)
    }
}

/// How a Deployment's rollout goes after a push.
public struct KubeSimRollout: Sendable, Codable, Equatable {
    /// `complete`, `never` or `deadline_exceeded`.
    public var outcome: String
    /// GETs that see the rollout in progress before the outcome applies.
    public var afterReads: Int

    /// Creates the rule.
    public init(outcome: String = "complete", afterReads: Int = 1) {
        self.outcome = outcome
        self.afterReads = afterReads
    }

    enum CodingKeys: String, CodingKey {
        case outcome
        case afterReads = "after_reads"
    }

    /// Decodes with defaults for absent keys.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        outcome = try c.value(.outcome, or: "complete")
        afterReads = try c.value(.afterReads, or: 1)
    }
}

/// One `apps/v1` Deployment with a single-container pod template.
public struct KubeSimDeployment: Sendable, Codable, Equatable {
    /// `metadata.namespace`.
    public var namespace: String
    /// `metadata.name`.
    public var name: String
    /// The pod template's container name.
    public var container: String
    /// The container image (`registry/path/name:tag`).
    public var image: String
    /// `spec.replicas`.
    public var replicas: Int
    /// `metadata.generation`.
    public var generation: Int64
    /// `status.observedGeneration`.
    public var observedGeneration: Int64
    /// `status.replicas` (old and new pods).
    public var statusReplicas: Int
    /// `status.updatedReplicas`.
    public var updatedReplicas: Int
    /// `status.availableReplicas`.
    public var availableReplicas: Int
    /// The `Progressing` condition's reason (`NewReplicaSetAvailable`, `ReplicaSetUpdated`, `ProgressDeadlineExceeded`).
    public var progressingReason: String
    /// The `Progressing` condition's status (`True`, `False`).
    public var progressingStatus: String
    /// The tracker repository (`owner/name`) whose default-branch pushes roll this Deployment.
    public var repo: String?
    /// How a pushed rollout goes.
    public var onPush: KubeSimRollout
    /// GETs left before the in-flight rollout takes ``onPush``'s outcome (nil: nothing in flight).
    public var readsLeft: Int?

    /// Creates a Deployment whose rollout is complete.
    public init(
        namespace: String = "default",
        name: String,
        container: String = "app",
        image: String,
        replicas: Int = 1,
        generation: Int64 = 1,
        repo: String? = nil,
        onPush: KubeSimRollout = KubeSimRollout()
    ) {
        self.namespace = namespace
        self.name = name
        self.container = container
        self.image = image
        self.replicas = replicas
        self.generation = generation
        self.observedGeneration = generation
        self.statusReplicas = replicas
        self.updatedReplicas = replicas
        self.availableReplicas = replicas
        self.progressingReason = "NewReplicaSetAvailable"
        self.progressingStatus = "True"
        self.repo = repo
        self.onPush = onPush
        self.readsLeft = nil
    }

    enum CodingKeys: String, CodingKey {
        case namespace, name, container, image, replicas, generation, repo
        case observedGeneration = "observed_generation"
        case statusReplicas = "status_replicas"
        case updatedReplicas = "updated_replicas"
        case availableReplicas = "available_replicas"
        case progressingReason = "progressing_reason"
        case progressingStatus = "progressing_status"
        case onPush = "on_push"
        case readsLeft = "reads_left"
    }

    /// Decodes with defaults for absent keys.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        namespace = try c.value(.namespace, or: "default")
        name = try c.decode(String.self, forKey: .name)
        container = try c.value(.container, or: "app")
        image = try c.value(.image, or: "registry.example.com/\(name):latest")
        replicas = try c.value(.replicas, or: 1)
        generation = try c.value(.generation, or: 1)
        observedGeneration = try c.value(.observedGeneration, or: generation)
        statusReplicas = try c.value(.statusReplicas, or: replicas)
        updatedReplicas = try c.value(.updatedReplicas, or: replicas)
        availableReplicas = try c.value(.availableReplicas, or: replicas)
        progressingReason = try c.value(.progressingReason, or: "NewReplicaSetAvailable")
        progressingStatus = try c.value(.progressingStatus, or: "True")
        repo = try c.decodeIfPresent(String.self, forKey: .repo)
        onPush = try c.value(.onPush, or: KubeSimRollout())
        readsLeft = try c.decodeIfPresent(Int.self, forKey: .readsLeft)
    }

    /// The image without its tag (and digest).
    var imageRepository: String {
        var reference = Substring(image)
        if let at = reference.firstIndex(of: "@") { reference = reference[..<at] }
        let slash = reference.lastIndex(of: "/") ?? reference.startIndex
        if let colon = reference[slash...].lastIndex(of: ":") { reference = reference[..<colon] }
        return String(reference)
    }

    /// Starts a rollout of `image`: a new generation, observed at once, no pod updated yet, one surge pod.
    mutating func startRollout(image newImage: String) {
        image = newImage
        generation += 1
        observedGeneration = generation
        statusReplicas = replicas + 1
        updatedReplicas = 0
        availableReplicas = replicas
        progressingReason = "ReplicaSetUpdated"
        progressingStatus = "True"
        readsLeft = onPush.outcome == "never" ? nil : max(0, onPush.afterReads)
        if readsLeft == 0 { finishRollout() }
    }

    /// Applies ``onPush``'s outcome (`never` leaves it rolling).
    mutating func finishRollout() {
        readsLeft = nil
        switch onPush.outcome {
        case "deadline_exceeded":
            updatedReplicas = min(1, replicas)
            progressingReason = "ProgressDeadlineExceeded"
            progressingStatus = "False"
        case "never":
            break
        default:
            statusReplicas = replicas
            updatedReplicas = replicas
            availableReplicas = replicas
            progressingReason = "NewReplicaSetAvailable"
            progressingStatus = "True"
        }
    }
}

/// The simulated Kubernetes API server: `apps/v1` Deployments (get, list) with bearer-token auth and
/// `Status` objects for errors (`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":…,"code":…}`).
struct KubernetesWorld: Sendable {
    var scenario: KubernetesScenario

    init(_ scenario: KubernetesScenario) {
        self.scenario = scenario
    }

    func index(_ namespace: String, _ name: String) -> Int? {
        scenario.deployments.firstIndex { $0.namespace == namespace && $0.name == name }
    }

    // MARK: Pushes

    /// A commit landed on the tracker repository `owner/repo`: Deployments that follow it roll out
    /// `<image repository>:<sha>` when `branch` is the default branch.
    mutating func commitPushed(
        owner: String,
        repo: String,
        branch: String,
        defaultBranch: String,
        sha: String,
        now: Date
    ) {
        guard branch == defaultBranch else { return }
        let tracker = "\(owner)/\(repo)".lowercased()
        for d in scenario.deployments.indices where scenario.deployments[d].repo?.lowercased() == tracker {
            scenario.deployments[d].startRollout(image: scenario.deployments[d].imageRepository + ":" + sha)
        }
    }

    // MARK: Routing

    typealias Handler = WorldHandler<KubernetesWorld, KubeSimToken?>

    /// The operations served. `GET /version` needs no token; the others want one that may read the namespace.
    static let router = Router<Handler>([
        .get("/version", anonymous: true) { _, _ in
            .json(
                200,
                .obj([
                    "major": .string("1"), "minor": .string("33"), "gitVersion": .string("v1.33.2"),
                    "platform": .string("linux/amd64"),
                ])
            )
        },
        .get("/apis/apps/v1/namespaces/{namespace}/deployments") { world, call in
            world.deployments(namespace: call["namespace"], name: nil, token: call.context)
        },
        .get("/apis/apps/v1/namespaces/{namespace}/deployments/{name}") { world, call in
            world.deployments(namespace: call["namespace"], name: call["name"], token: call.context)
        },
    ])

    /// Unauthenticated requests are a 401 `Status` (except `GET /version`); an unknown path a 404 `Status`, a
    /// known path with another method a 405 `Status`.
    mutating func handle(_ request: SimRequest, now: Date) -> SimResponse {
        if case .found(let handler, let parameters) = Self.router.match(
            request.method,
            request.segments,
            anonymous: true
        ) {
            return handler(&self, RouteCall(request: request, parameters: parameters, context: nil))
        }
        guard let credential = request.authorization, credential.scheme == "bearer",
            let token = scenario.tokens[credential.credential]
        else {
            return Self.status(401, reason: "Unauthorized", message: "Unauthorized")
        }
        switch Self.router.match(request.method, request.segments) {
        case .found(let handler, let parameters):
            return handler(&self, RouteCall(request: request, parameters: parameters, context: token))
        case .wrongMethod:
            return Self.status(
                405,
                reason: "MethodNotAllowed",
                message: "the server does not allow this method on the requested resource"
            )
        case .notFound:
            return Self.status(404, reason: "NotFound", message: "the server could not find the requested resource")
        }
    }

    /// `list` (`name` nil) or `get` Deployments of `namespace`, as RBAC lets `token`. A get counts as a read of an
    /// in-flight rollout.
    private mutating func deployments(namespace: String, name: String?, token: KubeSimToken?) -> SimResponse {
        if let allowed = token?.namespaces, !allowed.contains(namespace) {
            let verb = name == nil ? "list" : "get"
            let subject = name.map { "deployments.apps \"\($0)\"" } ?? "deployments.apps"
            return Self.status(
                403,
                reason: "Forbidden",
                message:
                    "\(subject) is forbidden: User \"\(token?.user ?? "")\" cannot \(verb) resource \"deployments\" in API group \"apps\" in the namespace \"\(namespace)\"",
                details: name
            )
        }
        guard let name else {
            let items = scenario.deployments.filter { $0.namespace == namespace }.map { Self.payload($0, inList: true) }
            return .json(
                200,
                .obj([
                    "kind": .string("DeploymentList"), "apiVersion": .string("apps/v1"),
                    "metadata": .obj(["resourceVersion": .string("100")]), "items": .array(items),
                ])
            )
        }
        guard let d = index(namespace, name) else {
            return Self.status(
                404,
                reason: "NotFound",
                message: "deployments.apps \"\(name)\" not found",
                details: name
            )
        }
        let response = SimResponse.json(200, Self.payload(scenario.deployments[d], inList: false))
        // This read saw the rollout as it is; after `after_reads` such reads it takes its outcome.
        if let left = scenario.deployments[d].readsLeft {
            scenario.deployments[d].readsLeft = left - 1
            if left - 1 <= 0 { scenario.deployments[d].finishRollout() }
        }
        return response
    }

    /// A `meta/v1` `Status` error object.
    static func status(_ code: Int, reason: String, message: String, details name: String? = nil) -> SimResponse {
        var members: [String: JSONValue] = [
            "kind": .string("Status"), "apiVersion": .string("v1"), "metadata": .obj([:]),
            "status": .string("Failure"), "message": .string(message), "reason": .string(reason),
        ]
        if let name {
            members["details"] = .obj(["name": .string(name), "group": .string("apps"), "kind": .string("deployments")])
        }
        members["code"] = .num(code)
        return .json(code, .object(members))
    }

    /// The Deployment as the API server returns it (zero counters omitted, as `omitempty` does).
    static func payload(_ d: KubeSimDeployment, inList: Bool) -> JSONValue {
        let labels = JSONValue.obj(["app.kubernetes.io/name": .string(d.name)])
        var status: [String: JSONValue] = ["observedGeneration": .num(d.observedGeneration)]
        let ready = min(d.availableReplicas, d.statusReplicas)
        for (key, value) in [
            ("replicas", d.statusReplicas), ("updatedReplicas", d.updatedReplicas), ("readyReplicas", ready),
            ("availableReplicas", d.availableReplicas),
            ("unavailableReplicas", max(0, d.statusReplicas - d.availableReplicas)),
        ]
        where value > 0 {
            status[key] = .num(value)
        }
        let stamp = SimClock.github(SimClock.origin)
        let progressingMessage =
            switch d.progressingReason {
            case "NewReplicaSetAvailable": "ReplicaSet \"\(d.name)-\(d.generation)\" has successfully progressed."
            case "ProgressDeadlineExceeded": "ReplicaSet \"\(d.name)-\(d.generation)\" has timed out progressing."
            default: "ReplicaSet \"\(d.name)-\(d.generation)\" is progressing."
            }
        status["conditions"] = .array([
            .obj([
                "type": .string("Available"), "status": .string(d.availableReplicas >= d.replicas ? "True" : "False"),
                "lastUpdateTime": .string(stamp), "lastTransitionTime": .string(stamp),
                "reason": .string(
                    d.availableReplicas >= d.replicas ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable"
                ),
                "message": .string(
                    d.availableReplicas >= d.replicas
                        ? "Deployment has minimum availability." : "Deployment does not have minimum availability."
                ),
            ]),
            .obj([
                "type": .string("Progressing"), "status": .string(d.progressingStatus),
                "lastUpdateTime": .string(stamp),
                "lastTransitionTime": .string(stamp), "reason": .string(d.progressingReason),
                "message": .string(progressingMessage),
            ]),
        ])
        var members: [String: JSONValue] = [
            "metadata": .obj([
                "name": .string(d.name), "namespace": .string(d.namespace),
                "uid": .string(
                    "00000000-0000-4000-8000-\(String(format: "%012d", abs(d.name.count * 7919 + d.namespace.count)))"
                ),
                "resourceVersion": .string(String(1000 + d.generation)), "generation": .num(d.generation),
                "creationTimestamp": .string(stamp), "labels": labels,
                "annotations": .obj(["deployment.kubernetes.io/revision": .string(String(d.generation))]),
            ]),
            "spec": .obj([
                "replicas": .num(d.replicas),
                "selector": .obj(["matchLabels": labels]),
                "template": .obj([
                    "metadata": .obj(["creationTimestamp": .null, "labels": labels]),
                    "spec": .obj([
                        "containers": .array([
                            .obj([
                                "name": .string(d.container), "image": .string(d.image), "resources": .obj([:]),
                                "terminationMessagePath": .string("/dev/termination-log"),
                                "terminationMessagePolicy": .string("File"),
                                "imagePullPolicy": .string("IfNotPresent"),
                            ])
                        ]),
                        "restartPolicy": .string("Always"), "terminationGracePeriodSeconds": .num(30),
                        "dnsPolicy": .string("ClusterFirst"), "securityContext": .obj([:]),
                        "schedulerName": .string("default-scheduler"),
                    ]),
                ]),
                "strategy": .obj([
                    "type": .string("RollingUpdate"),
                    "rollingUpdate": .obj(["maxUnavailable": .string("25%"), "maxSurge": .string("25%")]),
                ]),
                "revisionHistoryLimit": .num(10), "progressDeadlineSeconds": .num(600),
            ]),
            "status": .object(status),
        ]
        if !inList {
            members["kind"] = .string("Deployment")
            members["apiVersion"] = .string("apps/v1")
        }
        return .object(members)
    }
}
