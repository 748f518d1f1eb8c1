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

    public init(service: String, kind: Kind, message: String) {
        self.service = service
        self.kind = kind
        self.message = message
    }

    /// Failures that concern every repository alike: carrying on would only repeat them.
    public var stopsTick: Bool { kind == .badCredentials }

    public var description: String { "\(service): \(message)" }
}
