import Foundation

extension AFKConfig {
    /// `tracker.app_*`: afk acts as a GitHub App installation
    /// (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/about-authentication-with-a-github-app).
    public struct GitHubApp: Sendable {
        /// The App ID (a number) or its client ID (`Iv23…`): the JWT's `iss`.
        public var appID: String
        /// The App's private key, validated (it parses as an RSA key and signs).
        public var privateKey: GitHubAppKey
        /// The installation to act as; nil: looked up per repository.
        public var installationID: Int?
    }

    /// Reads `tracker.app_*`. Setting both `tracker.token` and `tracker.app_id` is an error: afk
    /// would otherwise have to pick one identity silently, and the two write as different logins.
    static func readGitHubApp(_ v: Values, kind: TrackerKind, tokenSet: Bool) -> GitHubApp? {
        let appID = v.string("tracker.app_id")
        let installation = v.integer("tracker.app_installation_id")
        let pem = v.secret("tracker.app_private_key")
        guard let appID else {
            if pem != nil {
                v.missing("tracker.app_id", because: "tracker.app_private_key is set")
            } else if installation != nil {
                v.missing("tracker.app_id", because: "tracker.app_installation_id is set")
            }
            return nil
        }
        if kind != .github {
            v.fail(
                "\(v.name("tracker.app_id")) is set, but GitHub Apps exist only on GitHub and tracker.kind is \(kind.rawValue): unset it and use tracker.token"
            )
            return nil
        }
        if tokenSet {
            v.fail(
                "\(v.name("tracker.app_id")) and \(v.name("tracker.token")) are both set: afk authenticates either as the GitHub App or with the token, so unset one of them"
            )
        }
        let validID = !appID.isEmpty && appID.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        if !validID {
            v.fail(
                "\(v.name("tracker.app_id")) must be the App's numeric ID or its client ID (letters and digits), got \"\(appID)\""
            )
        }
        guard let pem else {
            v.missing("tracker.app_private_key", because: "tracker.app_id is set (the App's private key, PEM)")
            return nil
        }
        let key: GitHubAppKey
        do {
            key = try GitHubAppKey(pem: pem.value)
            _ = try key.jwt(appID: appID, now: Date())
        } catch {
            v.fail("\(keySource(v)) \(error.reason); the key is not shown")
            return nil
        }
        return validID ? GitHubApp(appID: appID, privateKey: key, installationID: installation) : nil
    }

    /// How an error names the private key: the variable, or the key and its secret file.
    static func keySource(_ v: Values) -> String {
        let envName = AFKConfig.environmentName(for: "tracker.app_private_key")
        if v.environment[envName] != nil { return "tracker.app_private_key (\(envName))" }
        return
            "tracker.app_private_key (the secret file tracker-app-private-key in the secrets directory, \(envName) or the config file)"
    }
}
