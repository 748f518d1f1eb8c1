import Foundation
import Testing
import Yams

/// ServiceAccount tokens, RBAC, the shipped configuration and the image user, on the rendered
/// overlays.
@Suite("Rendered access and configuration")
struct AccessAndConfigTests {
    /// Whether a CronJob's pods get an API token: the pod's setting, else its ServiceAccount's,
    /// else Kubernetes' default (true).
    private func automounts(_ rendered: RenderedManifests, cronJob name: String) throws -> Bool {
        let pod = try rendered.one("CronJob", named: name)["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        let accountName = pod["serviceAccountName"].string ?? "default"
        let account = rendered.all("ServiceAccount").first { $0["metadata"]["name"].string == accountName }
        if accountName != "default" {
            #expect(
                account != nil,
                "\(rendered.overlay): \(name) runs as ServiceAccount \(accountName), which the overlay does not define"
            )
        }
        return pod["automountServiceAccountToken"].bool ?? account?["automountServiceAccountToken"].bool ?? true
    }

    @Test("only the watcher's pods mount a ServiceAccount token", arguments: RenderedManifests.overlays)
    func serviceAccountTokens(overlay: String) async throws {
        let rendered = try await RenderedManifests.render(overlay)
        #expect(
            try automounts(rendered, cronJob: "afk-watcher") == true,
            "\(overlay): the watcher needs its token to read Deployments"
        )
        #expect(
            try automounts(rendered, cronJob: "afk-poller") == false,
            "\(overlay): the poller must not get an API token"
        )
        for account in rendered.all("ServiceAccount") {
            #expect(
                account["automountServiceAccountToken"].bool == false,
                "\(account["automountServiceAccountToken"]): off on the account, on per pod"
            )
        }
        let watcherAccount =
            try rendered.one("CronJob", named: "afk-watcher")["spec"]["jobTemplate"]["spec"]["template"]["spec"][
                "serviceAccountName"
            ]
        let pollerAccount =
            try rendered.one("CronJob", named: "afk-poller")["spec"]["jobTemplate"]["spec"]["template"]["spec"][
                "serviceAccountName"
            ]
        #expect(
            watcherAccount.string != nil && watcherAccount.string != pollerAccount.string,
            "\(watcherAccount) vs \(pollerAccount): one account each"
        )
    }

    @Test(
        "RBAC: the watcher may only get and list apps/deployments in its own namespace",
        arguments: RenderedManifests.overlays
    )
    func rbac(overlay: String) async throws {
        let rendered = try await RenderedManifests.render(overlay)
        #expect(
            rendered.all("ClusterRole").isEmpty && rendered.all("ClusterRoleBinding").isEmpty,
            "\(overlay): no cluster-wide RBAC"
        )
        let roles = rendered.all("Role")
        #expect(roles.count == 1, "\(overlay): expected one Role, found \(roles.count)")
        for role in roles {
            let rules = role["rules"].array
            #expect(!rules.isEmpty, "\(role["rules"])")
            var granted = Set<String>()
            for rule in rules {
                #expect(rule["apiGroups"].strings == ["apps"], "\(rule["apiGroups"])")
                #expect(rule["resources"].strings == ["deployments"], "\(rule["resources"])")
                let verbs = Set(rule["verbs"].strings ?? [])
                #expect(verbs.isSubset(of: ["get", "list"]) && !verbs.isEmpty, "\(rule["verbs"]): only get and list")
                #expect(rule["nonResourceURLs"].isMissing, "\(rule["nonResourceURLs"])")
                granted.formUnion(verbs)
            }
            #expect(granted == ["get", "list"], "\(role["rules"]): get and list are both needed")
        }
        let watcherAccount = try rendered.one("ServiceAccount", named: "afk-watcher")
        let bindings = rendered.all("RoleBinding")
        #expect(bindings.count == 1, "\(overlay): expected one RoleBinding, found \(bindings.count)")
        for binding in bindings {
            #expect(binding["roleRef"]["kind"].string == "Role", "\(binding["roleRef"])")
            #expect(
                roles.contains { $0["metadata"]["name"].string == binding["roleRef"]["name"].string },
                "\(binding["roleRef"]): no such Role"
            )
            let subjects = binding["subjects"].array
            #expect(subjects.count == 1, "\(binding["subjects"])")
            for subject in subjects {
                #expect(
                    subject["kind"].string == "ServiceAccount" && subject["name"].string == "afk-watcher",
                    "\(subject)"
                )
                #expect(
                    subject["namespace"].string != nil
                        && subject["namespace"].string == watcherAccount["metadata"]["namespace"].string,
                    "\(subject["namespace"]): must be the watcher ServiceAccount's namespace \(watcherAccount["metadata"]["namespace"])"
                )
            }
            #expect(
                binding["metadata"]["namespace"].string == watcherAccount["metadata"]["namespace"].string,
                "\(binding["metadata"]["namespace"])"
            )
        }
    }

    @Test("every namespaced resource lands in the namespace afk", arguments: RenderedManifests.overlays)
    func namespace(overlay: String) async throws {
        let rendered = try await RenderedManifests.render(overlay)
        for resource in rendered.resources where resource["kind"].string != "Namespace" {
            #expect(
                resource["metadata"]["namespace"].string == "afk",
                "\(resource["metadata"]["namespace"]) (\(resource["kind"].string ?? "?"))"
            )
        }
        let namespace = try rendered.one("Namespace", named: "afk")
        #expect(
            namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"].string == "restricted",
            "\(namespace["metadata"]["labels"]): Pod Security Admission should enforce restricted"
        )
    }

    @Test("the shipped ConfigMap holds afk.yaml, disabled and without secrets", arguments: RenderedManifests.overlays)
    func shippedDisabled(overlay: String) async throws {
        let rendered = try await RenderedManifests.render(overlay)
        let configMaps = rendered.all("ConfigMap").filter { !$0["data"]["afk.yaml"].isMissing }
        #expect(
            configMaps.count == 1,
            "\(overlay): expected one ConfigMap with the key afk.yaml, found \(configMaps.count)"
        )
        let configMap = try #require(configMaps.first)
        let text = try #require(configMap["data"]["afk.yaml"].string)
        let config = Node(try Yams.load(yaml: text), path: "\(configMap["data"].path)[afk.yaml]")
        // afk reads booleans as true/false, case-insensitively, from YAML or as text.
        let killSwitch = config["kill_switch"].bool ?? config["kill_switch"].string.flatMap { Bool($0.lowercased()) }
        #expect(killSwitch == true, "\(config["kill_switch"]): the kill switch must be on as shipped")
        #expect(
            config["allowlist"].isMissing || (config["allowlist"].value as? [Any])?.isEmpty == true,
            "\(config["allowlist"]): the allowlist must be empty as shipped"
        )
        for secret in [
            config["tracker"]["token"], config["executor"]["token"], config["notify"]["ntfy"]["token"],
            config["notify"]["slack"]["webhook_url"],
        ] {
            #expect(secret.isMissing, "\(secret.path): a secret in the ConfigMap (use the Secret afk-secrets)")
        }
    }

    @Test("the image runs as the same numeric non-root user the pods demand")
    func imageUser() async throws {
        let dockerfile = try String(
            contentsOf: RenderedManifests.repositoryRoot.appendingPathComponent("Dockerfile"),
            encoding: .utf8
        )
        let users = dockerfile.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("USER ") }
        let last = try #require(users.last, "Dockerfile: no USER (the image would run as root)")
        let spec = last.dropFirst("USER ".count).split(separator: ":")
        let uid = try #require(
            spec.first.flatMap { Int($0) },
            "Dockerfile: \(last) is not numeric (runAsNonRoot cannot verify a named user)"
        )
        #expect(uid > 0, "Dockerfile: \(last) is root")
        let rendered = try await RenderedManifests.render("production")
        for name in RenderedManifests.cronJobs {
            let podUser =
                try
                rendered.one("CronJob", named: name)["spec"]["jobTemplate"]["spec"]["template"]["spec"][
                    "securityContext"
                ]["runAsUser"]
            #expect(podUser.int == uid, "\(podUser) vs Dockerfile \(last)")
        }
    }
}

