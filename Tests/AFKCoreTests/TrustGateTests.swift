import AFKCore
import Testing

/// Trust rests on the latest `labeled` event for the ready label and the collaborator
/// permission of its actor; everything else fails closed.
struct TrustGateTests {
    static let ready = "ready-for-agent"

    static func labeled(_ actor: String?, _ label: String = ready) -> LabelEvent {
        LabelEvent(kind: .labeled, label: label, actor: actor)
    }
    static func unlabeled(_ actor: String?, _ label: String = ready) -> LabelEvent {
        LabelEvent(kind: .unlabeled, label: label, actor: actor)
    }

    // MARK: - Permissions

    /// (permission, role_name, trusted) as the collaborator-permission endpoint reports them.
    @Test(arguments: [
        ("admin", "admin", true),
        ("write", "write", true),
        ("write", "maintain", true),  // GitHub reports maintain as write
        ("maintain", "maintain", true),  // ...and some trackers literally as maintain
        ("admin", "", true),
        ("write", "", true),
        ("ADMIN", "Admin", true),
        ("Write", "WRITE", true),
        ("write", "custom-deployer", true),  // a custom role keeps its base in `permission`
        ("admin", "custom-release-manager", true),
        ("read", "triage", false),
        ("triage", "triage", false),
        ("read", "read", false),
        ("none", "none", false),
        ("none", "", false),
        ("", "", false),
        ("read", "custom-viewer", false),
        ("", "custom-viewer", false),
        ("", "triage", false),
        ("", "read", false),
        // An empty legacy permission falls back to the role name.
        ("", "admin", true),
        ("", "write", true),
        ("", "maintain", true),
        // A non-empty base permission wins over the role name: fail closed.
        ("read", "admin", false),
        ("none", "write", false),
        // Near misses are not roles.
        (" admin", "", false),
        ("writer", "writer", false),
        ("administrator", "", false),
        ("pull", "pull", false),
    ])
    func permission(permission: String, role: String, trusted: Bool) {
        let verdict = TrustGate.verdict(labeler: .login("u"), permission: .role(permission: permission, roleName: role))
        if trusted {
            #expect(verdict == .trusted(login: "u"), "\(permission)/\(role)")
        } else {
            #expect(
                verdict == .untrusted(.insufficientPermission(login: "u", permission: permission)),
                "\(permission)/\(role)"
            )
        }
    }

    @Test func aMissingCollaboratorAnswerOrA404IsUntrusted() {
        #expect(
            TrustGate.verdict(labeler: .login("u"), permission: .notCollaborator)
                == .untrusted(.notCollaborator(login: "u"))
        )
        #expect(TrustGate.verdict(labeler: .login("u"), permission: nil) == .untrusted(.notCollaborator(login: "u")))
    }

    /// Without an attributable event no permission, however high, makes the issue trusted.
    @Test(arguments: [
        nil, CollaboratorPermission.notCollaborator, .role(permission: "admin", roleName: "admin"),
        .role(permission: "write", roleName: "write"),
    ])
    func noAttributableEventIsUntrusted(permission: CollaboratorPermission?) {
        #expect(TrustGate.verdict(labeler: .noEvent, permission: permission) == .untrusted(.noLabelEvent))
        #expect(TrustGate.verdict(labeler: .unattributed, permission: permission) == .untrusted(.unattributedEvent))
    }

    // MARK: - Who applied the label

    /// (events oldest first, expected labeler)
    @Test(
        arguments: [
            ([], .noEvent),
            ([labeled("alice", "bug")], .noEvent),
            ([unlabeled("alice")], .noEvent),
            ([labeled("alice")], .login("alice")),
            // Label names compare case-insensitively, but only whole names.
            ([labeled("alice", "Ready-For-Agent")], .login("alice")),
            ([labeled("alice", "READY-FOR-AGENT")], .login("alice")),
            ([labeled("alice", "ready-for-agent-2")], .noEvent),
            ([labeled("alice", "ready-for-agen")], .noEvent),
            // The most recent application counts.
            ([labeled("alice"), labeled("bob")], .login("bob")),
            ([labeled("alice"), unlabeled("alice"), labeled("mallory")], .login("mallory")),
            ([labeled("mallory"), unlabeled("alice"), labeled("alice")], .login("alice")),
            // Removing the label later does not change who applied it last.
            ([labeled("alice"), unlabeled("bob")], .login("alice")),
            // Other labels after the ready label change nothing.
            ([labeled("alice"), labeled("mallory", "bug"), unlabeled("mallory", "bug")], .login("alice")),
            // A deleted account (no actor, or an empty login) on the latest event.
            ([labeled(nil)], .unattributed),
            ([labeled("")], .unattributed),
            ([labeled("alice"), labeled(nil)], .unattributed),
            // ...but an older unattributed event is superseded.
            ([labeled(nil), labeled("alice")], .login("alice")),
            // GitHub's placeholder for deleted accounts is an ordinary login that no permission lookup trusts.
            ([labeled("ghost")], .login("ghost")),
        ] as [([LabelEvent], TrustGate.Labeler)]
    )
    func labeler(events: [LabelEvent], expected: TrustGate.Labeler) {
        #expect(TrustGate.labeler(of: Self.ready, in: events) == expected)
    }

    @Test func theConfiguredLabelNameIsMatchedCaseInsensitivelyToo() {
        #expect(
            TrustGate.labeler(of: "Ready-For-Agent", in: [Self.labeled("alice", "ready-for-agent")]) == .login("alice")
        )
        #expect(TrustGate.labeler(of: "go", in: [Self.labeled("alice"), Self.labeled("bob", "GO")]) == .login("bob"))
    }

    // MARK: - Scenarios: events plus permission lookups

    static let permissions: [String: CollaboratorPermission] = [
        "alice": .role(permission: "admin", roleName: "admin"),
        "maya": .role(permission: "write", roleName: "maintain"),
        "wes": .role(permission: "write", roleName: "write"),
        "tess": .role(permission: "read", roleName: "triage"),
        "rita": .role(permission: "read", roleName: "read"),
        "nora": .role(permission: "none", roleName: "none"),
        // Absent logins answer 404: not collaborators (this includes `ghost`).
    ]

    static func judge(_ events: [LabelEvent]) -> TrustGate.Verdict {
        let labeler = TrustGate.labeler(of: ready, in: events)
        var permission: CollaboratorPermission?
        if case .login(let login) = labeler { permission = permissions[login] ?? .notCollaborator }
        return TrustGate.verdict(labeler: labeler, permission: permission)
    }

    @Test(
        arguments: [
            ("admin applies", [labeled("alice")], .trusted(login: "alice")),
            ("maintainer applies", [labeled("maya")], .trusted(login: "maya")),
            ("writer applies", [labeled("wes")], .trusted(login: "wes")),
            (
                "triager applies", [labeled("tess")],
                .untrusted(.insufficientPermission(login: "tess", permission: "read"))
            ),
            (
                "reader applies", [labeled("rita")],
                .untrusted(.insufficientPermission(login: "rita", permission: "read"))
            ),
            ("none applies", [labeled("nora")], .untrusted(.insufficientPermission(login: "nora", permission: "none"))),
            ("outsider applies (404)", [labeled("eve")], .untrusted(.notCollaborator(login: "eve"))),
            ("ghost applies", [labeled("ghost")], .untrusted(.notCollaborator(login: "ghost"))),
            ("deleted account applies", [labeled(nil)], .untrusted(.unattributedEvent)),
            ("no event", [], .untrusted(.noLabelEvent)),
            (
                "trusted, then re-applied by an untrusted user", [labeled("alice"), unlabeled("eve"), labeled("eve")],
                .untrusted(.notCollaborator(login: "eve"))
            ),
            (
                "trusted, then re-applied by a reader without removal", [labeled("alice"), labeled("rita")],
                .untrusted(.insufficientPermission(login: "rita", permission: "read"))
            ),
            (
                "untrusted, then unlabeled and re-labeled by a writer",
                [labeled("eve"), unlabeled("wes"), labeled("wes")], .trusted(login: "wes")
            ),
            (
                "trusted, unlabeled by an outsider, re-labeled by the same admin",
                [labeled("alice"), unlabeled("eve"), labeled("alice")],
                .trusted(login: "alice")
            ),
            (
                "trusted, then a deleted account re-applied", [labeled("alice"), unlabeled("alice"), labeled(nil)],
                .untrusted(.unattributedEvent)
            ),
            (
                "trusted under another case of the label", [labeled("eve"), labeled("alice", "Ready-For-Agent")],
                .trusted(login: "alice")
            ),
        ] as [(String, [LabelEvent], TrustGate.Verdict)]
    )
    func scenario(name: String, events: [LabelEvent], expected: TrustGate.Verdict) {
        #expect(Self.judge(events) == expected, "\(name)")
    }
}
