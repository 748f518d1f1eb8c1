@testable import AFKAdapters
import AFKCore
import Foundation
import Testing

struct AFKConfigTests {
    func load(_ env: [String: String], file: String? = nil, secrets: String? = nil) async throws(ConfigurationError)
        -> AFKConfig
    {
        try await AFKConfig.load(from: .init(environment: env, configFile: file, secretsDirectory: secrets))
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("afk-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    let armed = [
        "AFK_KILL_SWITCH": "false", "AFK_ALLOWLIST": "acme/widgets", "AFK_TRACKER_TOKEN": "ghp_x",
        "AFK_TRACKER_BOT_LOGIN": "afk-bot", "AFK_EXECUTOR_URL": "http://t3:3773", "AFK_EXECUTOR_TOKEN": "t3_x",
    ]

    @Test func shipsDisabledWithDocumentedDefaults() async throws {
        let config = try await load([:])
        #expect(config.killSwitch)
        #expect(config.allowlist.isEmpty)
        #expect(config.disabledReason != nil)
        #expect(
            config.labels
                == DispatchLabels(
                    ready: "ready-for-agent",
                    inProgress: "agent-in-progress",
                    human: "ready-for-human",
                    paused: "afk-paused"
                )
        )
        #expect(config.budgetUSD == 100)
        #expect(config.fixForwardMaxAttempts == 5)
        #expect(config.fixForwardMaxSeconds == 3600)
        #expect(config.tracker.kind == .github)
        #expect(config.tracker.url.absoluteString == "https://api.github.com")
        #expect(config.executor.kind == .t3)
    }

    @Test func theSevenOriginalEnvironmentNamesWork() async throws {
        let config = try await load(
            armed.merging([
                "AFK_ALLOWLIST": "acme/widgets, acme/api,", "AFK_READY_LABEL": "go", "AFK_IN_PROGRESS_LABEL": "busy",
                "AFK_BUDGET_USD": "12.5", "AFK_FIX_FORWARD_MAX_ATTEMPTS": "2", "AFK_FIX_FORWARD_MAX_SECONDS": "90",
            ]) { _, new in new }
        )
        #expect(!config.killSwitch)
        #expect(config.allowlist.map(\.description) == ["acme/widgets", "acme/api"])
        #expect(config.labels.ready == "go")
        #expect(config.labels.inProgress == "busy")
        #expect(config.budgetUSD == 12.5)
        #expect(config.fixForwardMaxAttempts == 2)
        #expect(config.fixForwardMaxSeconds == 90)
        #expect(config.disabledReason == nil)
    }

