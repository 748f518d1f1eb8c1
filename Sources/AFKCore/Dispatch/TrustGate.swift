import Foundation

/// Decides whether the person who made an issue ready may hand it to an agent.
///
/// Trust rests on the most recent `labeled` event for the ready label: its actor must hold
/// `admin` or `write` (GitHub maps `maintain` to `write`) on the repository. Labeled events carry
/// no `author_association`, so the permission is looked up for the actor. Everything else —
/// no event, a ghost actor, a 404, `read`/`none`/`triage` — fails closed.
public enum TrustGate {
    /// Who applied the label most recently, as far as the events say.
    public enum Labeler: Hashable, Sendable {
        case login(String)
        /// No `labeled` event for the label exists (applied before history, or via a path
        /// the tracker does not record).
        case noEvent
        /// The latest `labeled` event has no actor (deleted account).
        case unattributed
    }

    public enum Verdict: Hashable, Sendable {
        case trusted(login: String)
        case untrusted(UntrustedReason)
    }

    public static func labeler(of label: String, in events: [LabelEvent]) -> Labeler {
        guard
            let latest = events.last(where: {
                $0.kind == .labeled && $0.label.caseInsensitiveCompare(label) == .orderedSame
            })
        else { return .noEvent }
        guard let actor = latest.actor, !actor.isEmpty else { return .unattributed }
        return .login(actor)
    }

    /// The roles that may dispatch. `maintain` and `owner` appear literally on some trackers.
    public static let trustedRoles: Set<String> = ["admin", "write", "maintain", "owner"]

    public static func verdict(labeler: Labeler, permission: CollaboratorPermission?) -> Verdict {
        switch labeler {
        case .noEvent: return .untrusted(.noLabelEvent)
        case .unattributed: return .untrusted(.unattributedEvent)
        case .login(let login):
            switch permission {
            case .none, .notCollaborator?:
                return .untrusted(.notCollaborator(login: login))
            case .role(let permission, let roleName)?:
                let p = permission.lowercased()
                let r = roleName.lowercased()
                // `permission` is the legacy base role; a custom role keeps its base there.
                if trustedRoles.contains(p) || (p.isEmpty && trustedRoles.contains(r)) {
                    return .trusted(login: login)
                }
                return .untrusted(.insufficientPermission(login: login, permission: permission))
            }
        }
    }
}

public enum UntrustedReason: Hashable, Sendable, CustomStringConvertible {
    case noLabelEvent
    case unattributedEvent
    case notCollaborator(login: String)
    case insufficientPermission(login: String, permission: String)

    public var description: String {
        switch self {
        case .noLabelEvent: "no labeled event attributes the ready label to anyone"
        case .unattributedEvent: "the latest ready label was applied by a deleted account"
        case .notCollaborator(let login): "ready label applied by \(login), who is not a collaborator"
        case .insufficientPermission(let login, let permission):
            "ready label applied by \(login), whose permission is \(permission.isEmpty ? "empty" : permission) (write or admin needed)"
        }
    }
}
