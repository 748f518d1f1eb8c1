@testable import AFKAdapters
import AFKCore
import Foundation
import Testing

/// Configuration that could silently weaken safety is an error: unknown keys anywhere, every
/// problem reported at once, and no error ever echoing the file (it may hold tokens).
struct ConfigValidationTests {
    static let token = "ghp_SECRET_must_never_be_printed"

    func write(_ yaml: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("afk-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("afk.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    func problems(yaml: String? = nil, env: [String: String] = [:]) async throws -> [String] {
        let file = try yaml.map(write)
        do {
            _ = try await AFKConfig.load(from: .init(environment: env, configFile: file))
            return []
        } catch {
            return error.messages
        }
    }

    @Test(arguments: [
        (
            "fix_forward_max_attemps: 1\n", "unknown key `fix_forward_max_attemps`",
            "did you mean `fix_forward_max_attempts`?"
        ),
        ("stage:\n  rollout: kubernetes\n", "unknown key `stage`", "did you mean `stages`?"),
        ("tracker:\n  bot_logn: afk-bot\n", "unknown key `tracker.bot_logn`", "did you mean `tracker.bot_login`?"),
        ("notify:\n  ntfy:\n    topik: afk\n", "unknown key `notify.ntfy.topik`", "did you mean `notify.ntfy.topic`?"),
        (
            "stages:\n  rollout: kubernetes\n  deploi: woodpecker\n", "unknown key `stages.deploi`",
            "did you mean `stages.deploy`?"
        ),
        (
            "repos:\n  acme/widgets:\n    executor:\n      modle: x\n",
            "unknown key `repos.acme/widgets.executor.modle`",
            "did you mean `repos.acme/widgets.executor.model`?"
        ),
        (
            "repos:\n  acme/widgets:\n    kill_switch: false\n", "`repos.acme/widgets.kill_switch`",
            "is not a key a repository can override"
        ),
        ("kill_switch:\n  on: true\n", "`kill_switch`", "must be a single value or a list, not a map"),
        ("tracker: github\n", "`tracker`", "must be a map of keys"),
    ])
    func unknownOrMisshapenKeysAreErrorsNamingTheKeyAndWhere(yaml: String, names: String, says: String) async throws {
        let found = try await problems(yaml: yaml)
        let problem = try #require(found.first { $0.contains(names) }, "\(found)")
        #expect(problem.contains(says), "\(problem)")
        #expect(problem.contains("afk.yaml, line"), "\(problem)")
    }

    @Test func anUnknownEnvironmentVariableIsAnErrorWithTheNearestName() async throws {
        let found = try await problems(env: ["AFK_FIX_FORWARD_MAX_ATTEMPS": "1"])
        #expect(
            found == [
                "AFK_FIX_FORWARD_MAX_ATTEMPS (environment) is not an afk configuration variable; did you mean AFK_FIX_FORWARD_MAX_ATTEMPTS?"
            ]
        )
        // Not keys, but afk's own: fine.
        #expect(try await problems(env: ["AFK_CONFIG": ""]).isEmpty)
        // Far from anything: no guess.
        let far = try await problems(env: ["AFK_WHATEVER_THIS_IS": "1"])
        #expect(far.count == 1 && !(far.first ?? "").contains("did you mean"))
    }

    @Test func everyProblemIsReportedAtOnce() async throws {
        let found = try await problems(
            yaml: "fix_forward_max_attemps: 1\nkill_switch: maybe\nbudget_usd: plenty\n",
            env: ["AFK_STAL_SECONDS": "5", "AFK_HTTP_TIMEOUT_SECONDS": "-1"]
        )
        #expect(found.count == 5, "\(found)")
        #expect(found.contains { $0.contains("fix_forward_max_attemps") })
        #expect(found.contains { $0.contains("kill_switch") && $0.contains("true or false") })
        #expect(found.contains { $0.contains("budget_usd") })
        #expect(found.contains { $0.contains("AFK_STAL_SECONDS") && $0.contains("AFK_STALL_SECONDS") })
        #expect(found.contains { $0.contains("AFK_HTTP_TIMEOUT_SECONDS") })
    }

    @Test(arguments: [
        // A syntax error on the line holding the token.
        "tracker:\n  token: \(token)\n  bot_login: [unclosed\n",
        "tracker:\n  token: \"\(token)\n",
        "tracker:\n\ttoken: \(token)\n",
        // A duplicate key (its value is the secret).
        "tracker:\n  token: \(token)\n  token: \(token)2\n",
        "allowlist: [acme/widgets\ntracker: {token: \(token)}\n",
    ])
    func aYAMLErrorNamesFileLineAndKindButNeverTheText(yaml: String) async throws {
        let found = try await problems(yaml: yaml)
        #expect(found.count == 1, "\(found)")
        let message = found.first ?? ""
        #expect(message.contains("afk.yaml is not valid YAML"), "\(message)")
        #expect(message.contains("line "), "\(message)")
        #expect(!message.contains("SECRET"), "the error echoes the file: \(message)")
        #expect(!message.contains("\n"), "one sentence: \(message)")
    }

    @Test func aDuplicateKeyIsNamed() async throws {
        let found = try await problems(yaml: "ready_label: go\nready_label: went\n")
        #expect(found.first?.contains("duplicate key `ready_label` at line") == true, "\(found)")
    }

    @Test(arguments: [
        "", "# nothing here yet\n", "# afk\n\n# all commented out:\n# kill_switch: false\n", "---\n", "~\n",
    ])
    func aFileOfCommentsIsAnEmptyConfiguration(yaml: String) async throws {
        let config = try await AFKConfig.load(from: .init(environment: [:], configFile: try write(yaml)))
        #expect(config.killSwitch)
        #expect(config.allowlist.isEmpty)
    }

    @Test func aTopLevelListIsOneSentence() async throws {
        let found = try await problems(yaml: "- kill_switch: false\n")
        #expect(
            found == [found.first ?? ""] && (found.first ?? "").contains("must hold a map of keys at the top level")
        )
    }