    @Test func yamlIsReadAndEnvironmentWins() async throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("afk.yaml")
        try """
        kill_switch: false
        allowlist:
          - acme/widgets
        paused_label: hold
        tracker:
          bot_login: yaml-bot
          url: https://ghe.example.com/api/v3
        executor:
          url: http://t3:3773
          model: claude-opus-4
        notify:
          ntfy:
            url: https://ntfy.example.com
            topic: afk
        """
        .write(to: file, atomically: true, encoding: .utf8)
        let config = try await load(
            ["AFK_TRACKER_BOT_LOGIN": "env-bot", "AFK_TRACKER_TOKEN": "t", "AFK_EXECUTOR_TOKEN": "e"],
            file: file.path
        )
        #expect(config.allowlist.map(\.description) == ["acme/widgets"])
        #expect(config.labels.paused == "hold")
        #expect(config.tracker.botLogin == "env-bot")
        #expect(config.tracker.url.absoluteString == "https://ghe.example.com/api/v3")
        #expect(config.executor.model == "claude-opus-4")
        #expect(config.notify.ntfy?.topic == "afk")
        // AFK_CONFIG names the file when --config does not.
        let viaEnv = try await load(["AFK_CONFIG": file.path, "AFK_TRACKER_TOKEN": "t", "AFK_EXECUTOR_TOKEN": "e"])
        #expect(viaEnv.tracker.botLogin == "yaml-bot")
    }

    @Test func secretsComeFromKubernetesStyleSymlinkedFiles() async throws {
        let dir = try temporaryDirectory()
        let data = dir.appendingPathComponent("..2026_11_23_00_00_00.1")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try "ghp_from_file\n".write(to: data.appendingPathComponent("tracker-token"), atomically: true, encoding: .utf8)
        try "t3_from_file".write(to: data.appendingPathComponent("executor-token"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: dir.appendingPathComponent("..data").path,
            withDestinationPath: data.lastPathComponent
        )
        for name in ["tracker-token", "executor-token"] {
            try FileManager.default.createSymbolicLink(
                atPath: dir.appendingPathComponent(name).path,
                withDestinationPath: "..data/\(name)"
            )
        }
        var env = armed
        env["AFK_TRACKER_TOKEN"] = nil
        env["AFK_EXECUTOR_TOKEN"] = nil
        let config = try await load(env, secrets: dir.path)
        #expect(config.tracker.token?.value == "ghp_from_file")
        #expect(config.executor.token?.value == "t3_from_file")
        #expect("\(config.tracker.token!)" == "<redacted>")
        // The environment still wins over files.
        env["AFK_TRACKER_TOKEN"] = "ghp_env"
        #expect(try await load(env, secrets: dir.path).tracker.token?.value == "ghp_env")
    }

    @Test(arguments: [
        ("AFK_KILL_SWITCH", "maybe", "AFK_KILL_SWITCH must be true or false"),
        ("AFK_BUDGET_USD", "lots", "AFK_BUDGET_USD must be a number"),
        ("AFK_BUDGET_USD", "-1", "AFK_BUDGET_USD must be a number greater than 0"),
        ("AFK_FIX_FORWARD_MAX_ATTEMPTS", "2.5", "AFK_FIX_FORWARD_MAX_ATTEMPTS must be a whole number"),
        ("AFK_FIX_FORWARD_MAX_SECONDS", "0", "AFK_FIX_FORWARD_MAX_SECONDS must be a whole number of at least 1"),
        ("AFK_ALLOWLIST", "acme/widgets,not-a-repo", "AFK_ALLOWLIST entries must be owner/name"),
        ("AFK_ALLOWLIST", "a/b/c", "AFK_ALLOWLIST entries must be owner/name"),
        ("AFK_TRACKER_KIND", "jira", "AFK_TRACKER_KIND must be one of github, forgejo, gitea"),
        ("AFK_TRACKER_KIND", "forgejo", "tracker.url (AFK_TRACKER_URL) is required because tracker.kind is forgejo"),
        ("AFK_TRACKER_URL", "ftp://x", "AFK_TRACKER_URL must be an http(s) URL"),
        ("AFK_EXECUTOR_RUNTIME_MODE", "yolo", "AFK_EXECUTOR_RUNTIME_MODE must be one of"),
        ("AFK_READY_LABEL", "a,b", "AFK_READY_LABEL must be one label name"),
        ("AFK_HUMAN_LABEL", "ready-for-agent", "must be four different labels"),
        (
            "AFK_NOTIFY_NTFY_TOPIC", "afk",
            "notify.ntfy.url (AFK_NOTIFY_NTFY_URL) is required because notify.ntfy.topic is set"
        ),
    ])
    func unparseableValuesAreErrorsNamingTheKey(key: String, value: String, message: String) async throws {
        var env = armed
        env[key] = value
        do {
            _ = try await load(env)
            Issue.record("\(key)=\(value) was accepted")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func aBadValueIsAnErrorEvenWhileDisabled() async throws {
        await #expect(throws: ConfigurationError.self) {
            _ = try await load(["AFK_KILL_SWITCH": "true", "AFK_BUDGET_USD": "x"])
        }
    }

    @Test(arguments: ["AFK_TRACKER_TOKEN", "AFK_TRACKER_BOT_LOGIN", "AFK_EXECUTOR_URL", "AFK_EXECUTOR_TOKEN"])
    func armingRequiresCredentialsAndIdentity(missing: String) async throws {
        var env = armed
        env[missing] = nil
        do {
            _ = try await load(env)
            Issue.record("armed without \(missing)")
        } catch {
            #expect(error.message.contains(missing))
        }
        env["AFK_KILL_SWITCH"] = "true"
        _ = try await load(env)  // disabled: not needed
    }

    @Test func secretsNeverAppearInErrors() async throws {
        var env = armed
        env["AFK_NOTIFY_SLACK_WEBHOOK_URL"] = "not a url hooks-secret-T000"
        do {
            _ = try await load(env)
            Issue.record("accepted")
        } catch {
            #expect(!error.message.contains("hooks-secret"))
            #expect(error.message.contains("AFK_NOTIFY_SLACK_WEBHOOK_URL"))
        }
    }

    @Test func aMissingConfigFileIsAnError() async throws {
        await #expect(throws: ConfigurationError.self) { _ = try await load([:], file: "/nonexistent/afk.yaml") }
    }

    @Test(arguments: [
        ("kill_switch", "AFK_KILL_SWITCH"), ("tracker.bot_login", "AFK_TRACKER_BOT_LOGIN"),
        ("notify.slack.webhook_url", "AFK_NOTIFY_SLACK_WEBHOOK_URL"),
        ("fix_forward_max_seconds", "AFK_FIX_FORWARD_MAX_SECONDS"),
    ])
    func environmentNamesAreUpperSnakeWithThePrefix(key: String, env: String) {
        #expect(AFKConfig.environmentName(for: key) == env)
    }
}
