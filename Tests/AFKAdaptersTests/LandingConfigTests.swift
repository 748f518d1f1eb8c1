@testable import AFKAdapters
import AFKCore
import Foundation
import Testing

/// `landing` and `pull_request.*`: defaults, per-repository overrides, and bad values named.
struct LandingConfigTests {
    let armed = [
        "AFK_KILL_SWITCH": "false", "AFK_ALLOWLIST": "acme/widgets,acme/api", "AFK_TRACKER_TOKEN": "ghp_x",
        "AFK_TRACKER_BOT_LOGIN": "afk-bot", "AFK_EXECUTOR_URL": "http://t3:3773", "AFK_EXECUTOR_TOKEN": "t3_x",
    ]
    let widgets = RepoRef(owner: "acme", name: "widgets")
    let api = RepoRef(owner: "acme", name: "api")

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

    @Test func pushIsTheDefaultSoExistingConfigurationsKeepTheirMeaning() async throws {
        let config = try await load(armed)
        #expect(config.lane(for: widgets)?.landing == .push)
        #expect(config.pullRequest == AFKConfig.PullRequestSettings())
        #expect(config.pullRequest.mergeMethod == .squash && config.pullRequest.deleteBranch)
    }

    @Test func aRepositoryLandsThroughPullRequestsWithItsOwnSettings() async throws {
        let config = try await load(
            armed,
            yaml: """
                repos:
                  acme/api:
                    landing: pull_request
                    pull_request:
                      branch_prefix: bots/afk-
                      merge_method: rebase
                      delete_branch: false
                """
        )
        #expect(config.lane(for: widgets)?.landing == .push)
        var expected = AFKConfig.PullRequestSettings()
        expected.branchPrefix = "bots/afk-"
        expected.mergeMethod = .rebase
        expected.deleteBranch = false
        #expect(config.lane(for: api)?.landing == .pullRequest(expected))
    }

    @Test func theEnvironmentSetsTheGlobalMode() async throws {
        let config = try await load(armed.merging(["AFK_LANDING": "pull_request"]) { _, new in new })
        #expect(config.lane(for: widgets)?.landing == .pullRequest(AFKConfig.PullRequestSettings()))
    }

    @Test(arguments: [
        ("AFK_LANDING", "merge_request", "landing"),
        ("AFK_PULL_REQUEST_MERGE_METHOD", "fast-forward", "pull_request.merge_method"),
        ("AFK_PULL_REQUEST_BRANCH_PREFIX", "my branch/", "pull_request.branch_prefix"),
        ("AFK_PULL_REQUEST_DELETE_BRANCH", "maybe", "pull_request.delete_branch"),
    ])
    func aBadValueIsNamed(_ variable: String, _ value: String, _ key: String) async {
        do {
            _ = try await load(armed.merging([variable: value]) { _, new in new })
            Issue.record("\(variable)=\(value) was accepted")
        } catch {
            // Named where it was set: the environment variable for the YAML key.
            #expect(error.message.contains(variable), "\(key): \(error.message)")
            #expect(error.message.contains(value), "\(error.message)")
        }
    }
}
