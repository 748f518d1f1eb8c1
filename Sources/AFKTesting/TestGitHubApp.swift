import AFKSimulator
import CryptoExtras
import Foundation

/// A GitHub App for tests: an RSA key generated once per test process (no private key is ever
/// committed), the simulator's view of the App, and afk's configuration for it.
public enum TestGitHubApp {
    public static let appID = 424_242
    public static let slug = "afk-test-app"
    public static let botLogin = "afk-test-app[bot]"

    /// The key pair, PEM: the private half for afk (PKCS#8), the public half for the simulator.
    public struct Keys: Sendable {
        public let privatePEM: String
        public let publicPEM: String
    }

    static let generated: Result<Keys, any Error> = Result {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        return Keys(privatePEM: key.pemRepresentation, publicPEM: key.publicKey.pemRepresentation)
    }

    public static func keys() throws -> Keys { try generated.get() }

    /// A private key the App does not have (its JWTs must be refused).
    public static func otherKeyPEM() throws -> String {
        try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
    }

    /// The `github.app` section of a scenario, as JSON.
    public static func scenarioJSON(
        installations: [String: Int],
        tokenLifetimeSeconds: Int = 3600,
        tokenMaxRequests: Int? = nil
    ) throws -> String {
        let app = SimGitHubApp(
            id: appID,
            slug: slug,
            publicKeyPEM: try keys().publicPEM,
            installations: installations,
            tokenLifetimeSeconds: tokenLifetimeSeconds,
            tokenMaxRequests: tokenMaxRequests
        )
        return String(decoding: try JSONEncoder().encode(app), as: UTF8.self)
    }

    /// `env` with the token replaced by the App (and `tracker.bot_login` left to its default).
    public static func environment(_ env: [String: String], installationID: Int? = nil) throws -> [String: String] {
        var env = env
        env["AFK_TRACKER_TOKEN"] = nil
        env["AFK_TRACKER_BOT_LOGIN"] = nil
        env["AFK_TRACKER_APP_ID"] = String(appID)
        env["AFK_TRACKER_APP_PRIVATE_KEY"] = try keys().privatePEM
        if let installationID { env["AFK_TRACKER_APP_INSTALLATION_ID"] = String(installationID) }
        return env
    }
}
