/// afk's version, printed by `--version` on every binary: `afk 0.6.0 (<commit>)`.
///
/// The number is kept here (and in `k8s/base/kustomization.yaml`'s `app.kubernetes.io/version`
/// and the Dockerfile's `AFK_VERSION`); the commit is embedded at build time by the
/// `AFKBuildInfo` plugin (`AFK_BUILD_COMMIT`, else the package's `.git`, else `unknown`).
public enum AFKVersion {
    public static let number = "0.6.0"

    /// The git commit the binary was built from, or `unknown`.
    public static var commit: String { afkBuildCommit }

    /// `afk 0.6.0 (1a2b3c4…)`.
    public static var line: String { "afk \(number) (\(commit))" }
}
