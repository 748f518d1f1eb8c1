@testable import AFKAdapters
import AFKCore
import Foundation
import Testing

/// `repos.<owner/name>.…` overrides, the executor kinds and the deploy stages (issue 5).
struct AFKConfigRepoOverrideTests {
    let armed = [
        "AFK_KILL_SWITCH": "false", "AFK_ALLOWLIST": "acme/widgets,acme/web.site", "AFK_TRACKER_TOKEN": "ghp_x",
        "AFK_TRACKER_BOT_LOGIN": "afk-bot", "AFK_EXECUTOR_URL": "http://t3:3773", "AFK_EXECUTOR_TOKEN": "t3_x",
    ]

    func load(_ env: [String: String], yaml: String? = nil) async throws(ConfigurationError) -> AFKConfig {
        var file: String?
        if let yaml {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("afk-\(UUID().uuidString).yaml")
            do { try yaml.write(to: url, atomically: true, encoding: .utf8) } catch {
                throw ConfigurationError("\(error)")
            }
            file = url.path
        }
        return try await AFKConfig.load(from: .init(environment: env, configFile: file))
    }

    @Test func stagesDefaultToTrackerCIOnlyWithTheOthersUnobserved() async throws {
        let config = try await load(armed)
        #expect(config.stages == AFKConfig.Stages(build: .tracker, deploy: .unobserved, rollout: .unobserved))
        #expect(config.executor.timeoutSeconds == 2700)
        #expect(config.repoOverrides.isEmpty)
        #expect(config.settings(for: RepoRef(owner: "acme", name: "widgets")).executor.kind == .t3)
    }

    /// Overrides are looked up only for the repositories the file or a variable names; among
    /// thousands of others they are still found, whichever way the name is written or set.
    @Test func overridesAreFoundAmongAThousandRepositories() async throws {
        var env = armed
        let many = (1...1000).map { "acme/r\($0)" }
        env["AFK_ALLOWLIST"] = (many + ["acme/widgets", "acme/web.site"]).joined(separator: ",")
        env["AFK_REPOS_ACME_R500_BUDGET_USD"] = "7"
        let config = try await load(
            env,
            yaml: """
                repos:
                  Acme/Widgets:
                    budget_usd: 3
                """
        )
        #expect(Set(config.repoOverrides.keys) == ["acme/r500", "acme/widgets"])
        #expect(config.settings(for: RepoRef(owner: "acme", name: "r500")).budgetUSD == 7)
        #expect(config.settings(for: RepoRef(owner: "acme", name: "widgets")).budgetUSD == 3)
        #expect(config.settings(for: RepoRef(owner: "acme", name: "r5")).budgetUSD == config.budgetUSD)
    }