    @Test func aDirectoryOrAMissingFileIsOnePlainSentence() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("afk-config-dir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let asDirectory = await #expect(throws: ConfigurationError.self) {
            try await AFKConfig.load(from: .init(environment: [:], configFile: dir.path))
        }
        #expect(
            asDirectory?.messages == [
                "config file \(dir.path) (--config / AFK_CONFIG) is a directory; name the YAML file in it"
            ]
        )
        let missing = await #expect(throws: ConfigurationError.self) {
            try await AFKConfig.load(from: .init(environment: [:], configFile: dir.path + "/nope.yaml"))
        }
        #expect(missing?.messages == ["config file \(dir.path)/nope.yaml (--config / AFK_CONFIG) does not exist"])
        #expect(!(missing?.message.contains("NSCocoaErrorDomain") ?? true))
    }

    @Test func anUnreadableFileIsOnePlainSentence() async throws {
        guard geteuid() != 0 else { return }  // root reads any file; the rule cannot be shown
        let path = try write("kill_switch: true\n")
        chmod(path, 0o000)
        let error = await #expect(throws: ConfigurationError.self) {
            try await AFKConfig.load(from: .init(environment: [:], configFile: path))
        }
        #expect(
            error?.messages == ["config file \(path) (--config / AFK_CONFIG) cannot be read: check its permissions"]
        )
    }

    /// One table drives the checks: every key's environment name is accepted, every secret is
    /// read from files, and the overridable keys are the repository override keys.
    @Test func theKeyTableIsTheOneSource() async throws {
        for spec in ConfigKeys.all {
            let found = try await problems(env: [spec.environmentName: ""])
            #expect(found.isEmpty, "\(spec.environmentName) is rejected: \(found)")
        }
        #expect(
            Set(AFKConfig.secretKeys) == [
                "tracker.token", "executor.token", "notify.ntfy.token", "notify.slack.webhook_url",
                "woodpecker.token", "kubernetes.token", "tracker.app_private_key",
            ]
        )
        #expect(AFKConfig.repoKeys.allSatisfy { ConfigKeys.spec($0)?.overridable == true })
        #expect(
            ConfigKeys.nearest(to: "fix_forward_max_attemps", among: ConfigKeys.all.map(\.path))
                == "fix_forward_max_attempts"
        )
        #expect(ConfigKeys.nearest(to: "zzz", among: ConfigKeys.all.map(\.path)) == nil)
    }
}
