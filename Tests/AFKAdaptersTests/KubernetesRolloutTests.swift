import AFKAdapters
import AFKTesting
import AFKCore
import Foundation
import Synchronization
import Testing

/// The Kubernetes rollout stage on recorded-shape Deployments and Status objects
/// (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/).
struct KubernetesRolloutTests {
    let repo = RepoRef(owner: "acme", name: "widgets")
    static let sha = "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"  // the fixtures' image tag is its first 12 characters
    static let web = KubernetesSettings.Deployment(namespace: "prod", name: "web")
    static let webPath = "/apis/apps/v1/namespaces/prod/deployments/web"
    static let server = URL(string: "https://k8s.example.test:6443")!

    func probe(
        _ transport: ScriptedTransport,
        deployments: [KubernetesSettings.Deployment] = [web],
        shaLength: Int = 7,
        container: String? = nil,
        auth: KubernetesAuth = .explicit(url: server, token: "k8s-secret-token", caFile: nil),
        readFile: @escaping @Sendable (String) -> String? = { _ in nil }
    ) -> KubernetesRollout {
        KubernetesRollout(
            settings: KubernetesSettings(
                deployments: deployments,
                shaLength: shaLength,
                container: container,
                auth: auth
            ),
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 5),
            logger: quietLogger,
            sleep: { _ in },
            readFile: readFile
        )
    }

    func transport(_ fixtures: String...) async throws -> ScriptedTransport {
        let transport = ScriptedTransport()
        let responses = try fixtures.map { try Fixture.ok($0) }
        await transport.on("GET", Self.webPath, responses.first ?? ServiceResponse(status: 500))
        for response in responses.dropFirst() { await transport.on("GET", Self.webPath, response) }
        return transport
    }

    enum Expect: Sendable {
        case green
        case pending(String)
        case red(String)
    }

    @Test(arguments: [
        ("k8s-deployment-complete", Expect.green),
        ("k8s-deployment-rolling", .pending("prod/web: 1 out of 3 new replicas have been updated")),
        ("k8s-deployment-unobserved", .pending("prod/web: waiting for the deployment spec update to be observed")),
        ("k8s-deployment-deadline", .red("prod/web exceeded its progress deadline (ProgressDeadlineExceeded)")),
        ("k8s-deployment-old-image", .pending("prod/web image is 0123456789ab, v0.28.0, waiting for 86f7e43")),
    ])
    func readsTheRolloutOfTheImageTaggedWithTheCommit(_ fixture: String, _ expected: Expect) async throws {
        let reading = try await probe(try await transport(fixture)).read(sha: Self.sha, in: repo)
        switch (reading, expected) {
        case (.green(let detail), .green):
            #expect(detail == "prod/web rolled out 86f7e437faa5")
        case (.pending(let detail), .pending(let want)):
            #expect(detail == want)  // with no container configured, every container's tag is named
        case (.red(let failing), .red(let want)):
            #expect(failing == [want])
        default:
            Issue.record("\(fixture): got \(reading)")
        }
    }

    @Test func requestIsTheDeploymentWithBearerToken() async throws {
        let transport = try await transport("k8s-deployment-complete")
        _ = try await probe(transport).read(sha: Self.sha, in: repo)
        let request = try #require(await transport.requests.first)
        #expect(request.method == "GET")
        #expect(
            request.url.absoluteString == "https://k8s.example.test:6443/apis/apps/v1/namespaces/prod/deployments/web"
        )
        #expect(request.headers["Authorization"] == "Bearer k8s-secret-token")
        #expect(request.headers["Accept"] == "application/json")
    }

    @Test func shaLengthAndContainerChooseWhatMustMatch() async throws {
        // The tag holds 12 characters of the SHA: 12 matches, 13 does not; 40 means the full SHA.
        #expect(
            try await probe(try await transport("k8s-deployment-complete"), shaLength: 12).read(sha: Self.sha, in: repo)
                == .green("prod/web rolled out 86f7e437faa5")
        )
        #expect(
            try await probe(try await transport("k8s-deployment-complete"), shaLength: 40).read(sha: Self.sha, in: repo)
                == .pending("prod/web image is 86f7e437faa5, v0.28.0, waiting for \(Self.sha)")
        )
        #expect(KubernetesSettings(deployments: [], shaLength: 3).shaLength == 7)
        #expect(KubernetesSettings(deployments: [], shaLength: 64).shaLength == 40)
        // A named container: only its image counts.
        #expect(
            try await probe(try await transport("k8s-deployment-complete"), container: "metrics-sidecar")
                .read(sha: Self.sha, in: repo)
                == .pending("prod/web image is v0.28.0, waiting for 86f7e43")
        )
        let error = await #expect(throws: ServiceError.self) {
            try await probe(try await transport("k8s-deployment-complete"), container: "api")
                .read(sha: Self.sha, in: repo)
        }
        #expect(error?.kind == .misconfigured)
        #expect(error?.message.contains("no container named api (it has: app, metrics-sidecar)") == true)
    }

    @Test func everyDeploymentMustBeGreen() async throws {
        let api = KubernetesSettings.Deployment(namespace: "prod", name: "api")
        let transport = ScriptedTransport()
        await transport.on("GET", Self.webPath, try Fixture.ok("k8s-deployment-complete"))
        await transport.on(
            "GET",
            "/apis/apps/v1/namespaces/prod/deployments/api",
            try Fixture.ok("k8s-deployment-rolling"),
            try Fixture.ok("k8s-deployment-deadline"),
            try Fixture.ok("k8s-deployment-complete")
        )
        let rollout = probe(transport, deployments: [Self.web, api])
        #expect(
            try await rollout.read(sha: Self.sha, in: repo)
                == .pending("prod/api: 1 out of 3 new replicas have been updated")
        )
        #expect(
            try await rollout.read(sha: Self.sha, in: repo)
                == .red(failing: ["prod/api exceeded its progress deadline (ProgressDeadlineExceeded)"])
        )
        #expect(
            try await rollout.read(sha: Self.sha, in: repo)
                == .green("prod/web rolled out 86f7e437faa5; prod/api rolled out 86f7e437faa5")
        )
    }

    @Test func rolloutThatNeverCompletesStaysPending() async throws {
        let rollout = probe(try await transport("k8s-deployment-rolling"))
        for _ in 0..<5 {
            guard case .pending = try await rollout.read(sha: Self.sha, in: repo) else {
                Issue.record("a rollout that never completes must stay pending")
                return
            }
        }
    }

    @Test func missingDeploymentIsMisconfiguredAndNamesIt() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", Self.webPath, try Fixture.ok("k8s-status-notfound", status: 404))
        let error = await #expect(throws: ServiceError.self) {
            try await probe(transport).read(sha: Self.sha, in: repo)
        }
        #expect(error?.kind == .misconfigured)
        #expect(error?.message.contains("prod/web") == true)
        #expect(error?.message.contains("kubernetes.deployments") == true)
        let none = await #expect(throws: ServiceError.self) {
            try await probe(transport, deployments: []).read(sha: Self.sha, in: repo)
        }
        #expect(none?.kind == .misconfigured)
    }

    @Test func unauthorizedAndForbidden() async throws {
        let transport = ScriptedTransport()
        await transport.on(
            "GET",
            Self.webPath,
            try Fixture.ok("k8s-status-unauthorized", status: 401),
            try Fixture.ok("k8s-status-forbidden", status: 403)
        )
        let rollout = probe(transport)
        let unauthorized = await #expect(throws: ServiceError.self) { try await rollout.read(sha: Self.sha, in: repo) }
        #expect(unauthorized?.kind == .badCredentials)
        #expect(unauthorized?.description.contains("k8s-secret-token") == false)
        let forbidden = await #expect(throws: ServiceError.self) { try await rollout.read(sha: Self.sha, in: repo) }
        #expect(forbidden?.kind == .forbidden)
        #expect(forbidden?.message.contains("get on deployments.apps in namespace prod") == true)
        // the API server's own words
        #expect(forbidden?.message.contains("cannot get resource \"deployments\"") == true)
        #expect(forbidden?.description.contains("k8s-secret-token") == false)
    }

    struct UntrustedTLS: HTTPTransport {
        func send(_ request: ServiceRequest) async throws(TransportError) -> ServiceResponse {
            throw TransportError("TLS connection to \(request.url.host ?? "?") failed (-1202)", mayHaveArrived: false)
        }
    }

    @Test func untrustedCertificateIsCouldNotAskWithAHint() async throws {
        let rollout = KubernetesRollout(
            settings: KubernetesSettings(
                deployments: [Self.web],
                auth: .explicit(url: Self.server, token: "t", caFile: nil)
            ),
            transport: UntrustedTLS(),
            retry: RetryPolicy(budgetSeconds: 1),
            logger: quietLogger,
            sleep: { _ in }
        )
        let error = await #expect(throws: ServiceError.self) { try await rollout.read(sha: Self.sha, in: repo) }
        #expect(error?.kind == .unavailable)
        #expect(error?.message.contains("afk trust-bundle") == true)
    }

    // MARK: In cluster

    final class TokenFile: Sendable {
        let value = Mutex("token-one\n")
        let reads = Mutex(0)
        func read(_ path: String) -> String? {
            guard path == "/sa/token" else { return nil }
            reads.withLock { $0 += 1 }
            return value.withLock { $0 }
        }
    }

    @Test func inClusterUsesTheServiceEnvironmentAndReReadsTheToken() async throws {
        let transport = try await transport("k8s-deployment-complete")
        let file = TokenFile()
        let auth = KubernetesAuth.inCluster(
            .init(
                tokenFile: "/sa/token",
                caFile: "/sa/ca.crt",
                namespaceFile: "/sa/namespace",
                environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
            )
        )
        let rollout = probe(transport, auth: auth, readFile: { file.read($0) })
        _ = try await rollout.read(sha: Self.sha, in: repo)
        file.value.withLock { $0 = "token-two" }  // the kubelet rotated the projected token
        _ = try await rollout.read(sha: Self.sha, in: repo)
        let requests = await transport.requests
        #expect(
            requests.map(\.url.absoluteString) == Array(repeating: "https://10.96.0.1:443" + Self.webPath, count: 2)
        )
        #expect(requests.map { $0.headers["Authorization"] } == ["Bearer token-one", "Bearer token-two"])
        #expect(file.reads.withLock { $0 } == 2)
    }

    @Test func inClusterErrorsNameWhatIsMissing() async throws {
        let transport = try await transport("k8s-deployment-complete")
        let outside = probe(transport, auth: .inCluster(.init(tokenFile: "/sa/token", environment: [:])))
        let notInPod = await #expect(throws: ServiceError.self) { try await outside.read(sha: Self.sha, in: repo) }
        #expect(notInPod?.kind == .misconfigured)
        #expect(notInPod?.message.contains("KUBERNETES_SERVICE_HOST") == true)
        let noToken = probe(
            transport,
            auth: .inCluster(
                .init(
                    tokenFile: "/missing/token",
                    environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"]
                )
            )
        )
        let missing = await #expect(throws: ServiceError.self) { try await noToken.read(sha: Self.sha, in: repo) }
        #expect(missing?.message.contains("/missing/token") == true)
        #expect(await transport.requests.isEmpty)
        // IPv6 service hosts are bracketed, as client-go's net.JoinHostPort does.
        let v6 = probe(
            transport,
            auth: .inCluster(
                .init(
                    tokenFile: "/sa/token",
                    environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"]
                )
            ),
            readFile: { _ in "tok" }
        )
        _ = try await v6.read(sha: Self.sha, in: repo)
        #expect(await transport.requests.first?.url.host?.contains("fd00::1") == true)
        #expect(await transport.requests.first?.url.absoluteString.hasPrefix("https://[fd00::1]:443/") == true)
    }

    @Test func descriptionsNeverShowTheToken() {
        let auth = KubernetesAuth.explicit(url: Self.server, token: "k8s-secret-token", caFile: "/etc/afk/ca.crt")
        #expect(!auth.description.contains("k8s-secret-token"))
        #expect(auth.caFile == "/etc/afk/ca.crt")
        #expect(KubernetesAuth.inCluster().caFile == "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt")
    }

    // MARK: Trust bundle

    static let pem = "-----BEGIN CERTIFICATE-----\nMIIBcluster\n-----END CERTIFICATE-----\n"

    func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("afk-trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func theTrustBundleIsTheFirstSystemBundleAndTheClusterCA() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let system = dir.appendingPathComponent("system.crt")
        let other = dir.appendingPathComponent("other.crt")
        let ca = dir.appendingPathComponent("ca.crt")
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try "-----BEGIN CERTIFICATE-----\nMIIBsystem\n-----END CERTIFICATE-----"
            .write(to: system, atomically: true, encoding: .utf8)
        try "-----BEGIN CERTIFICATE-----\nMIIBother\n-----END CERTIFICATE-----\n"
            .write(to: other, atomically: true, encoding: .utf8)
        try Self.pem.write(to: ca, atomically: true, encoding: .utf8)
        let path = try KubernetesAuth.writeTrustBundle(
            caFile: ca.path,
            systemBundles: [dir.appendingPathComponent("absent.crt").path, dir.path, system.path, other.path],
            directory: out.path
        )
        #expect(path == out.appendingPathComponent("afk-ca-bundle.pem").path)
        let bundle = try String(contentsOfFile: path, encoding: .utf8)
        #expect(
            bundle == "-----BEGIN CERTIFICATE-----\nMIIBsystem\n-----END CERTIFICATE-----\n"
                + "# afk: Kubernetes cluster CA from \(ca.path)\n" + Self.pem
        )
        // Writing again replaces the bundle rather than appending to it.
        _ = try KubernetesAuth.writeTrustBundle(caFile: ca.path, systemBundles: [system.path], directory: out.path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == bundle)
    }

    @Test func theTrustBundleRefusesWhatWouldBreakTLS() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = dir.appendingPathComponent("ca.crt")
        let notPEM = dir.appendingPathComponent("not.crt")
        try Self.pem.write(to: ca, atomically: true, encoding: .utf8)
        try "hello".write(to: notPEM, atomically: true, encoding: .utf8)
        let table: [(String, [String], String, String)] = [
            (dir.appendingPathComponent("missing.crt").path, [ca.path], dir.path, "cannot read the cluster CA file"),
            (notPEM.path, [ca.path], dir.path, "holds no PEM certificate"),
            (ca.path, [dir.appendingPathComponent("none").path], dir.path, "no system CA bundle found"),
            (ca.path, [ca.path], dir.appendingPathComponent("no/such/dir").path, "cannot write the CA bundle"),
        ]
        for (caFile, bundles, directory, message) in table {
            let error = #expect(throws: ServiceError.self) {
                try KubernetesAuth.writeTrustBundle(caFile: caFile, systemBundles: bundles, directory: directory)
            }
            #expect(error?.kind == .misconfigured)
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
        }
    }

    @Test func namespaceComesFromTheServiceAccountMount() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("namespace")
        try "afk\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(KubernetesAuth.namespace(file: file.path) == "afk")
        #expect(KubernetesAuth.namespace(file: dir.appendingPathComponent("absent").path) == nil)
    }
}
