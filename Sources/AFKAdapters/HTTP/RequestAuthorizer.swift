import Foundation

/// Supplies a request's credentials at the time it is sent, for credentials that expire during a
/// tick (GitHub App installation tokens last one hour). ``ServiceClient`` asks before each
/// request and, after a 401, once more with the headers that were refused before it gives up.
public protocol RequestAuthorizer: Sendable {
    /// `headers` with the credentials for `url` added (an `Authorization` header). `refused` is
    /// what a 401 just refused: credentials other than those, or new ones.
    func headers(for url: URL, adding headers: [String: String], refused: [String: String]?)
        async throws(ServiceError) -> [String: String]
}
