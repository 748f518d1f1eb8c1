@testable import AFKAdapters
import AFKCore
import AFKTesting
import CryptoExtras
import Foundation
import Synchronization
import Testing

/// A clock the test moves.
final class TestClock: Sendable {
    let date: Mutex<Date>
    init(_ start: Date) { date = Mutex(start) }
    func now() -> Date { date.withLock { $0 } }
    func advance(_ seconds: Double) { date.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

struct GitHubAppTests {
    static let start = Date(timeIntervalSince1970: 1_777_593_600)  // 2026-05-01T00:00:00Z
    static let widgets = RepoRef(owner: "acme", name: "widgets")

    static func decodeBase64URL(_ text: Substring) throws -> Data {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return try #require(Data(base64Encoded: base64))
    }

    @Test func theJWTHasTheDocumentedShapeAndVerifiesWithThePublicKey() throws {
        let keys = try TestGitHubApp.keys()
        let key = try GitHubAppKey(pem: keys.privatePEM)
        let jwt = try key.jwt(appID: "424242", now: Self.start)
        let parts = jwt.split(separator: ".")
        try #require(parts.count == 3)
        #expect(!jwt.contains("=") && !jwt.contains("+") && !jwt.contains("/"))
        let header = try #require(
            try JSONSerialization.jsonObject(with: Self.decodeBase64URL(parts[0])) as? [String: Any]
        )
        #expect(header["alg"] as? String == "RS256" && header["typ"] as? String == "JWT")
        let claims = try #require(
            try JSONSerialization.jsonObject(with: Self.decodeBase64URL(parts[1])) as? [String: Any]
        )
        let now = Int(Self.start.timeIntervalSince1970)
        #expect(claims["iat"] as? Int == now - 60)
        #expect(claims["exp"] as? Int == now + 540)
        #expect(claims["iss"] as? Int == 424242)
        let publicKey = try _RSA.Signing.PublicKey(pemRepresentation: keys.publicPEM)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try Self.decodeBase64URL(parts[2]))
        let input = Data("\(parts[0]).\(parts[1])".utf8)
        #expect(publicKey.isValidSignature(signature, for: input, padding: .insecurePKCS1v1_5))
        #expect(
            !publicKey.isValidSignature(signature, for: Data((input + Data("x".utf8))), padding: .insecurePKCS1v1_5)
        )
    }

    @Test func aClientIDIsTheIssuerAsAStringAndPKCS8KeysWorkToo() throws {
        let generated = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let key = try GitHubAppKey(pem: generated.pkcs8PEMRepresentation)
        let jwt = try key.jwt(appID: "Iv23liExample", now: Self.start)
        let claims = try #require(
            try JSONSerialization.jsonObject(with: Self.decodeBase64URL(jwt.split(separator: ".")[1])) as? [String: Any]
        )
        #expect(claims["iss"] as? String == "Iv23liExample")
        // A key pasted into one line with literal \n is accepted.
        let oneLine = try TestGitHubApp.keys().privatePEM.replacingOccurrences(of: "\n", with: "\\n")
        #expect(throws: Never.self) { try GitHubAppKey(pem: oneLine) }
    }

    @Test(arguments: [
        "not a key at all",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEdamaged\n-----END RSA PRIVATE KEY-----",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n-----END ENCRYPTED PRIVATE KEY-----",
    ])
    func anUnusableKeyIsRefusedWithoutEchoingIt(pem: String) {
        do {
            _ = try GitHubAppKey(pem: pem)
            Issue.record("accepted an unusable key")
        } catch {
            #expect(!error.reason.contains("MIIE") && !error.reason.contains("not a key at all"))
            #expect(!error.reason.isEmpty)
        }
    }

    // MARK: The token provider

    static func tokenResponse(_ token: String, expires: Date) -> ServiceResponse {
        json(
            201,
            #"{"token":"\#(token)","expires_at":"\#(expires.formatted(.iso8601))","permissions":{"issues":"write"},"repository_selection":"selected"}"#
        )
    }

    static func setUp(_ transport: ScriptedTransport, clock: TestClock, installationID: Int? = nil) throws
        -> (GitHubTracker, AppTokenProvider)
    {
        let provider = AppTokenProvider(
            appID: String(TestGitHubApp.appID),
            key: try GitHubAppKey(pem: TestGitHubApp.keys().privatePEM),
            installationID: installationID,
            defaultRepo: widgets,
            baseURL: URL(string: "https://api.github.test")!,
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 0),
            logger: quietLogger,
            sleep: { _ in },
            now: clock.now
        )
        let tracker = GitHubTracker(
            baseURL: URL(string: "https://api.github.test")!,
            app: provider,
            transport: transport,
            retry: RetryPolicy(budgetSeconds: 0),
            logger: quietLogger,
            sleep: { _ in }
        )
        return (tracker, provider)
    }

    func authorizations(_ transport: ScriptedTransport, path: String) async -> [String] {
        await transport.requests.filter { $0.url.path == path }.compactMap { $0.headers["Authorization"] }
    }

    @Test func theInstallationIsLookedUpOnceAndTheTokenRenewedFiveMinutesBeforeItExpires() async throws {
        let transport = ScriptedTransport()
        let clock = TestClock(Self.start)
        await transport.on("GET", "/repos/acme/widgets/installation", json(200, #"{"id": 77}"#))
        await transport.on(
            "POST",
            "/app/installations/77/access_tokens",
            Self.tokenResponse("ghs_first", expires: Self.start.addingTimeInterval(3600)),
            Self.tokenResponse(
                "ghs_second_and_longer_than_forty_characters_x",
                expires: Self.start.addingTimeInterval(7200)
            )
        )
        await transport.on("GET", "/repos/acme/widgets/issues", json(200, "[]"))
        let (tracker, provider) = try Self.setUp(transport, clock: clock)

        _ = try await tracker.openIssues(in: Self.widgets, labeled: "ready-for-agent")
        clock.advance(50 * 60)  // 10 minutes left: still good
        _ = try await tracker.openIssues(in: Self.widgets, labeled: "ready-for-agent")
        clock.advance(6 * 60)  // 4 minutes left: renewed before use
        _ = try await tracker.openIssues(in: Self.widgets, labeled: "ready-for-agent")

        #expect(
            await authorizations(transport, path: "/repos/acme/widgets/issues")
                == ["Bearer ghs_first", "Bearer ghs_first", "Bearer ghs_second_and_longer_than_forty_characters_x"]
        )
        #expect(await provider.mintedCount == 2)
        #expect(await transport.requests.filter { $0.url.path.hasSuffix("/installation") }.count == 1)
        // The App endpoints are called with the JWT, never with an installation token.
        for auth in await authorizations(transport, path: "/app/installations/77/access_tokens") {
            #expect(auth.split(separator: ".").count == 3)
        }
    }

    /// Reads of one repository sent at once share the installation lookup and the token, and an
    /// App's answered permission lookup proves nothing about writing (it needs only metadata).
    @Test func concurrentRequestsShareOneLookupAndOneToken() async throws {
        let transport = ScriptedTransport()
        let clock = TestClock(Self.start)
        await transport.on("GET", "/repos/acme/widgets/installation", json(200, #"{"id": 77}"#))
        await transport.on(
            "POST",
            "/app/installations/77/access_tokens",
            Self.tokenResponse("ghs_only", expires: Self.start.addingTimeInterval(3600))
        )
        await transport.on("GET", "/repos/acme/widgets/issues", json(200, "[]"))
        let (tracker, provider) = try Self.setUp(transport, clock: clock)
        #expect(!tracker.permissionReadProvesWriteAccess)
        await withTaskGroup(of: Void.self) { group in
            for label in ["ready-for-agent", "agent-in-progress", "ready-for-human", "afk-paused"] {
                group.addTask { _ = try? await tracker.openIssues(in: Self.widgets, labeled: label) }
            }
        }
        #expect(await transport.requests.filter { $0.url.path.hasSuffix("/installation") }.count == 1)
        #expect(await provider.mintedCount == 1)
        #expect(
            await authorizations(transport, path: "/repos/acme/widgets/issues")
                == Array(repeating: "Bearer ghs_only", count: 4)
        )
    }

    @Test func aRefusedTokenIsRenewedOnceThenTheRefusalStands() async throws {
        let transport = ScriptedTransport()
        let clock = TestClock(Self.start)
        await transport.on(
            "POST",
            "/app/installations/5/access_tokens",
            Self.tokenResponse("ghs_a", expires: Self.start.addingTimeInterval(3600)),
            Self.tokenResponse("ghs_b", expires: Self.start.addingTimeInterval(3600)),
            Self.tokenResponse("ghs_c", expires: Self.start.addingTimeInterval(3600))
        )
        let unauthorized = json(401, #"{"message":"Bad credentials"}"#)
        await transport.on("GET", "/repos/acme/widgets/issues/1", unauthorized, json(200, Self.issue), unauthorized)
        let (tracker, provider) = try Self.setUp(transport, clock: clock, installationID: 5)

        let issue = try await tracker.issue(IssueRef(repo: Self.widgets, number: 1))
        #expect(issue?.title == "Fix it")
        #expect(
            await authorizations(transport, path: "/repos/acme/widgets/issues/1") == ["Bearer ghs_a", "Bearer ghs_b"]
        )
        #expect(await provider.mintedCount == 2)

        // Refused again after the renewal: the 401 is the answer (the tick stops as with a token).
        do {
            _ = try await tracker.issue(IssueRef(repo: Self.widgets, number: 1))
            Issue.record("a refused renewed token did not fail")
        } catch {
            #expect(error.kind == .badCredentials)
            #expect(!error.description.contains("ghs_"))
        }
        #expect(await provider.mintedCount == 3)
        #expect(await transport.requests.filter { $0.url.path.hasSuffix("/installation") }.isEmpty)
    }

    @Test func theBotLoginIsTheAppsSlugWithBot() async throws {
        let transport = ScriptedTransport()
        await transport.on("GET", "/app", json(200, #"{"id": 424242, "slug": "afk-test-app", "name": "afk test"}"#))
        let (tracker, _) = try Self.setUp(transport, clock: TestClock(Self.start), installationID: 5)
        #expect(try await tracker.tokenLogin() == "afk-test-app[bot]")
        #expect(await transport.requests.allSatisfy { $0.url.path != "/user" })
    }

    @Test func anAppNotInstalledOnTheRepositoryIsNamed() async throws {
        let transport = ScriptedTransport()
        let (tracker, _) = try Self.setUp(transport, clock: TestClock(Self.start))
        do {
            _ = try await tracker.issue(IssueRef(repo: Self.widgets, number: 1))
            Issue.record("no installation, yet it worked")
        } catch {
            #expect(error.description.contains("is not installed on acme/widgets"))
            #expect(error.description.contains("tracker.app_installation_id"))
        }
    }

    static let issue = #"""
        {"number": 1, "title": "Fix it", "body": "", "state": "open", "labels": [],
         "html_url": "https://github.com/acme/widgets/issues/1", "repository_url": "https://api.github.com/repos/acme/widgets"}
        """#
}