    @Test func aRepositoryOverridesTheGlobalKeysAndInheritsTheRest() async throws {
        let config = try await load(
            armed.merging(["AFK_WOODPECKER_TOKEN": "wp_secret"]) { _, new in new },
            yaml: """
                budget_usd: 20
                stages:
                  deploy: woodpecker
                woodpecker:
                  url: https://ci.example.com
                  events: [push, deployment]
                repos:
                  acme/web.site:
                    executor:
                      kind: jobs
                      url: http://runner:8000
                      agent: site-implementer
                      timeout_seconds: 900
                    fix_forward_max_attempts: 1
                    stages:
                      rollout: kubernetes
                    kubernetes:
                      deployments: [web/site, api]
                      namespace: web
                      sha_length: 12
                    woodpecker:
                      repo: acme/site
                """
        )
        let widgets = config.settings(for: RepoRef(owner: "acme", name: "widgets"))
        #expect(widgets.executor.kind == .t3)
        #expect(widgets.budgetUSD == 20)
        #expect(widgets.stages.deploy == .woodpecker && widgets.stages.rollout == .unobserved)
        let site = config.settings(for: RepoRef(owner: "acme", name: "web.site"))
        #expect(site.executor.kind == .jobs)
        #expect(site.executor.url?.absoluteString == "http://runner:8000")
        #expect(site.executor.token?.value == "t3_x")  // inherited from the global key
        #expect(site.executor.agent == "site-implementer")
        #expect(site.executor.timeoutSeconds == 900)
        #expect(site.budgetUSD == 20)
        #expect(site.fixForwardMaxAttempts == 1)
        #expect(site.stages.deploy == .woodpecker && site.stages.rollout == .kubernetes)
        #expect(site.woodpecker.url?.absoluteString == "https://ci.example.com")
        #expect(site.woodpecker.events == ["push", "deployment"])
        #expect(site.woodpecker.repo == RepoRef(owner: "acme", name: "site"))
        #expect(
            site.kubernetes.deployments == [.init(namespace: "web", name: "site"), .init(namespace: nil, name: "api")]
        )
        #expect(site.kubernetes.namespace == "web")
        #expect(site.kubernetes.shaLength == 12)
        #expect(site.woodpecker.token?.value == "wp_secret")
    }

    @Test func perRepositoryKeysAlsoComeFromTheEnvironment() async throws {
        var env = armed
        env["AFK_EXECUTOR_WORKSPACE_ROOT"] = "/srv/afk"
        env["AFK_REPOS_ACME_WIDGETS_EXECUTOR_KIND"] = "claudomator"
        env["AFK_REPOS_ACME_WIDGETS_EXECUTOR_URL"] = "http://claudomator:8484"
        env["AFK_REPOS_ACME_WIDGETS_EXECUTOR_TOKEN"] = "cl_secret"
        let config = try await load(env)
        let widgets = config.settings(for: RepoRef(owner: "acme", name: "widgets"))
        #expect(widgets.executor.kind == .claudomator)
        #expect(widgets.executor.token?.value == "cl_secret")
        #expect(config.settings(for: RepoRef(owner: "acme", name: "web.site")).executor.kind == .t3)
    }

    @Test(arguments: [
        ("AFK_EXECUTOR_KIND", "lambda", "AFK_EXECUTOR_KIND must be one of t3, jobs, claudomator"),
        ("AFK_EXECUTOR_TIMEOUT_SECONDS", "5", "AFK_EXECUTOR_TIMEOUT_SECONDS must be a whole number of at least 60"),
        ("AFK_STAGES_DEPLOY", "argo", "AFK_STAGES_DEPLOY must be one of unobserved, woodpecker"),
        (
            "AFK_STAGES_BUILD", "unobserved",
            "at least one of stages.build, stages.deploy and stages.rollout must be observed"
        ),
        (
            "AFK_STAGES_DEPLOY", "woodpecker",
            "woodpecker.url (AFK_WOODPECKER_URL) is required because stages.deploy is woodpecker"
        ),
        (
            "AFK_STAGES_ROLLOUT", "kubernetes",
            "kubernetes.deployments (AFK_KUBERNETES_DEPLOYMENTS) is required because stages.rollout is kubernetes"
        ),
        ("AFK_WOODPECKER_SKIPPED", "maybe", "AFK_WOODPECKER_SKIPPED must be one of success, failure"),
        ("AFK_WOODPECKER_EVENTS", "push,merge", "AFK_WOODPECKER_EVENTS entries must be Woodpecker events"),
        ("AFK_WOODPECKER_REPO", "nope", "AFK_WOODPECKER_REPO must be owner/name"),
        ("AFK_KUBERNETES_DEPLOYMENTS", "web/Site", "AFK_KUBERNETES_DEPLOYMENTS entries must be name or namespace/name"),
        ("AFK_KUBERNETES_SHA_LENGTH", "41", "AFK_KUBERNETES_SHA_LENGTH must be a whole number from 7 to 40"),
        ("AFK_KUBERNETES_SHA_LENGTH", "6", "AFK_KUBERNETES_SHA_LENGTH must be a whole number of at least 7"),
        ("AFK_REPOS_ACME_WIDGETS_BUDGET_USD", "free", "AFK_REPOS_ACME_WIDGETS_BUDGET_USD must be a number"),
        (
            "AFK_REPOS_ACME_WIDGETS_EXECUTOR_URL", "runner:8000",
            "AFK_REPOS_ACME_WIDGETS_EXECUTOR_URL must be an http(s) URL"
        ),
    ])
    func badValuesNameTheKey(key: String, value: String, message: String) async throws {
        var env = armed
        env[key] = value
        do {
            _ = try await load(env)
            Issue.record("\(key)=\(value) was accepted")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func claudomatorNeedsAnAbsoluteWorkspaceRoot() async throws {
        var env = armed
        env["AFK_EXECUTOR_KIND"] = "claudomator"
        do {
            _ = try await load(env)
            Issue.record("~/afk was accepted as Claudomator's working directory root")
        } catch {
            #expect(
                error.message.contains("(AFK_EXECUTOR_WORKSPACE_ROOT) must be an absolute path"),
                "\(error.message)"
            )
        }
        env["AFK_EXECUTOR_WORKSPACE_ROOT"] = "/srv/afk"
        #expect(try await load(env).executor.kind == .claudomator)
    }

    @Test func aRepositoryWithItsOwnExecutorNeedsItsOwnURL() async throws {
        var env = armed
        env["AFK_EXECUTOR_URL"] = nil
        env["AFK_REPOS_ACME_WIDGETS_EXECUTOR_URL"] = "http://t3-widgets:3773"
        do {
            _ = try await load(env)
            Issue.record("acme/web.site has no executor.url but was accepted")
        } catch {
            #expect(
                error.message.contains("executor.url (AFK_EXECUTOR_URL) is required because afk is armed"),
                "\(error.message)"
            )
        }
    }

    @Test func outOfClusterKubernetesNeedsAToken() async throws {
        var env = armed
        env["AFK_STAGES_ROLLOUT"] = "kubernetes"
        env["AFK_KUBERNETES_DEPLOYMENTS"] = "web/site"
        _ = try await load(env)  // in cluster: the service account
        env["AFK_KUBERNETES_URL"] = "https://k8s.example.com:6443"
        await #expect(throws: ConfigurationError.self) { _ = try await load(env) }
        env["AFK_KUBERNETES_TOKEN"] = "k8s_secret"
        #expect(try await load(env).kubernetes.token?.value == "k8s_secret")
    }

    @Test(arguments: [
        ("repos:\n  acme/widgets:\n    executor:\n      knd: jobs\n", "repos.acme/widgets.executor.knd"),
        ("repos:\n  acme/widgets:\n    kill_switch: false\n", "repos.acme/widgets.kill_switch"),
        ("repos:\n  acme/gadgets:\n    budget_usd: 3\n", "repos.acme/gadgets (in"),
        ("repos:\n  widgets:\n    budget_usd: 3\n", "the key must be a repository owner/name"),
        ("repos:\n  acme/widgets: 3\n", "must be a map of overridable keys"),
    ])
    func overrideNamesThatWouldBeIgnoredAreErrors(yaml: String, message: String) async throws {
        do {
            _ = try await load(armed, yaml: yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func anEnvironmentOverrideForNoAllowlistedRepositoryIsAnError() async throws {
        var env = armed
        env["AFK_REPOS_ACME_WIDGET_EXECUTOR_KIND"] = "jobs"  // widget, not widgets
        do {
            _ = try await load(env)
            Issue.record("a misspelt override was ignored")
        } catch {
            #expect(
                error.message.contains("AFK_REPOS_ACME_WIDGET_EXECUTOR_KIND (environment) is not a per-repository key"),
                "\(error.message)"
            )
        }
    }

    @Test func overridesMayBePreparedWhileDisabled() async throws {
        let config = try await load(
            ["AFK_KILL_SWITCH": "true"],
            yaml: "repos:\n  acme/later:\n    executor:\n      kind: jobs\n"
        )
        #expect(config.disabledReason != nil)
    }
}
