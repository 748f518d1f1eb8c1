import AFKAdapters
import AFKCore
import Foundation

extension CheckConfigCommand {
    /// The GitHub App's checks: the key signs, GitHub accepts the JWT as this App (`GET /app`),
    /// and each installation afk would use grants a token (the configured one, or the one on
    /// each allowlisted repository).
    static func appChecks(_ app: AppTokenProvider, config: AFKConfig) async -> [Check] {
        var checks: [Check] = []
        do {
            _ = try await app.jwt()
            checks.append(Check(check: "GitHub App key", ok: true, detail: "parses and signs an RS256 JWT"))
        } catch {
            return [Check(check: "GitHub App key", ok: false, detail: error.message)]
        }
        let found: AppTokenProvider.App
        do {
            found = try await app.authenticatedApp()
        } catch {
            return checks + [Check(check: "GitHub App", ok: false, detail: error.description)]
        }
        if let numeric = Int(app.appID), numeric != found.id {
            checks.append(
                Check(
                    check: "GitHub App",
                    ok: false,
                    detail:
                        "GitHub knows this key as App \(found.id) (\(found.slug)), but tracker.app_id is \(app.appID): set tracker.app_id to \(found.id)"
                )
            )
        } else if let bot = config.tracker.botLogin, bot.caseInsensitiveCompare(found.botLogin) != .orderedSame {
            checks.append(
                Check(
                    check: "GitHub App",
                    ok: false,
                    detail:
                        "the App \(found.slug) writes as \(found.botLogin), but tracker.bot_login is \(bot): afk would not recognise its own run records; unset tracker.bot_login or set it to \(found.botLogin)"
                )
            )
        } else {
            checks.append(
                Check(
                    check: "GitHub App",
                    ok: true,
                    detail: "App \(found.id) (\(found.slug)), writes as \(found.botLogin)"
                )
            )
        }
        let repos: [RepoRef?] = config.tracker.app?.installationID != nil ? [config.allowlist.first] : config.allowlist
        for repo in repos {
            let name = repo.map { "GitHub App installation on \($0)" } ?? "GitHub App installation"
            do {
                let id = try await app.verifiedInstallation(for: repo)
                let given = config.tracker.app?.installationID != nil ? "configured" : "found"
                checks.append(Check(check: name, ok: true, detail: "installation \(id) (\(given)) grants a token"))
            } catch {
                checks.append(Check(check: name, ok: false, detail: error.description))
            }
        }
        return checks
    }
}
