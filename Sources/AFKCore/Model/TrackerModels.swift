import Foundation

/// An issue as the dispatch policy sees it: the fields every tracker provides.
public struct TrackerIssue: Hashable, Sendable {
    public enum State: String, Sendable, Codable { case open, closed }

    public let ref: IssueRef
    public let title: String
    public let body: String
    public let labels: [String]
    public let state: State
    public let isPullRequest: Bool
    public let htmlURL: String?
    /// How many comments the tracker counted on the issue when it was read (`comments`); nil when
    /// the payload did not say. Zero spares reading the run history of an issue never commented on.
    public let commentCount: Int?
    /// How many issues the tracker says block this one, open or closed (GitHub's
    /// `issue_dependencies_summary.total_blocked_by`); nil when the payload does not say (Forgejo,
    /// older GitHub Enterprise). Zero spares listing the native blockers.
    public let nativeBlockerCount: Int?

    public init(
        ref: IssueRef,
        title: String,
        body: String = "",
        labels: [String] = [],
        state: State = .open,
        isPullRequest: Bool = false,
        htmlURL: String? = nil,
        commentCount: Int? = nil,
        nativeBlockerCount: Int? = nil
    ) {
        self.commentCount = commentCount
        self.nativeBlockerCount = nativeBlockerCount
        self.ref = ref
        self.title = title
        self.body = body
        self.labels = labels
        self.state = state
        self.isPullRequest = isPullRequest
        self.htmlURL = htmlURL
    }

    public var number: Int { ref.number }

    /// Label names compare case-insensitively on both GitHub and Forgejo.
    public func hasLabel(_ name: String) -> Bool {
        labels.contains { $0.caseInsensitiveCompare(name) == .orderedSame }
    }
}

/// A label being added to or removed from an issue, with the login that did it.
public struct LabelEvent: Hashable, Sendable {
    public enum Kind: String, Sendable { case labeled, unlabeled }

    public let kind: Kind
    public let label: String
    /// Nil when the tracker cannot attribute the event (a deleted "ghost" account).
    public let actor: String?

    public init(kind: Kind, label: String, actor: String?) {
        self.kind = kind
        self.label = label
        self.actor = actor
    }
}

/// A comment on an issue with its author's login.
public struct TrackerComment: Hashable, Sendable {
    public let id: Int64
    public let author: String
    public let body: String
    public let htmlURL: String?

    public init(id: Int64, author: String, body: String, htmlURL: String? = nil) {
        self.id = id
        self.author = author
        self.body = body
        self.htmlURL = htmlURL
    }
}

/// What the collaborator-permission endpoint said about a login.
public enum CollaboratorPermission: Hashable, Sendable {
    /// The endpoint answered 404: not a collaborator.
    case notCollaborator
    /// The endpoint answered with this legacy base role (`admin`, `write`, `read`, `none`, ...)
    /// and role name (`maintain`, `triage`, custom roles, ...).
    case role(permission: String, roleName: String)
}

/// The state of an issue that blocks another one.
public enum BlockerState: Hashable, Sendable {
    case open
    case closed
    /// The blocker could not be found (deleted, private, wrong reference): counts as open.
    case unresolvable
}
