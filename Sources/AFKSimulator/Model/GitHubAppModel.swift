import Foundation

/// A GitHub App on the simulated GitHub: its identity, the public half of its key, where it is
/// installed, and how long its installation tokens last.
///
/// ```json
/// "github": { "app": { "id": 123456, "client_id": "Iv23liAFKsim", "slug": "afk-bot",
///   "public_key_pem": "-----BEGIN PUBLIC KEY-----\n…", "installations": {"acme/widgets": 42, "acme": 42},
///   "token_lifetime_seconds": 3600, "token_max_requests": 5 } }
/// ```
///
/// - `installations`: `owner/name` (one repository) or `owner` (every repository of the account)
///   → installation id.
/// - `token_lifetime_seconds`: an installation token's lifetime (GitHub: one hour); expired, it
///   gets 401 "Bad credentials".
/// - `token_max_requests`: when set, a token stops working after this many requests although
///   its `expires_at` has not passed (a revoked or rotated token), so that a test can force a
///   renewal in the middle of a tick.
public struct SimGitHubApp: Sendable, Codable, Equatable {
    public var id: Int
    public var clientID: String
    public var slug: String
    public var name: String
    /// The App's public key, PEM (SubjectPublicKeyInfo): JWTs are verified with it.
    public var publicKeyPEM: String
    public var installations: [String: Int]
    public var tokenLifetimeSeconds: Int
    public var tokenMaxRequests: Int?

    /// Its installation tokens act as this login.
    public var botLogin: String { "\(slug)[bot]" }

    public init(
        id: Int,
        clientID: String = "Iv23liAFKsim",
        slug: String,
        name: String? = nil,
        publicKeyPEM: String,
        installations: [String: Int],
        tokenLifetimeSeconds: Int = 3600,
        tokenMaxRequests: Int? = nil
    ) {
        self.id = id
        self.clientID = clientID
        self.slug = slug
        self.name = name ?? slug
        self.publicKeyPEM = publicKeyPEM
        self.installations = installations
        self.tokenLifetimeSeconds = tokenLifetimeSeconds
        self.tokenMaxRequests = tokenMaxRequests
    }

    enum CodingKeys: String, CodingKey {
        case id, slug, name, installations
        case clientID = "client_id"
        case publicKeyPEM = "public_key_pem"
        case tokenLifetimeSeconds = "token_lifetime_seconds"
        case tokenMaxRequests = "token_max_requests"
    }

    /// Decodes with defaults for absent keys.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        slug = try c.decode(String.self, forKey: .slug)
        name = try c.value(.name, or: slug)
        clientID = try c.value(.clientID, or: "Iv23liAFKsim")
        publicKeyPEM = try c.decode(String.self, forKey: .publicKeyPEM)
        installations = try c.value(.installations, or: [:])
        tokenLifetimeSeconds = try c.value(.tokenLifetimeSeconds, or: 3600)
        tokenMaxRequests = try c.decodeIfPresent(Int.self, forKey: .tokenMaxRequests)
    }
}
