import AFKAdapters
import AFKCore
import ArgumentParser
import Foundation

/// `afk check-config`: validates the configuration, then reaches each configured service with
/// read-only calls: the tracker token's identity and access, the labels, the executor's scopes,
/// the doorbell. Usable as a CI step and as an init container.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and reach every configured service with read-only calls.",
        discussion: "Exit status: 0 every check passed, 1 a check failed, 2 the configuration itself is invalid."
    )

    @OptionGroup var options: OperatorOptions

    @Flag(name: .long, help: "Only validate the configuration; make no request.")
    var offline = false

    struct Check: Codable, Hashable {
        enum Status: String, Codable {
            case ok, warning, failed
            case notChecked = "not_checked"
        }
        let check: String
        /// False only for a failed check; nil when not checked.
        let ok: Bool?
        let status: Status
        let detail: String

        init(check: String, ok: Bool?, detail: String) {
            self.check = check
            self.ok = ok
            self.status = ok.map { $0 ? .ok : .failed } ?? .notChecked
            self.detail = detail
        }

        /// Works, but worth knowing: counts as passed.
        static func warning(_ check: String, _ detail: String) -> Check {
            Check(check: check, ok: true, status: .warning, detail: detail)
        }

        private init(check: String, ok: Bool?, status: Status, detail: String) {
            self.check = check
            self.ok = ok
            self.status = status
            self.detail = detail
        }

        var mark: String {
            switch status {
            case .ok: "✔"
            case .warning: "⚠"
            case .failed: "✘"
            case .notChecked: "–"
            }
        }
    }

    func run() async throws {
        let env: TickEnvironment
        do {
            env = try await options.environment()
        } catch {
            CommandOutput.configurationError(error)
            throw ExitCode(2)
        }
        let checks = offline ? Self.configChecks(env.config) : await Self.all(env)
        switch options.output {
        case .json: CommandOutput.print(JSONOutput.render(["checks": checks]))
        case .text, .wide:
            CommandOutput.print(
                checks.map { "\($0.mark) \($0.check): \($0.detail)" }
                    .joined(separator: "\n")
            )
        }
        if checks.contains(where: { $0.ok == false }) { throw ExitCode(1) }
    }

    static func configChecks(_ config: AFKConfig) -> [Check] {
        var checks = [
            Check(
                check: "configuration",
                ok: true,
                detail: config.disabledReason.map { "valid; disabled: \($0)" } ?? "valid; armed"
            )
        ]
        if config.allowlist.isEmpty {
            checks.append(Check(check: "allowlist", ok: nil, detail: "empty: nothing to check against"))
        }
        return checks
    }

    static func all(_ env: TickEnvironment) async -> [Check] {
        let config = env.config
        var checks = configChecks(config)

        // Tracker
        if let app = env.appTokens { checks += await appChecks(app, config: config) }
        if config.tracker.token == nil, env.appTokens == nil {
            checks.append(Check(check: "tracker.token", ok: false, detail: "not set (AFK_TRACKER_TOKEN)"))
        } else if let tracker = try? env.tracker() {
            let name = tracker.serviceName
            do {
                let login = try await tracker.tokenLogin()
                switch (login, config.tracker.botLogin) {
                case (let login?, let bot?) where login.caseInsensitiveCompare(bot) != .orderedSame:
                    checks.append(
                        Check(
                            check: "\(name) token",
                            ok: false,
                            detail:
                                "acts as \(login), but tracker.bot_login is \(bot): afk would not recognise its own run records"
                        )
                    )
                case (let login?, _):
                    checks.append(Check(check: "\(name) token", ok: true, detail: "valid, acts as \(login)"))
                case (nil, _):
                    checks.append(
                        Check(
                            check: "\(name) token",
                            ok: true,
                            detail:
                                "valid (an app token: its login cannot be read; make sure tracker.bot_login is the app's bot login)"
                        )
                    )
                }
                if config.tracker.botLogin == nil, env.appTokens == nil {
                    checks.append(
                        Check(check: "tracker.bot_login", ok: false, detail: "not set (AFK_TRACKER_BOT_LOGIN)")
                    )
                }
                for repo in config.allowlist {
                    checks += await repoChecks(repo, tracker: tracker, labels: config.labels)
                    checks += await landingChecks(repo, tracker: tracker, landing: config.settings(for: repo).landing)
                }
            } catch {
                checks.append(Check(check: "\(name) token", ok: false, detail: error.description))
            }
        }

        // Executors: the global one, and each repository's own.
        for problem in config.laneProblems {
            checks.append(
                Check(
                    check: "configuration",
                    ok: false,
                    detail: problem.replacingOccurrences(of: "because afk is armed", with: "to arm afk")
                )
            )
        }
        if let runtime = config.globalLane?.runtime {
            let executor = env.executor(runtime)
            checks.append(await executorCheck(executor, label: executor.serviceName))
        }
        for repo in config.allowlist where config.repoOverrides[repo.slug] != nil {
            do {
                let lane = try env.lanes(for: [repo]).lane(for: repo)
                checks.append(await executorCheck(lane.executor, label: "\(lane.executor.serviceName) for \(repo)"))
            } catch {
                checks.append(Check(check: "\(repo) executor", ok: false, detail: error.description))
            }
        }

        // Deploy stages: each configured probe is asked about a commit that does not exist,
        // which proves it is reachable, accepts its token and finds the repository/Deployments.
        for repo in config.allowlist {
            guard let lane = try? env.lanes(for: [repo]).lane(for: repo) else { continue }
            // the build stage is the tracker, checked above
            for probe in [lane.stages.deploy, lane.stages.rollout].compactMap({ $0 }) {
                let name = "\(repo) \(probe.stage.rawValue) stage (\(probe.serviceName))"
                do {
                    _ = try await probe.read(sha: String(repeating: "0", count: 40), in: repo)
                    checks.append(
                        Check(check: name, ok: true, detail: "reachable, token accepted, found what it watches")
                    )
                } catch {
                    checks.append(Check(check: name, ok: false, detail: error.description))
                }
            }
        }

        // Doorbell
        if let ntfy = config.notify.ntfy {
            let client = ServiceClient(
                service: "ntfy",
                baseURL: ntfy.url,
                transport: env.transport,
                defaultHeaders: ["User-Agent": "afk"],
                retry: RetryPolicy(budgetSeconds: 5),
                logger: env.logger
            )
            do {
                let response = try await client.send("GET", client.url("/v1/health"))
                checks.append(
                    Check(
                        check: "ntfy",
                        ok: response.status == 200,
                        detail: response.status == 200
                            ? "reachable at \(ntfy.url.host ?? "?")" : "health check answered HTTP \(response.status)"
                    )
                )
            } catch {
                checks.append(Check(check: "ntfy", ok: false, detail: error.description))
            }
        }
        if config.notify.slackWebhookURL != nil {
            checks.append(
                Check(
                    check: "Slack",
                    ok: nil,
                    detail: "not checked: an incoming webhook has no read-only call (any request posts a message)"
                )
            )
        }
        if config.notify.ntfy == nil && config.notify.slackWebhookURL == nil {
            checks.append(
                Check(check: "doorbell", ok: nil, detail: "none configured: terminal transitions will ring no one")
            )
        }
        return checks
    }

    static func executorCheck(_ executor: any Executor, label: String) async -> Check {
        do {
            let probe = try await executor.probe()
            let version = probe.version.map { " (server \($0))" } ?? ""
            do {
                try await executor.preflight()
            } catch {
                return Check(check: label, ok: false, detail: error.message + version)
            }
            return probe.missing.isEmpty
                ? Check(check: label, ok: true, detail: "reachable, token accepted with the scopes afk needs\(version)")
                : Check(
                    check: label,
                    ok: false,
                    detail: "the token lacks " + probe.missing.joined(separator: ", ") + version
                )
        } catch {
            return Check(check: label, ok: false, detail: error.description)
        }
    }

    /// Reads the default branch's rules (never the admin-only protection endpoints) and says
    /// whether the configured landing mode can work there.
    static func landingChecks(_ repo: RepoRef, tracker: any Tracker, landing: LandingMode) async -> [Check] {
        let name = "\(repo) landing"
        do {
            let branch = try await tracker.defaultBranch(of: repo)
            let rules = try await tracker.branchRules(of: branch, in: repo)
            var required: [String] = []
            if rules.requiresPullRequest { required.append("pull requests") }
            if rules.requiredApprovals > 0 { required.append("\(rules.requiredApprovals) approving review(s)") }
            if !rules.requiredChecks.isEmpty {
                required.append("checks " + rules.requiredChecks.joined(separator: ", "))
            }
            if rules.strict { required.append("an up-to-date branch") }
            let summary =
                required.isEmpty ? "no rules the token can read" : "requires " + required.joined(separator: ", ")
            switch landing {
            case .push where rules.requiresPullRequest || rules.requiredApprovals > 0:
                return [
                    Check(
                        check: name,
                        ok: false,
                        detail:
                            "the default branch of \(repo) (\(branch)) requires pull requests: set landing: pull_request"
                    )
                ]
            case .push:
                return [Check(check: name, ok: true, detail: "landing: push; \(branch): \(summary)")]
            case .pullRequest where rules.mergeQueue:
                return [
                    Check(
                        check: name,
                        ok: false,
                        detail:
                            "\(branch) requires a merge queue, which afk cannot use: its pull requests would wait for a human"
                    )
                ]
            case .pullRequest:
                return [Check(check: name, ok: true, detail: "landing: pull_request; \(branch): \(summary)")]
            }
        } catch {
            return [.warning(name, "could not read the default branch's rules: \(error.description)")]
        }
    }

    static func repoChecks(_ repo: RepoRef, tracker: any RepositoryAccess, labels: DispatchLabels) async -> [Check] {
        var checks: [Check] = []
        do {
            switch try await tracker.access(to: repo) {
            case .write:
                checks.append(Check(check: "\(repo)", ok: true, detail: "reachable, the token may push (write access)"))
            case .readOnly:
                checks.append(
                    Check(
                        check: "\(repo)",
                        ok: false,
                        detail:
                            "the token has less than push access: afk needs the write, maintain or admin role to read who applied the ready label and to label, comment and close (triage and read are not enough)"
                    )
                )
            case .notFound:
                return [Check(check: "\(repo)", ok: false, detail: "does not exist or the token cannot see it")]
            case .unknown:
                checks.append(
                    Check(
                        check: "\(repo)",
                        ok: nil,
                        detail: "reachable; the tracker does not say what the token may do"
                    )
                )
            }
            for label in labels.definitions.map(\.name) {
                let name = "\(repo) label \(label)"
                if try await tracker.labelExists(label, in: repo) {
                    checks.append(Check(check: name, ok: true, detail: "exists"))
                } else if tracker.createsMissingLabels {
                    checks.append(
                        .warning(
                            name,
                            "does not exist yet: \(tracker.serviceName) creates it, without colour or description, the first time afk adds it; `afk labels sync` creates it now"
                        )
                    )
                } else {
                    checks.append(
                        Check(
                            check: name,
                            ok: false,
                            detail:
                                "does not exist, and \(tracker.serviceName) creates no label when one is added: run `afk labels sync` or create it in the repository"
                        )
                    )
                }
            }
        } catch {
            checks.append(Check(check: "\(repo)", ok: false, detail: error.description))
        }
        return checks
    }
}
