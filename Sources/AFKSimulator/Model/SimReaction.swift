/// A reaction on an issue comment: who reacted and with what (`+1`, `-1`, `laugh`, `confused`, `heart`, `hooray`,
/// `rocket` or `eyes`).
public struct SimReaction: Sendable, Codable, Equatable {
    /// The login that reacted.
    public var user: String
    /// The reaction, as the APIs spell it (`+1`, `eyes`, …).
    public var content: String

    /// Creates a reaction.
    public init(user: String, content: String) {
        self.user = user
        self.content = content
    }
}
