import Foundation

/// How the `/forgejo` view of the world behaves: which server it pretends to be (Forgejo,
/// https://codeberg.org/api/swagger, or Gitea, https://docs.gitea.com/api/1.22/).
///
/// JSON: `"forgejo": {"flavor": "forgejo", "version": "12.0.0", "site_admins": ["root"]}`; every key is
/// optional. The repositories, issues, labels, commits and CI are the forge's (`github`), seen
/// through the Gitea/Forgejo API v1; the tokens are `github.tokens`.
public struct ForgejoScenario: Sendable, Codable, Equatable {
    /// `forgejo` (default) or `gitea`. Decides the auth-scheme rule, the combined-status algorithm, the
    /// actions-runs shape and the version gates below.
    public var flavor: String
    /// Server version, e.g. `12.0.0` (Forgejo) or `1.25.0` (Gitea). Gates label names in
    /// `POST …/issues/{index}/labels` (Gitea ≥ 1.23, Forgejo ≥ 8) and `GET …/actions/runs`
    /// (Gitea ≥ 1.25, Forgejo ≥ 12).
    public var version: String
    /// Logins that are site administrators (they may query anyone's repository permission and are
    /// `admin` on every repository).
    public var siteAdmins: [String]

    /// Creates the Forgejo part of a scenario.
    public init(flavor: String = "forgejo", version: String = "12.0.0", siteAdmins: [String] = []) {
        self.flavor = flavor
        self.version = version
        self.siteAdmins = siteAdmins
    }

    enum CodingKeys: String, CodingKey {
        case flavor, version
        case siteAdmins = "site_admins"
    }

    /// Decodes with defaults for absent keys.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        flavor = try c.value(.flavor, or: "forgejo")
        version = try c.value(.version, or: "12.0.0")
        siteAdmins = try c.value(.siteAdmins, or: [])
    }

    /// Whether this is Gitea (anything but `gitea` is treated as Forgejo).
    var isGitea: Bool { flavor.lowercased() == "gitea" }

    /// `major.minor.patch` of ``version`` (missing or non-numeric parts count as 0; a `v` prefix and any
    /// `-…`/`+…` suffix are ignored).
    var versionParts: [Int] {
        var text = version.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("v") || text.hasPrefix("V") { text.removeFirst() }
        let core = text.split(whereSeparator: { $0 == "-" || $0 == "+" }).first.map(String.init) ?? ""
        var parts = core.split(separator: ".").map { Int($0) ?? 0 }
        while parts.count < 3 { parts.append(0) }
        return Array(parts.prefix(3))
    }

    func atLeast(_ minimum: [Int]) -> Bool {
        let have = versionParts
        for k in 0..<3 {
            let want = k < minimum.count ? minimum[k] : 0
            if have[k] != want { return have[k] > want }
        }
        return true
    }

    /// Label names (not only ids) in `POST …/issues/{index}/labels`.
    var acceptsLabelNames: Bool { isGitea ? atLeast([1, 23]) : atLeast([8]) }

    /// `GET /repos/{o}/{r}/actions/runs` exists.
    var servesActionRuns: Bool { isGitea ? atLeast([1, 25]) : atLeast([12]) }

    /// What `GET /version` reports (Forgejo appends the Gitea API level it is compatible with).
    var reportedVersion: String { isGitea ? version : "\(version)+gitea-1.22.0" }
}
