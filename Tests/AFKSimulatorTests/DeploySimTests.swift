import AFKSimulator
import AFKTesting
import Foundation
import Testing

/// The simulated Woodpecker (`/woodpecker/api`) and Kubernetes (`/k8s`) services, over real HTTP.
struct DeploySimTests {
    static let wpToken = "wp_pat"
    static let k8sToken = "sa-token"

    static let scenarioJSON = #"""
        { "github": { "tokens": {"ghp_bot": "afk-bot"}, "repos": [{ "owner": "acme", "name": "widgets" }, { "owner": "acme", "name": "gadgets" }] },
          "woodpecker": { "tokens": {"wp_pat": "afk-bot", "wp_other": "mallory"},
            "repos": [
              { "owner": "acme", "name": "widgets", "id": 7, "users": ["afk-bot"], "auto": {"status": "failure", "after_reads": 2} },
              { "owner": "deploys", "name": "gadgets-prod", "forge_repo": "acme/gadgets", "private": false,
                "auto": {"status": "running", "event": "deployment"},
                "pipelines": [{"commit": "1111111111111111111111111111111111111111", "status": "success"},
                              {"commit": "2222222222222222222222222222222222222222", "status": "killed", "branch": "feature", "event": "pull_request"}] } ] },
          "kubernetes": { "tokens": {"sa-token": {"namespaces": ["prod"]}, "admin-token": {"user": "kubernetes-admin"}},
            "deployments": [
              { "namespace": "prod", "name": "web", "image": "registry.example.com:5000/acme/widgets:v1", "replicas": 3, "repo": "acme/widgets",
                "on_push": {"outcome": "complete", "after_reads": 2} },
              { "namespace": "prod", "name": "worker", "image": "registry.example.com/acme/widgets-worker:v1", "repo": "acme/widgets",
                "on_push": {"outcome": "never"} },
              { "namespace": "prod", "name": "cron", "image": "registry.example.com/acme/gadgets:v1", "repo": "acme/gadgets",
                "on_push": {"outcome": "deadline_exceeded", "after_reads": 1} },
              { "namespace": "staging", "name": "web", "image": "registry.example.com/acme/widgets:v1" } ] } }
        """#

    static func scenario() throws -> Scenario { try Scenario.decode(fromJSON: Data(scenarioJSON.utf8)) }

    func wp(_ sim: Simulator, _ pathAndQuery: String, token: String? = wpToken) async throws -> Reply {
        try await HTTP.send(
            "GET",
            try #require(URL(string: await sim.woodpeckerURL.absoluteString + "/api" + pathAndQuery)),
            token: token
        )
    }

    func k8s(_ sim: Simulator, _ path: String, token: String? = k8sToken) async throws -> Reply {
        try await HTTP.send(
            "GET",
            try #require(URL(string: await sim.kubernetesURL.absoluteString + path)),
            token: token
        )
    }

    // MARK: Woodpecker

    @Test func woodpeckerLookupAndAuth() async throws {
        try await withSimulator(try Self.scenario()) { (sim: Simulator) async throws in
            let repo = try await wp(sim, "/repos/lookup/acme/widgets")
            #expect(repo.status == 200)
            #expect(repo.json?["id"] == .int(7))
            #expect(repo.json?["full_name"] == .string("acme/widgets"))
            #expect(repo.json?["default_branch"] == .string("main"))
            // Woodpecker's repo middleware answers with gin's AbortWithStatus: no body.
            for (path, token, status) in [
                ("/repos/lookup/acme/widgets", nil, 401), ("/repos/lookup/acme/widgets", "wrong", 401),
                ("/repos/lookup/acme/widgets", "wp_other", 404),  // signed in, but no access (MustPull)
                ("/repos/lookup/acme/nothing", Self.wpToken, 404), ("/repos/lookup/acme/nothing", nil, 401),
                ("/repos/7/pipelines", nil, 401), ("/repos/99/pipelines", Self.wpToken, 404),
                ("/repos/seven", Self.wpToken, 400),
            ] as [(String, String?, Int)] {
                let reply = try await wp(sim, path, token: token)
                #expect(reply.status == status, "\(path) with \(token ?? "no token")")
                #expect(reply.body.isEmpty)
            }
            // A public repository is readable without a token.
            let id = try #require(
                try await wp(sim, "/repos/lookup/deploys/gadgets-prod", token: nil).json?["id"]?.intValue
            )
            #expect(try await wp(sim, "/repos/\(id)/pipelines", token: nil).status == 200)
            #expect(try await wp(sim, "/user").json?["login"] == .string("afk-bot"))
            let guest = try await wp(sim, "/user", token: nil)
            #expect(guest.status == 401)
            #expect(guest.text == "User not authorized")
        }
    }

    @Test func woodpeckerPipelinesArePagedNewestFirst() async throws {
        var scenario = try Self.scenario()
        scenario.woodpecker.repos[0].pipelines = (1...120)
            .map {
                WoodpeckerSimPipeline(
                    commit: String(format: "%040d", $0),
                    event: $0 % 10 == 0 ? "deployment" : "push",
                    status: "success"
                )
            }
        try await withSimulator(scenario) { (sim: Simulator) async throws in
            let first = try #require(try await wp(sim, "/repos/7/pipelines?page=1&perPage=100").json?.arrayValue)
            #expect(first.count == 50)  // perPage is clamped to 50 (session/pagination.go)
            #expect(first.first?["number"] == .int(120))
            #expect(first.last?["number"] == .int(71))
            let third = try #require(try await wp(sim, "/repos/7/pipelines?page=3&perPage=50").json?.arrayValue)
            #expect(third.map { $0["number"]?.intValue ?? 0 } == Array((1...20).reversed()).map(Int64.init))
            #expect(try await wp(sim, "/repos/7/pipelines?page=4").json?.arrayValue?.isEmpty == true)
            let deployments = try #require(
                try await wp(sim, "/repos/7/pipelines?event=deployment,tag").json?.arrayValue
            )
            #expect(deployments.count == 12)
            let one = try #require(deployments.first)
            for key in [
                "id", "number", "event", "status", "commit", "branch", "ref", "created", "started", "finished",
                "author", "forge_url",
            ] {
                #expect(one.has(key), "pipeline payload lacks \(key)")
            }
            #expect(try await wp(sim, "/repos/7/pipelines?branch=feature").json?.arrayValue?.isEmpty == true)
            #expect(try await wp(sim, "/repos/7/pipelines?status=exploded").status == 400)
            #expect(
                try await wp(sim, "/repos/7/pipelines/120").json?["commit"] == .string(String(format: "%040d", 120))
            )
            #expect(try await wp(sim, "/repos/7/pipelines/latest").json?["number"] == .int(120))
            #expect(try await wp(sim, "/repos/7/pipelines/999").status == 404)
        }
    }

    @Test func pushesGetPipelinesThatConcludeAfterReads() async throws {
        try await withSimulator(try Self.scenario()) { (sim: Simulator) async throws in
            let sha = await sim.pushCommit("acme", "widgets", branch: "main", message: "Implement #1\n\nCloses #1")
            _ = await sim.pushCommit("acme", "widgets", branch: "feature", message: "not deployed")
            // `after_reads: 2`: two list reads see it running, the third sees the final status.
            for expected in ["running", "running", "failure", "failure"] {
                let list = try #require(try await wp(sim, "/repos/7/pipelines").json?.arrayValue)
                #expect(list.count == 1)  // the feature-branch push made no pipeline
                #expect(list.first?["commit"] == .string(sha))
                #expect(list.first?["status"] == .string(expected))
            }
            // Gadgets' Woodpecker repository has another name and runs forever.
            let gadgetSHA = await sim.pushCommit("acme", "gadgets", branch: "main", message: "Deploy")
            let gadgets = await sim.woodpeckerPipelines("deploys", "gadgets-prod")
            #expect(gadgets.first?.commit == gadgetSHA)
            #expect(gadgets.first?.status == "running")
            #expect(gadgets.first?.event == "deployment")
            #expect(gadgets.map(\.number) == [3, 2, 1])
            // Control: set the status by hand, add one.
            #expect(
                await sim.setWoodpeckerPipelineStatus(
                    "deploys",
                    "gadgets-prod",
                    commit: gadgetSHA.uppercased(),
                    status: "success"
                )
            )
            #expect(await sim.woodpeckerPipelines("deploys", "gadgets-prod").first?.status == "success")
            #expect(await sim.addWoodpeckerPipeline("deploys", "gadgets-prod", commit: gadgetSHA, status: "error") == 4)
            #expect(await sim.addWoodpeckerPipeline("nobody", "here", commit: gadgetSHA, status: "error") == nil)
            #expect(await !sim.setWoodpeckerPipelineStatus("deploys", "gadgets-prod", commit: "f00", status: "success"))
        }
    }

    /// Every served Woodpecker route exists (method + path template) in the Woodpecker API
    /// description (the route table extracted from its swagger) and answers 200 here. Its paths
    /// are relative to the base path `/api` (https://woodpecker-ci.org/api), which is where the
    /// simulator serves them.
    @Test func everyServedWoodpeckerRouteIsInTheSwagger() async throws {
        let table = try RouteTable.load(.woodpecker)
        let routes = Simulator.woodpeckerRoutes
        #expect(routes.count >= 4)
        try await withSimulator(try Self.scenario()) { (sim: Simulator) async throws in
            let sha = await sim.pushCommit("acme", "widgets", branch: "main", message: "x")
            #expect(!sha.isEmpty)
            for route in routes {
                let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
                #expect(table.operation(parts[0], parts[1]) != nil, "\(route) is not in the Woodpecker swagger")
                let path = parts[1].replacingOccurrences(of: "{repo_full_name}", with: "acme/widgets")
                    .replacingOccurrences(of: "{repo_id}", with: "7")
                    .replacingOccurrences(of: "{pipeline_number}", with: "1")
                let reply = try await wp(sim, path)
                #expect(reply.status == 200, "\(route) → \(reply.status) \(reply.text)")
            }
        }
    }

    // MARK: Kubernetes

    @Test func kubernetesServesRealDeploymentObjects() async throws {
        try await withSimulator(try Self.scenario()) { (sim: Simulator) async throws in
            let reply = try await k8s(sim, "/apis/apps/v1/namespaces/prod/deployments/web")
            #expect(reply.status == 200)
            let d = try #require(reply.json)
            #expect(d["kind"] == .string("Deployment"))
            #expect(d["apiVersion"] == .string("apps/v1"))
            #expect(d["metadata"]?["name"] == .string("web"))
            #expect(d["metadata"]?["namespace"] == .string("prod"))
            #expect(d["metadata"]?["generation"] == .int(1))
            #expect(d["spec"]?["replicas"] == .int(3))
            let containers = try #require(d["spec"]?["template"]?["spec"]?["containers"]?.arrayValue)
            #expect(containers.first?["image"] == .string("registry.example.com:5000/acme/widgets:v1"))
            #expect(d["status"]?["observedGeneration"] == .int(1))
            #expect(d["status"]?["updatedReplicas"] == .int(3))
            let conditions = try #require(d["status"]?["conditions"]?.arrayValue)
            #expect(conditions.map { $0["type"] } == [.string("Available"), .string("Progressing")])
            #expect(conditions.last?["reason"] == .string("NewReplicaSetAvailable"))
            let list = try await k8s(sim, "/apis/apps/v1/namespaces/prod/deployments")
            #expect(list.json?["kind"] == .string("DeploymentList"))
            #expect(list.json?["items"]?.arrayValue?.count == 3)
        }
    }

    @Test func kubernetesErrorsAreStatusObjects() async throws {
        try await withSimulator(try Self.scenario()) { (sim: Simulator) async throws in
            let table: [(String, String?, Int, String, String)] = [
                ("/apis/apps/v1/namespaces/prod/deployments/web", nil, 401, "Unauthorized", "Unauthorized"),
                ("/apis/apps/v1/namespaces/prod/deployments/web", "stolen", 401, "Unauthorized", "Unauthorized"),
                (
                    "/apis/apps/v1/namespaces/staging/deployments/web", Self.k8sToken, 403, "Forbidden",
                    #"deployments.apps "web" is forbidden: User "system:serviceaccount:afk:afk-watcher" cannot get resource "deployments" in API group "apps" in the namespace "staging""#
                ),
                (
                    "/apis/apps/v1/namespaces/prod/deployments/api", Self.k8sToken, 404, "NotFound",
                    #"deployments.apps "api" not found"#
                ),
                (
                    "/apis/apps/v1/namespaces/staging/deployments/api", "admin-token", 404, "NotFound",
                    #"deployments.apps "api" not found"#
                ),
                (
                    "/api/v1/namespaces/prod/pods", Self.k8sToken, 404, "NotFound",
                    "the server could not find the requested resource"
                ),
            ]
            for (path, token, code, reason, message) in table {
                let reply = try await k8s(sim, path, token: token)
                #expect(reply.status == code, "\(path)")
                let status = try #require(reply.json)
                #expect(status["kind"] == .string("Status"))
                #expect(status["apiVersion"] == .string("v1"))
                #expect(status["status"] == .string("Failure"))
                #expect(status["reason"] == .string(reason))
                #expect(status["message"] == .string(message))
                #expect(status["code"] == .int(Int64(code)))
            }
            #expect(
                try await k8s(sim, "/apis/apps/v1/namespaces/staging/deployments/web", token: "admin-token").status
                    == 200
            )
        }
    }

    /// Field values of one Deployment read.
    struct Seen: Equatable, CustomStringConvertible {
        var tag: String
        var updated: Int64
        var reason: String
        var description: String { "\(tag) updated=\(updated) \(reason)" }
    }

    func seen(_ sim: Simulator, _ name: String, token: String = k8sToken) async throws -> Seen {
        let d = try #require(try await k8s(sim, "/apis/apps/v1/namespaces/prod/deployments/\(name)", token: token).json)
        let image = d["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["image"]?.stringValue ?? ""
        let reason = d["status"]?["conditions"]?.arrayValue?.last?["reason"]?.stringValue ?? ""
        return Seen(
            tag: String(image.split(separator: ":").last ?? ""),
            updated: d["status"]?["updatedReplicas"]?.intValue ?? 0,
            reason: reason
        )
    }

    @Test func pushesRollDeploymentsOut() async throws {
        try await withSimulator(try Self.scenario()) { (sim: Simulator) async throws in
            // Before the push the tag is not the commit.
            #expect(try await seen(sim, "web") == Seen(tag: "v1", updated: 3, reason: "NewReplicaSetAvailable"))
            let sha = await sim.pushCommit("acme", "widgets", branch: "main", message: "Implement #1")
            // `after_reads: 2`: two reads see the rollout in progress, then it is complete.
            #expect(try await seen(sim, "web") == Seen(tag: sha, updated: 0, reason: "ReplicaSetUpdated"))
            #expect(try await seen(sim, "web") == Seen(tag: sha, updated: 0, reason: "ReplicaSetUpdated"))
            #expect(try await seen(sim, "web") == Seen(tag: sha, updated: 3, reason: "NewReplicaSetAvailable"))
            let web = try #require(await sim.deployment(namespace: "prod", name: "web"))
            #expect(web.generation == 2)
            #expect(web.image == "registry.example.com:5000/acme/widgets:\(sha)")
            // `never`: pending forever.
            for _ in 0..<4 {
                #expect(try await seen(sim, "worker") == Seen(tag: sha, updated: 0, reason: "ReplicaSetUpdated"))
            }
            // `deadline_exceeded`: one read in progress, then Progressing=False.
            let gadget = await sim.pushCommit("acme", "gadgets", branch: "main", message: "x")
            #expect(try await seen(sim, "cron") == Seen(tag: gadget, updated: 0, reason: "ReplicaSetUpdated"))
            #expect(try await seen(sim, "cron") == Seen(tag: gadget, updated: 1, reason: "ProgressDeadlineExceeded"))
            let cron = try #require(try await k8s(sim, "/apis/apps/v1/namespaces/prod/deployments/cron").json)
            #expect(cron["status"]?["conditions"]?.arrayValue?.last?["status"] == .string("False"))
            // Pushes to other branches deploy nothing.
            _ = await sim.pushCommit("acme", "widgets", branch: "feature", message: "y")
            #expect(try await seen(sim, "web").tag == sha)
            // Control: finish the never-ending one by hand, roll out by hand.
            #expect(await sim.finishRollout(namespace: "prod", name: "worker"))
            #expect(try await seen(sim, "worker") == Seen(tag: sha, updated: 1, reason: "NewReplicaSetAvailable"))
            #expect(
                await sim.rollOut(
                    namespace: "prod",
                    name: "worker",
                    image: "registry.example.com/acme/widgets-worker:v2"
                )
            )
            #expect(try await seen(sim, "worker").tag == "v2")
            #expect(await !sim.rollOut(namespace: "prod", name: "nothing", image: "x:y"))
        }
    }

    @Test func rotatedTokensAreHonoured() async throws {
        try await withSimulator(try Self.scenario()) { (sim: Simulator) async throws in
            #expect(try await k8s(sim, "/apis/apps/v1/namespaces/prod/deployments/web").status == 200)
            // The kubelet rotates the projected token: the new one works, the old one is gone.
            await sim.setKubernetesToken("sa-token-2", KubeSimToken(namespaces: ["prod"]))
            await sim.setKubernetesToken(Self.k8sToken, nil)
            #expect(try await k8s(sim, "/apis/apps/v1/namespaces/prod/deployments/web").status == 401)
            #expect(
                try await k8s(sim, "/apis/apps/v1/namespaces/prod/deployments/web", token: "sa-token-2").status == 200
            )
        }
    }

    @Test func putDeploymentAddsOrReplaces() async throws {
        try await withSimulator(Scenario(kubernetes: KubernetesScenario(tokens: ["t": KubeSimToken()]))) {
            (sim: Simulator) async throws in
            #expect(try await k8s(sim, "/apis/apps/v1/namespaces/default/deployments/api", token: "t").status == 404)
            await sim.putDeployment(KubeSimDeployment(name: "api", image: "r/api:1", replicas: 2))
            #expect(
                try await k8s(sim, "/apis/apps/v1/namespaces/default/deployments/api", token: "t").json?["spec"]?[
                    "replicas"
                ] == .int(2)
            )
            await sim.putDeployment(KubeSimDeployment(name: "api", image: "r/api:1", replicas: 5))
            #expect(await sim.deployment(namespace: "default", name: "api")?.replicas == 5)
        }
    }

    @Test func scenarioKeysAreOptionalAndRoundTrip() throws {
        let empty = try Scenario.decode(
            fromJSON: Data(#"{"woodpecker": {}, "kubernetes": {"deployments": [{"name": "web"}]}}"#.utf8)
        )
        #expect(empty.woodpecker == WoodpeckerScenario())
        let web = try #require(empty.kubernetes.deployments.first)
        #expect(web.namespace == "default")
        #expect(web.image == "registry.example.com/web:latest")
        #expect(web.onPush == KubeSimRollout(outcome: "complete", afterReads: 1))
        let full = try Self.scenario()
        #expect(full.woodpecker.repos[1].forgeRepo == "acme/gadgets")
        #expect(full.woodpecker.repos[1].isPrivate == false)
        #expect(full.woodpecker.repos[0].auto == WoodpeckerAuto(status: "failure", afterReads: 2, event: "push"))
        #expect(try Scenario.decode(fromJSON: try full.encodedJSON()) == full)
    }
}
