/// The services the simulator serves, each under its own first path segment (`/github`, `/forgejo`, `/t3`,
/// `/jobs`, `/claudomator`, `/woodpecker`, `/k8s`, `/ntfy`, `/slack`; the control endpoints under `/_sim`).
///
/// The raw values are how ``RecordedRequest/service`` and ``Fault/service`` are spelled in JSON (`/_sim/requests`,
/// `/_sim/faults`).
public enum SimService: String, Sendable, Codable, CaseIterable {
    /// GitHub REST (`/github`).
    case github
    /// Gitea/Forgejo API v1 (`/forgejo/api/v1`), the same forge as ``github``.
    case forgejo
    /// T3 Code (`/t3`).
    case t3
    /// The claude-agent-service job runner (`/jobs`).
    case jobs
    /// Claudomator (`/claudomator`).
    case claudomator
    /// Woodpecker CI (`/woodpecker/api`).
    case woodpecker
    /// The Kubernetes API server (`/k8s`).
    case k8s
    /// The ntfy doorbell sink (`/ntfy`).
    case ntfy
    /// The Slack incoming-webhook sink (`/slack`).
    case slack
    /// The control endpoints (`/_sim`).
    case sim
    /// A path under none of the prefixes (answered 404).
    case unknown

    /// The first path segment that selects this service; nil for ``unknown``.
    var pathPrefix: String? {
        switch self {
        case .sim: "_sim"
        case .unknown: nil
        default: rawValue
        }
    }

    /// The service whose prefix `segment` is, or ``unknown``.
    init(pathPrefix segment: String?) {
        self = Self.allCases.first { $0.pathPrefix != nil && $0.pathPrefix == segment } ?? .unknown
    }
}
