/// A failure talking to one service, named for the operator. Never carries a token.
public struct ServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// 401: the token is missing, wrong, expired or revoked. Stops the whole tick.
        case badCredentials
        /// 403 that is not a rate limit: the token lacks a permission or scope.
        case forbidden
        /// Retries ran out (5xx, 429, secondary limits, transport failures).
        case unavailable
        /// Any other unexpected status.
        case unexpectedStatus(Int)
        /// The body did not have the documented shape.
        case malformedResponse
        /// A configuration problem discovered at run time (e.g. a label that does not exist).
        case misconfigured
    }

    public let service: String
    public let kind: Kind
    public let message: String
    /// True when a request that must not be repeated may have been carried out all the same
    /// (it was sent, then the connection timed out or dropped): nobody can tell whether it
    /// took effect. Only non-idempotent sends (``ServiceClient/send(_:_:json:headers:body:idempotent:)``) set it.
    public let outcomeUnknown: Bool

    public init(service: String, kind: Kind, message: String, outcomeUnknown: Bool = false) {
        self.service = service
        self.kind = kind
        self.message = message
        self.outcomeUnknown = outcomeUnknown
    }

    /// Failures that concern every repository alike: carrying on would only repeat them.
    public var stopsTick: Bool { kind == .badCredentials }

    public var description: String { "\(service): \(message)" }
}

extension ServiceError {
    /// Runs `body` and keeps its outcome, so that reads started together (`async let`) are each
    /// awaited and their errors rethrown where the caller chooses.
    public static func capture<T: Sendable>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws(ServiceError) -> T
    ) async -> Result<T, ServiceError> {
        do throws(ServiceError) {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }
}
