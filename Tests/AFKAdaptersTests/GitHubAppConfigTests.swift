@testable import AFKAdapters
import AFKCore
import AFKTesting
import Foundation
import Testing

/// `tracker.app_*`: a GitHub App instead of a token.
struct GitHubAppConfigTests {
    let armedWithApp: [String: String]

    init() throws {
        armedWithApp = [
            "AFK_KILL_SWITCH": "false", "AFK_ALLOWLIST": "acme/widgets", "AFK_TRACKER_APP_ID": "424242",
            "AFK_TRACKER_APP_PRIVATE_KEY": try TestGitHubApp.keys().privatePEM,
            "AFK_EXECUTOR_URL": "http://t3:3773", "AFK_EXECUTOR_TOKEN": "t3_x",
        ]
    }

    func load(_ env: [String: String], secrets: String? = nil) async throws(ConfigurationError) -> AFKConfig {
        try await AFKConfig.load(from: .init(environment: env, secretsDirectory: secrets))
    }

    func problems(_ env: [String: String]) async -> [String] {
        do {
            _ = try await load(env)
            return []
        } catch {
            return error.messages
        }
    }

    @Test func anAppArmsAfkWithoutATokenOrABotLogin() async throws {
        let config = try await load(armedWithApp)
        #expect(config.disabledReason == nil)
        #expect(config.tracker.token == nil && config.tracker.botLogin == nil)
        #expect(config.tracker.app?.appID == "424242")
        #expect(config.tracker.app?.installationID == nil)
        var env = armedWithApp
        env["AFK_TRACKER_APP_INSTALLATION_ID"] = "99"
        #expect(try await load(env).tracker.app?.installationID == 99)
    }

    @Test func thePrivateKeyIsReadFromTheSecretsDirectory() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("afk-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestGitHubApp.keys().privatePEM
            .write(
                to: dir.appendingPathComponent("tracker-app-private-key"),
                atomically: true,
                encoding: .utf8
            )
        var env = armedWithApp
        env["AFK_TRACKER_APP_PRIVATE_KEY"] = nil
        #expect(try await load(env, secrets: dir.path).tracker.app != nil)
    }

    @Test func aTokenAndAnAppTogetherAreAConfigurationError() async {
        var env = armedWithApp
        env["AFK_TRACKER_TOKEN"] = "ghp_SECRET"
        let messages = await problems(env)
        #expect(
            messages.contains(
                "AFK_TRACKER_APP_ID and AFK_TRACKER_TOKEN are both set: afk authenticates either as the GitHub App or with the token, so unset one of them"
            ),
            "\(messages)"
        )
        #expect(!messages.joined().contains("ghp_SECRET"))
    }

    @Test func aDamagedKeyIsNamedWithItsSourceAndNeverShown() async throws {
        var env = armedWithApp
        let damaged = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAsecretsecret\n-----END RSA PRIVATE KEY-----"
        env["AFK_TRACKER_APP_PRIVATE_KEY"] = damaged
        let messages = await problems(env)
        #expect(messages.count == 1, "\(messages)")
        let message = messages.first ?? ""
        #expect(
            message.hasPrefix(
                "tracker.app_private_key (AFK_TRACKER_APP_PRIVATE_KEY) cannot be read as an RSA private key"
            )
        )
        #expect(message.hasSuffix("; the key is not shown"))
        #expect(!message.contains("MIIE") && !message.contains("secretsecret"))
    }

    @Test func theAppsKeysNeedEachOtherAndGitHub() async throws {
        var noKey = armedWithApp
        noKey["AFK_TRACKER_APP_PRIVATE_KEY"] = nil
        #expect(
            await problems(noKey)
                .contains(
                    "tracker.app_private_key (AFK_TRACKER_APP_PRIVATE_KEY) is required because tracker.app_id is set (the App's private key, PEM)"
                )
        )
        var noID = armedWithApp
        noID["AFK_TRACKER_APP_ID"] = nil
        let missingID = await problems(noID)
        #expect(missingID.contains("AFK_TRACKER_APP_ID is required because tracker.app_private_key is set") == false)
        #expect(missingID.contains { $0.hasPrefix("tracker.app_id (AFK_TRACKER_APP_ID) is required because") })
        var forgejo = armedWithApp
        forgejo["AFK_TRACKER_KIND"] = "forgejo"
        forgejo["AFK_TRACKER_URL"] = "https://codeberg.org"
        #expect(await problems(forgejo).contains { $0.contains("GitHub Apps exist only on GitHub") })
        var badInstallation = armedWithApp
        badInstallation["AFK_TRACKER_APP_INSTALLATION_ID"] = "latest"
        #expect(
            await problems(badInstallation)
                .contains(
                    "AFK_TRACKER_APP_INSTALLATION_ID must be a whole number of at least 1, got \"latest\""
                )
        )
    }
}
