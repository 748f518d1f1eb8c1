/// A label afk relies on, as `afk labels sync` creates it.
public struct LabelDefinition: Hashable, Sendable {
    public let name: String
    /// Six hex digits, no `#`.
    public let color: String
    public let description: String

    public init(name: String, color: String, description: String) {
        self.name = name
        self.color = color
        self.description = description
    }
}

extension DispatchLabels {
    /// afk's four labels with a colour and a description each, in the order a person meets them.
    public var definitions: [LabelDefinition] {
        [
            LabelDefinition(name: ready, color: "0e8a16", description: "Triaged: hand this issue to an afk agent"),
            LabelDefinition(
                name: inProgress,
                color: "1d76db",
                description: "afk: an agent is working on this issue (the repository's lock)"
            ),
            LabelDefinition(name: human, color: "d93f0b", description: "afk handed this run back to a human"),
            LabelDefinition(name: paused, color: "fbca04", description: "afk: start no new agent turn on this issue"),
        ]
    }

    /// The labels of ``definitions`` that `existing` (label names in the repository) lacks;
    /// names compare case-insensitively, as both GitHub and Forgejo do.
    public func missing(from existing: [String]) -> [LabelDefinition] {
        let have = Set(existing.map { $0.lowercased() })
        return definitions.filter { !have.contains($0.name.lowercased()) }
    }
}
