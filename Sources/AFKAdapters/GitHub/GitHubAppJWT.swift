import Crypto
import CryptoExtras
import Foundation

/// A GitHub App's private key and the JSON Web Tokens signed with it.
///
/// GitHub: "Generating a JSON Web Token (JWT) for a GitHub App"
/// (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app):
/// RS256, `iat` 60 seconds in the past (clock drift), `exp` at most 10 minutes ahead, `iss` the
/// App's ID or client ID. The token's three parts are base64url without padding (RFC 7515 §2,
/// https://www.rfc-editor.org/rfc/rfc7515#section-2); RS256 is RSASSA-PKCS1-v1_5 with SHA-256
/// (RFC 7518 §3.3, https://www.rfc-editor.org/rfc/rfc7518#section-3.3).
public struct GitHubAppKey: Sendable {
    let key: _RSA.Signing.PrivateKey

    /// Why a private key cannot be used; never carries the key's text.
    public struct Problem: Error, Sendable, Hashable {
        /// What is wrong, to follow "<key> (<source>) ".
        public let reason: String
    }

    /// Parses a PEM private key as GitHub issues it (PKCS#1, `BEGIN RSA PRIVATE KEY`) or as
    /// `openssl pkcs8` converts it (`BEGIN PRIVATE KEY`). A value whose line breaks were written
    /// as `\n` (an environment variable set from one line) is accepted too.
    public init(pem text: String) throws(Problem) {
        var pem = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !pem.contains("\n"), pem.contains("\\n") { pem = pem.replacingOccurrences(of: "\\n", with: "\n") }
        guard pem.hasPrefix("-----BEGIN") else {
            throw Problem(
                reason:
                    "is not a PEM private key: it must start with -----BEGIN RSA PRIVATE KEY----- (as GitHub issues it) or -----BEGIN PRIVATE KEY-----"
            )
        }
        guard !pem.hasPrefix("-----BEGIN ENCRYPTED") else {
            throw Problem(reason: "is an encrypted private key: afk needs it unencrypted, as GitHub issues it")
        }
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw Problem(
                reason:
                    "cannot be read as an RSA private key of at least 2048 bits (the PEM's base64 or its structure is damaged, or it is not an RSA key)"
            )
        }
    }

    /// The key's public half, PEM (SubjectPublicKeyInfo), for a simulator or a test to verify with.
    public var publicKeyPEM: String { key.publicKey.pemRepresentation }

    /// A JWT for `appID`, valid from 60 s before `now` for `lifetimeSeconds` after it (GitHub
    /// refuses an `exp` more than 10 minutes ahead).
    public func jwt(appID: String, now: Date, lifetimeSeconds: Int = 540) throws(Problem) -> String {
        let issued = Int(now.timeIntervalSince1970) - 60
        let expires = Int(now.timeIntervalSince1970) + min(lifetimeSeconds, 600)
        // The App ID is a number; a client ID (`Iv23…`) is a string.
        let issuer = Int(appID).map(String.init) ?? Self.jsonString(appID)
        let header = #"{"alg":"RS256","typ":"JWT"}"#
        let claims = #"{"iat":\#(issued),"exp":\#(expires),"iss":\#(issuer)}"#
        let signingInput = Self.base64URL(Data(header.utf8)) + "." + Self.base64URL(Data(claims.utf8))
        do {
            let signature = try key.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
            return signingInput + "." + Self.base64URL(signature.rawRepresentation)
        } catch {
            throw Problem(reason: "could not sign a JWT")
        }
    }

    /// base64url without padding (RFC 4648 §5).
    public static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func jsonString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}
