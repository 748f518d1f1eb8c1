import Crypto
import CryptoExtras
import Foundation

/// The GitHub App endpoints of the simulated GitHub, authenticated with the App's JWT as GitHub
/// checks it ("Generating a JSON Web Token (JWT) for a GitHub App",
/// https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app),
/// and the installation tokens they mint
/// (https://docs.github.com/en/rest/apps/apps#create-an-installation-access-token-for-an-app).
struct GitHubAppState: Sendable {
    struct Token: Sendable {
        let login: String
        let expiresAt: Date
        var requestsLeft: Int?
    }

    var app: SimGitHubApp?
    var tokens: [String: Token] = [:]

    init(_ app: SimGitHubApp?) { self.app = app }
}

extension ForgeWorld {
    static let appDocs = "https://docs.github.com/rest/apps/apps"

    /// Answers the App endpoints (`/app`, `/app/installations/{id}/access_tokens`,
    /// `/repos/{o}/{r}/installation`); nil for every other request.
    mutating func handleGitHubApp(_ request: SimRequest, now: Date) -> SimResponse? {
        let s = request.segments
        let isApp = s.first == "app"
        let isInstallation = s.count == 4 && s[0] == "repos" && s[3] == "installation" && request.method == "GET"
        guard isApp || isInstallation else { return nil }
        guard let app = appState.app else { return Self.error(404, "Not Found") }
        if let refusal = Self.verifyJWT(request, app: app, now: now) { return refusal }
        var response: SimResponse
        switch (request.method, s.count) {
        case ("GET", 1):
            response = .json(
                200,
                .obj([
                    "id": .int(Int64(app.id)), "slug": .string(app.slug), "name": .string(app.name),
                    "client_id": .string(app.clientID), "owner": .obj(["login": .string("acme")]),
                    "permissions": Self.appPermissions,
                ])
            )
        case ("GET", 4):
            let owner = s[1]
            let slug = "\(s[1])/\(s[2])"
            let known = repoIndex(s[1], s[2]) != nil
            guard known, let id = app.installations[slug] ?? app.installations[owner] else {
                return Self.error(
                    404,
                    "Not Found",
                    doc: Self.appDocs + "#get-a-repository-installation-for-the-authenticated-app"
                )
            }
            response = .json(
                200,
                .obj([
                    "id": .int(Int64(id)), "app_id": .int(Int64(app.id)), "app_slug": .string(app.slug),
                    "account": .obj(["login": .string(owner)]), "target_type": .string("Organization"),
                    "repository_selection": .string(app.installations[slug] != nil ? "selected" : "all"),
                    "access_tokens_url": .string("\(apiBase)/app/installations/\(id)/access_tokens"),
                    "permissions": Self.appPermissions,
                ])
            )
        case ("POST", 4) where s[1] == "installations" && s[3] == "access_tokens":
            guard let id = Int(s[2]), app.installations.values.contains(id) else {
                return Self.error(
                    404,
                    "Not Found",
                    doc: Self.appDocs + "#create-an-installation-access-token-for-an-app"
                )
            }
            let token = Self.newInstallationToken()
            let expires = now.addingTimeInterval(Double(app.tokenLifetimeSeconds))
            appState.tokens[token] = .init(login: app.botLogin, expiresAt: expires, requestsLeft: app.tokenMaxRequests)
            response = .json(
                201,
                .obj([
                    "token": .string(token),
                    "expires_at": .string(expires.formatted(.iso8601)),
                    "permissions": Self.appPermissions,
                    "repository_selection": .string("selected"),
                ])
            )
        default:
            return Self.error(404, "Not Found")
        }
        return response
    }

    /// The login an installation token acts as, counting the request; nil when it is unknown,
    /// expired or used up (then GitHub answers 401 "Bad credentials").
    mutating func installationLogin(_ token: String, now: Date) -> String? {
        guard var entry = appState.tokens[token], entry.expiresAt > now else { return nil }
        if let left = entry.requestsLeft {
            guard left > 0 else { return nil }
            entry.requestsLeft = left - 1
            appState.tokens[token] = entry
        }
        return entry.login
    }

    static let appPermissions: JSONValue = .obj([
        "issues": .string("write"), "pull_requests": .string("write"), "contents": .string("write"),
        "metadata": .string("read"), "checks": .string("read"), "statuses": .string("read"),
    ])

    /// `ghs_` and a random tail whose length varies, as GitHub's do (no fixed 40 characters).
    static func newInstallationToken() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        let count = Int.random(in: 36...72, using: &generator)
        return "ghs_" + String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// The 401 GitHub answers to a missing or wrong JWT, or nil when it is valid for `app`.
    static func verifyJWT(_ request: SimRequest, app: SimGitHubApp, now: Date) -> SimResponse? {
        let refuse = { (message: String) in Self.error(401, message, doc: "https://docs.github.com/rest") }
        guard let auth = request.authorization, auth.scheme == "bearer" else {
            return refuse("A JSON web token could not be decoded")
        }
        let parts = auth.credential.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3,
            let headerData = base64URLDecode(parts[0]),
            let claimsData = base64URLDecode(parts[1]),
            let signature = base64URLDecode(parts[2]),
            let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
            let claims = try? JSONSerialization.jsonObject(with: claimsData) as? [String: Any],
            header["alg"] as? String == "RS256"
        else {
            return refuse("A JSON web token could not be decoded")
        }
        guard let key = try? _RSA.Signing.PublicKey(pemRepresentation: app.publicKeyPEM),
            key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature),
                for: Data((parts[0] + "." + parts[1]).utf8),
                padding: .insecurePKCS1v1_5
            )
        else {
            return refuse("A JSON web token could not be decoded")
        }
        let nowSeconds = Int(now.timeIntervalSince1970)
        guard let exp = (claims["exp"] as? NSNumber)?.intValue else {
            return refuse(
                "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
            )
        }
        if exp > nowSeconds + 600 { return refuse("'Expiration time' claim ('exp') is too far in the future") }
        if exp <= nowSeconds {
            return refuse(
                "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
            )
        }
        guard let iat = (claims["iat"] as? NSNumber)?.intValue, iat <= nowSeconds + 60 else {
            return refuse(
                "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
            )
        }
        let issuer = (claims["iss"] as? NSNumber).map { "\($0.intValue)" } ?? (claims["iss"] as? String)
        guard issuer == String(app.id) || issuer == app.clientID else {
            return refuse("'Issuer' claim ('iss') must be an Integer")
        }
        return nil
    }

    static func base64URLDecode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
