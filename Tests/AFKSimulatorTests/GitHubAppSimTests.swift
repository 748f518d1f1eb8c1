import AFKAdapters
import AFKSimulator
import AFKTesting
import Foundation
import Testing

/// The simulated GitHub's App endpoints check the JWT as GitHub does and mint installation
/// tokens that act as `<slug>[bot]` until they expire.
@Suite struct GitHubAppSimTests {
    static func scenario(lifetime: Int = 3600) throws -> Scenario {
        let json = """
            { "github": { "repos": [{ "owner": "acme", "name": "widgets", "collaborators": {"afk-test-app[bot]": "write"} }],
                          "app": \(try TestGitHubApp.scenarioJSON(installations: ["acme": 9], tokenLifetimeSeconds: lifetime)) } }
            """
        return try Scenario.decode(fromJSON: Data(json.utf8))
    }

    static func jwt(now: Date = Date(), appID: String = String(TestGitHubApp.appID)) throws -> String {
        try GitHubAppKey(pem: TestGitHubApp.keys().privatePEM).jwt(appID: appID, now: now)
    }

    @Test func theJWTIsCheckedAsGitHubChecksIt() async throws {
        try await withSimulator(Self.scenario()) { sim in
            let app = try await HTTP.send("GET", sim.gh("/app"), token: Self.jwt())
            #expect(app.status == 200, "\(app.text)")
            #expect(app.json?["slug"]?.stringValue == TestGitHubApp.slug)

            // Minted 2 minutes in the future, its exp is 11 minutes ahead.
            let far = try await HTTP.send("GET", sim.gh("/app"), token: Self.jwt(now: Date().addingTimeInterval(120)))
            #expect(far.status == 401)
            #expect(far.json?["message"]?.stringValue == "'Expiration time' claim ('exp') is too far in the future")

            let other = try GitHubAppKey(pem: TestGitHubApp.otherKeyPEM())
                .jwt(appID: String(TestGitHubApp.appID), now: Date())
            let forged = try await HTTP.send("GET", sim.gh("/app"), token: other)
            #expect(forged.status == 401 && forged.text.contains("could not be decoded"))

            let wrongIssuer = try await HTTP.send("GET", sim.gh("/app"), token: Self.jwt(appID: "1"))
            #expect(wrongIssuer.status == 401)

            let byClientID = try await HTTP.send("GET", sim.gh("/app"), token: Self.jwt(appID: "Iv23liAFKsim"))
            #expect(byClientID.status == 200)
        }
    }

    @Test func anInstallationTokenActsAsTheBotUntilItExpires() async throws {
        // Long enough that a loaded test machine uses the token before it expires.
        try await withSimulator(Self.scenario(lifetime: 4)) { sim in
            let installation = try await HTTP.send("GET", sim.gh("/repos/acme/widgets/installation"), token: Self.jwt())
            #expect(installation.json?["id"]?.intValue == 9)
            let missing = try await HTTP.send("GET", sim.gh("/repos/acme/nothing/installation"), token: Self.jwt())
            #expect(missing.status == 404)

            let minted = try await HTTP.send("POST", sim.gh("/app/installations/9/access_tokens"), token: Self.jwt())
            #expect(minted.status == 201)
            let token = try #require(minted.json?["token"]?.stringValue)
            #expect(token.hasPrefix("ghs_"))
            #expect(minted.json?["expires_at"]?.stringValue != nil)

            let repo = try await HTTP.send("GET", sim.gh("/repos/acme/widgets"), token: token)
            #expect(repo.status == 200)
            #expect(repo.json?["permissions"]?["push"] == .bool(true))
            // A JWT is not an installation token.
            #expect(try await HTTP.send("GET", sim.gh("/repos/acme/widgets"), token: Self.jwt()).status == 401)

            try await Task.sleep(nanoseconds: 4_100_000_000)
            let expired = try await HTTP.send("GET", sim.gh("/repos/acme/widgets"), token: token)
            #expect(expired.status == 401)
            #expect(expired.json?["message"]?.stringValue == "Bad credentials")
        }
    }
}