extension AccessAndConfigTests {
    @Test(
        "the watcher trusts the cluster CA through the bundle its init container writes",
        arguments: RenderedManifests.overlays
    )
    func clusterCATrust(overlay: String) async throws {
        let rendered = try await RenderedManifests.render(overlay)
        let pod = try rendered.one("CronJob", named: "afk-watcher")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        let initContainer = try #require(
            pod["initContainers"].array.first { $0["name"].string == "trust-bundle" },
            "\(overlay): no trust-bundle init container"
        )
        let command = initContainer["command"].array.compactMap(\.string)
        #expect(command.first == "/usr/local/bin/afk" && command.dropFirst().first == "trust-bundle", "\(command)")
        let outIndex = try #require(command.firstIndex(of: "--out"))
        let outDir = command[command.index(after: outIndex)]
        let initMount = try #require(initContainer["volumeMounts"].array.first { $0["mountPath"].string == outDir })
        let watcher = try #require(pod["containers"].array.first { $0["name"].string == "afk-watcher" })
        let mount = try #require(
            watcher["volumeMounts"].array.first { $0["mountPath"].string == "/etc/ssl/certs/ca-certificates.crt" },
            "\(overlay): the watcher does not mount the bundle over the system CA file"
        )
        #expect(mount["name"].string == initMount["name"].string)
        #expect(mount["subPath"].string == "afk-ca-bundle.pem")
        #expect(mount["readOnly"].bool == true)
        let volume = try #require(pod["volumes"].array.first { $0["name"].string == mount["name"].string })
        #expect(!volume["emptyDir"].isMissing, "\(volume): the bundle lives in an emptyDir")
        // The poller talks to no cluster and gets neither.
        let poller = try rendered.one("CronJob", named: "afk-poller")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        #expect(poller["initContainers"].array.isEmpty)
    }
}

/// Every object afk applies carries the recommended labels
/// (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/), and so do
/// the pods its Jobs start (`kubectl get pods -l app.kubernetes.io/instance=afk`).
struct CommonLabelTests {
    static let required = [
        "app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
        "app.kubernetes.io/managed-by",
    ]

    @Test(arguments: RenderedManifests.overlays)
    func everyObjectAndPodTemplateHasTheRecommendedLabels(overlay: String) async throws {
        let rendered = try await RenderedManifests.render(overlay)
        for resource in rendered.resources {
            let labels = resource["metadata"]["labels"].keys
            for label in Self.required {
                #expect(labels.contains(label), "\(resource["metadata"]["name"]): \(label) missing")
            }
        }
        for cronJob in rendered.all("CronJob") {
            let pod = cronJob["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"].keys
            for label in Self.required { #expect(pod.contains(label), "\(cronJob["metadata"]["name"]) pods: \(label)") }
        }
    }
}
