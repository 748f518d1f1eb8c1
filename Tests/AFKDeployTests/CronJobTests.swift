import AFKAdapters
import Foundation
import Testing
import Yams

/// What the schema validators miss, asserted on the rendered overlays (`kubectl kustomize`):
/// the values that make each CronJob a safe, short, non-overlapping, unprivileged tick.
@Suite("Rendered CronJobs")
struct CronJobTests {
    static let cases: [(String, String)] = RenderedManifests.overlays.flatMap { overlay in
        RenderedManifests.cronJobs.map { (overlay, $0) }
    }

    /// Every container of a pod spec, init containers included.
    private func containers(_ pod: Node) -> [Node] { pod["initContainers"].array + pod["containers"].array }

    @Test("schedule: a valid 5-field cron firing every 2 minutes, in an explicit time zone", arguments: cases)
    func schedule(overlay: String, name: String) async throws {
        let job = try await RenderedManifests.render(overlay).one("CronJob", named: name)
        let schedule = try #require(job["spec"]["schedule"].string, "\(job["spec"]["schedule"])")
        let fields = try #require(
            Cron.expand(schedule),
            "\(overlay)/\(name): \"\(schedule)\" is not a valid 5-field cron schedule"
        )
        #expect(
            fields[0] == Set(stride(from: 0, through: 58, by: 2)),
            "\(overlay)/\(name): minute field of \"\(schedule)\" is not every 2 minutes"
        )
        #expect(
            fields[1] == Set(0...23) && fields[2] == Set(1...31) && fields[3] == Set(1...12)
                && fields[4].union([0, 7]) == Set(0...7),
            "\(overlay)/\(name): \"\(schedule)\" restricts hours, days or months"
        )
        let zone = try #require(
            job["spec"]["timeZone"].string,
            "\(overlay)/\(name): no timeZone (the controller's zone would apply)"
        )
        #expect(TimeZone(identifier: zone) != nil, "\(overlay)/\(name): timeZone \(zone) is not a known zone")
    }

    @Test("concurrency, deadlines, retries: one short tick at a time", arguments: cases)
    func tickLimits(overlay: String, name: String) async throws {
        let spec = try await RenderedManifests.render(overlay).one("CronJob", named: name)["spec"]
        #expect(spec["concurrencyPolicy"].string == "Forbid", "\(spec["concurrencyPolicy"])")
        let startingDeadline = try #require(
            spec["startingDeadlineSeconds"].int,
            "\(spec["startingDeadlineSeconds"]) must be an integer"
        )
        #expect(
            (10...120).contains(startingDeadline),
            "\(spec["startingDeadlineSeconds"]): must be set, ≥ 10 (controller period) and ≤ 120 (interval)"
        )
        let jobSpec = spec["jobTemplate"]["spec"]
        #expect(jobSpec["backoffLimit"].int == 0, "\(jobSpec["backoffLimit"]): the next tick is the retry")
        let activeDeadline = try #require(
            jobSpec["activeDeadlineSeconds"].int,
            "\(jobSpec["activeDeadlineSeconds"]) must be an integer"
        )
        #expect(
            activeDeadline > 0 && activeDeadline < 120,
            "\(jobSpec["activeDeadlineSeconds"]): a hung tick must end before the next schedule"
        )
        // The tick's own deadline (the shipped value, which is also afk's default) ends it with a
        // report well before Kubernetes stops the pod.
        let rendered = try await RenderedManifests.render(overlay)
        let text = try #require(rendered.all("ConfigMap").compactMap { $0["data"]["afk.yaml"].string }.first)
        let shipped = try #require((try Yams.load(yaml: text) as? [String: Any])?["tick"] as? [String: Any])[
            "deadline_seconds"
        ]
        let deadline = try #require(
            (shipped as? Int).map(Double.init) ?? (shipped as? Double),
            "tick.deadline_seconds must be shipped"
        )
        #expect(
            deadline == AFKConfig().tick.deadlineSeconds,
            "the shipped tick.deadline_seconds and afk's default disagree"
        )
        #expect(
            deadline + 15 <= Double(activeDeadline),
            "tick.deadline_seconds \(deadline) is too close to activeDeadlineSeconds \(activeDeadline)"
        )
        let pod = jobSpec["template"]["spec"]
        #expect(pod["restartPolicy"].string == "Never", "\(pod["restartPolicy"])")
        if let grace = pod["terminationGracePeriodSeconds"].int {
            #expect(grace < activeDeadline, "\(pod["terminationGracePeriodSeconds"])")
        }
    }

    @Test(
        "pod security: non-root numeric user, no escalation, read-only root, no capabilities, seccomp",
        arguments: cases
    )
    func podSecurity(overlay: String, name: String) async throws {
        let pod =
            try await
            RenderedManifests.render(overlay).one("CronJob", named: name)["spec"]["jobTemplate"]["spec"]["template"][
                "spec"
            ]
        let podContext = pod["securityContext"]
        let all = containers(pod)
        #expect(!all.isEmpty, "\(pod["containers"]): no containers")
        for container in all {
            let context = container["securityContext"]
            let label = "\(overlay)/\(name)/\(container["name"].string ?? "?")"
            let runAsNonRoot = context["runAsNonRoot"].bool ?? podContext["runAsNonRoot"].bool
            #expect(runAsNonRoot == true, "\(label): runAsNonRoot must be true (\(podContext["runAsNonRoot"]))")
            let user = context["runAsUser"].int ?? podContext["runAsUser"].int
            #expect(
                user.map { $0 > 0 } == true,
                "\(label): runAsUser must be a numeric non-zero user (\(podContext["runAsUser"]))"
            )
            let group = context["runAsGroup"].int ?? podContext["runAsGroup"].int
            #expect(
                group.map { $0 > 0 } == true,
                "\(label): runAsGroup must be numeric and not root (\(podContext["runAsGroup"]))"
            )
            let seccomp = context["seccompProfile"]["type"].string ?? podContext["seccompProfile"]["type"].string
            #expect(seccomp == "RuntimeDefault", "\(label): seccompProfile.type = \(seccomp ?? "<missing>")")
            #expect(context["allowPrivilegeEscalation"].bool == false, "\(context["allowPrivilegeEscalation"])")
            #expect(context["privileged"].bool != true, "\(context["privileged"])")
            #expect(context["readOnlyRootFilesystem"].bool == true, "\(context["readOnlyRootFilesystem"])")
            #expect(
                context["capabilities"]["drop"].strings?.contains("ALL") == true,
                "\(context["capabilities"]["drop"])"
            )
            #expect(
                (context["capabilities"]["add"].strings ?? []).allSatisfy { $0 == "NET_BIND_SERVICE" },
                "\(context["capabilities"]["add"])"
            )
        }
        // Restricted allows only these volume types.
        let allowed: Set<String> = [
            "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
        ]
        for volume in pod["volumes"].array {
            let types = volume.keys.subtracting(["name"])
            #expect(
                types.isSubset(of: allowed),
                "\(volume.path): volume type \(types.sorted()) is not allowed under Restricted"
            )
        }
        #expect(
            pod["hostNetwork"].bool != true && pod["hostPID"].bool != true && pod["hostIPC"].bool != true,
            "\(pod.path): host namespaces"
        )
    }

    @Test("resources: requests for cpu and memory, a memory limit", arguments: cases)
    func resources(overlay: String, name: String) async throws {
        let pod =
            try await
            RenderedManifests.render(overlay).one("CronJob", named: name)["spec"]["jobTemplate"]["spec"]["template"][
                "spec"
            ]
        for container in containers(pod) {
            let resources = container["resources"]
            #expect(!resources["requests"]["cpu"].isMissing, "\(resources["requests"]["cpu"])")
            #expect(!resources["requests"]["memory"].isMissing, "\(resources["requests"]["memory"])")
            #expect(!resources["limits"]["memory"].isMissing, "\(resources["limits"]["memory"])")
        }
    }

    @Test("a writable /tmp on the read-only root: an emptyDir is mounted there", arguments: cases)
    func writableTmp(overlay: String, name: String) async throws {
        let pod =
            try await
            RenderedManifests.render(overlay).one("CronJob", named: name)["spec"]["jobTemplate"]["spec"]["template"][
                "spec"
            ]
        for container in pod["containers"].array {
            let mount = container["volumeMounts"].array.first { $0["mountPath"].string == "/tmp" }
            let mountName = try #require(mount?["name"].string, "\(container.path): nothing mounted at /tmp")
            let volume = pod["volumes"].array.first { $0["name"].string == mountName }
            #expect(
                volume.map { !$0["emptyDir"].isMissing } == true,
                "\(pod["volumes"].path): /tmp volume \(mountName) is not an emptyDir"
            )
            #expect(mount?["readOnly"].bool != true, "\(container.path): /tmp is mounted read-only")
        }
    }

    @Test(
        "configuration: AFK_CONFIG names a file of a ConfigMap that exists in the overlay; tokens from afk-secrets",
        arguments: cases
    )
    func configuration(overlay: String, name: String) async throws {
        let rendered = try await RenderedManifests.render(overlay)
        let pod = try rendered.one("CronJob", named: name)["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        let container = pod["containers"][0]
        #expect(
            container["command"].strings?.first?.hasSuffix("/\(name)") == true,
            "\(container["command"]): the entrypoint is the \(name) binary"
        )
        #expect(
            container["image"].string.map { $0 != "afk" && !$0.isEmpty } == true,
            "\(container["image"]): the overlay's images: entry did not apply (still the base's placeholder name)"
        )
        let configPath = try #require(
            container["env"].array.first { $0["name"].string == "AFK_CONFIG" }?["value"].string,
            "\(container["env"]): AFK_CONFIG is not set"
        )
        let mount = try #require(
            container["volumeMounts"].array.first { configPath.hasPrefix(($0["mountPath"].string ?? "\u{0}") + "/") },
            "\(container["volumeMounts"]): nothing mounted above AFK_CONFIG=\(configPath)"
        )
        #expect(
            mount["subPath"].isMissing,
            "\(mount.path): mount the ConfigMap as a directory, not a subPath (no updates)"
        )
        let volume = try #require(
            pod["volumes"].array.first { $0["name"].string == mount["name"].string },
            "\(pod["volumes"])"
        )
        let configMapName = try #require(volume["configMap"]["name"].string, "\(volume.path): not a configMap volume")
        let configMap = try rendered.one("ConfigMap", named: configMapName)
        let key = String(configPath.dropFirst((mount["mountPath"].string ?? "").count + 1))
        #expect(
            !configMap["data"][key].isMissing,
            "\(configMap["data"].path): ConfigMap \(configMapName) has no key \(key) for AFK_CONFIG=\(configPath)"
        )
        let secretRefs = container["envFrom"].array.compactMap { $0["secretRef"]["name"].string }
        #expect(secretRefs == ["afk-secrets"], "\(container["envFrom"]): tokens come from the Secret afk-secrets")
    }

    @Test("ci-dry-run: both CronJobs suspended, every tick a JSON dry run", arguments: RenderedManifests.cronJobs)
    func dryRunOverlay(name: String) async throws {
        let spec = try await RenderedManifests.render("ci-dry-run").one("CronJob", named: name)["spec"]
        #expect(spec["suspend"].bool == true, "\(spec["suspend"])")
        let args = spec["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
        let list = args.strings ?? []
        #expect(list.contains("--dry-run"), "\(args)")
        #expect(
            list.firstIndex(of: "--output").map { $0 + 1 < list.count && list[$0 + 1] == "json" } == true,
            "\(args)"
        )
    }

    @Test("production: scheduled (not suspended), real ticks, JSON logs", arguments: RenderedManifests.cronJobs)
    func productionOverlay(name: String) async throws {
        let spec = try await RenderedManifests.render("production").one("CronJob", named: name)["spec"]
        #expect(spec["suspend"].bool != true, "\(spec["suspend"])")
        let args = spec["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
        let list = args.strings ?? []
        #expect(!list.contains("--dry-run"), "\(args)")
        #expect(
            list.firstIndex(of: "--log-format").map { $0 + 1 < list.count && list[$0 + 1] == "json" } == true,
            "\(args)"
        )
    }

    @Test(
        "sharded: an Indexed Job per tick, pod i on shard i with its own token",
        arguments: RenderedManifests.cronJobs
    )
    func shardedOverlay(name: String) async throws {
        let job =
            try await RenderedManifests.render("sharded").one("CronJob", named: name)["spec"]["jobTemplate"]["spec"]
        #expect(job["completionMode"].string == "Indexed")
        let shards = try #require(job["completions"].int)
        #expect(job["parallelism"].int == shards)
        let pod = job["template"]["spec"]
        let args = pod["containers"][0]["args"].strings ?? []
        let shard = try #require(args.firstIndex(of: "--shard").map { args[$0 + 1] })
        #expect(shard == "$(JOB_COMPLETION_INDEX)/\(shards)", "the shard count in --shard must match completions")
        let items = pod["volumes"].array.first { $0["name"].string == "shard-tokens" }?["secret"]["items"].array ?? []
        #expect(items.count == shards, "one token file per shard")
        let secretsDir = try #require(args.firstIndex(of: "--secrets-dir").map { args[$0 + 1] })
        for index in 0..<shards {
            #expect(items.contains { $0["path"].string == "\(index)/tracker-token" })
        }
        #expect(secretsDir.hasSuffix("/$(JOB_COMPLETION_INDEX)"))
    }
}
