import Foundation

/// How ``KubernetesRollout`` reaches the API server, and how the cluster CA is made trusted.
///
/// - ``inCluster(_:)``: the pod's service account (client-go `rest.InClusterConfig`;
///   https://kubernetes.io/docs/tasks/run-application/access-api-from-pod/):
///   `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, the token file
///   re-read at every read (the projected token rotates), the CA at `…/serviceaccount/ca.crt`.
/// - ``explicit(url:token:caFile:)``: out of cluster (`kubernetes.url`, `kubernetes.token`,
///   `kubernetes.ca_file`).
public enum KubernetesAuth: Sendable, CustomStringConvertible {
    case inCluster(InCluster = InCluster())
    case explicit(url: URL, token: String, caFile: String?)

    /// Where the in-cluster configuration comes from; every path and the environment are injectable
    /// for tests.
    public struct InCluster: Sendable, Hashable {
        /// The service account token, re-read at every ``KubernetesRollout/read(sha:in:)``.
        public var tokenFile: String
        /// The cluster CA that signed the API server's certificate.
        public var caFile: String
        /// The pod's namespace (see ``KubernetesAuth/namespace(file:)``).
        public var namespaceFile: String
        /// The variables `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT` are read from;
        /// nil: the process environment.
        public var environment: [String: String]?

        /// The standard mount point of a service account's credentials.
        public static let directory = "/var/run/secrets/kubernetes.io/serviceaccount"

        /// Creates the in-cluster configuration (the standard paths by default).
        public init(
            tokenFile: String = InCluster.directory + "/token",
            caFile: String = InCluster.directory + "/ca.crt",
            namespaceFile: String = InCluster.directory + "/namespace",
            environment: [String: String]? = nil
        ) {
            self.tokenFile = tokenFile
            self.caFile = caFile
            self.namespaceFile = namespaceFile
            self.environment = environment
        }
    }

    /// The CA file to trust for this API server, if any (in cluster: the service account's `ca.crt`).
    public var caFile: String? {
        switch self {
        case .inCluster(let config): config.caFile
        case .explicit(_, _, let caFile): caFile
        }
    }

    /// The mode, without the token.
    public var description: String {
        switch self {
        case .inCluster(let config): "in-cluster (token file \(config.tokenFile))"
        case .explicit(let url, _, let caFile):
            "\(url.absoluteString) (token <redacted>\(caFile.map { ", CA \($0)" } ?? ""))"
        }
    }

    /// The API server and the token to send now. In cluster the token file is read on every call.
    /// - Throws: ``ServiceError`` (`misconfigured`) naming the missing variable or unreadable file.
    func credentials(readFile: (String) -> String?) throws(ServiceError) -> (url: URL, token: String) {
        switch self {
        case .explicit(let url, let token, _):
            return (url, token)
        case .inCluster(let config):
            let environment = config.environment ?? ProcessInfo.processInfo.environment
            guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
                let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
            else {
                throw Self.misconfigured(
                    "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set, so afk is not running in a pod; "
                        + "set kubernetes.url and kubernetes.token to reach the API server from outside the cluster"
                )
            }
            // client-go joins them with net.JoinHostPort: an IPv6 address gets brackets.
            let authority = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
            guard let url = URL(string: "https://\(authority)") else {
                throw Self.misconfigured("KUBERNETES_SERVICE_HOST/PORT do not form a URL (https://\(authority))")
            }
            guard let raw = readFile(config.tokenFile) else {
                throw Self.misconfigured(
                    "cannot read the service account token at \(config.tokenFile); "
                        + "set automountServiceAccountToken: true in the watcher's pod spec"
                )
            }
            let token = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else {
                throw Self.misconfigured("the service account token file \(config.tokenFile) is empty")
            }
            return (url, token)
        }
    }

    static func misconfigured(_ message: String) -> ServiceError {
        ServiceError(service: "Kubernetes", kind: .misconfigured, message: message)
    }

    /// Reads a whole UTF-8 text file; nil when it cannot be read.
    @Sendable public static func readTextFile(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(data: data, encoding: .utf8)
    }

    /// The pod's own namespace (the default namespace of deployments configured without one), from
    /// the service account mount; nil outside a pod.
    public static func namespace(file: String = InCluster.directory + "/namespace") -> String? {
        readTextFile(file).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    // MARK: Trust

    /// Where system CA bundles are looked for, in order: the first existing one is kept in the combined
    /// bundle (the same two paths lead SwiftNIO SSL's own search list on Linux, `LinuxCABundle.swift`:
    /// https://github.com/apple/swift-nio-ssl/blob/main/Sources/NIOSSL/LinuxCABundle.swift).
    public static let systemBundles = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"]

    /// The file name of the combined bundle inside the chosen directory.
    public static let bundleFileName = "afk-ca-bundle.pem"

    /// Writes ONE CA bundle — the first existing file of `systemBundles`, then `caFile` — to
    /// `directory/afk-ca-bundle.pem`, for `afk trust-bundle` in the watcher's init container.
    ///
    /// Why a file and not a setting: every afk program has one HTTP client (``NIOTransport``) whose
    /// TLS trusts the system bundle, which SwiftNIO SSL finds at `/etc/ssl/certs/ca-certificates.crt`
    /// on Debian. So the watcher's pod mounts this bundle over that path (`subPath`, read-only root
    /// file system intact): the cluster CA is trusted and every other HTTPS service (GitHub, T3,
    /// Slack, …) still is, with no per-service trust setting to get wrong.
    /// - Returns: The path of the combined bundle.
    /// - Throws: ``ServiceError`` (`misconfigured`) when the CA file is missing or not PEM, no system
    ///   bundle exists, or the bundle cannot be written.
    /// The bundle without a cluster CA (no service account mounted): the system bundle alone.
    public static func writeSystemBundle(
        systemBundles: [String] = KubernetesAuth.systemBundles,
        directory: String
    ) throws(ServiceError) -> String {
        try writeBundle(extra: nil, systemBundles: systemBundles, directory: directory)
    }

    public static func writeTrustBundle(
        caFile: String,
        systemBundles: [String] = KubernetesAuth.systemBundles,
        directory: String = NSTemporaryDirectory()
    ) throws(ServiceError) -> String {
        guard let cluster = readTextFile(caFile) else {
            throw misconfigured("cannot read the cluster CA file \(caFile)")
        }
        guard cluster.contains("-----BEGIN CERTIFICATE-----") else {
            throw misconfigured("the cluster CA file \(caFile) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        return try writeBundle(extra: (caFile, cluster), systemBundles: systemBundles, directory: directory)
    }

    static func writeBundle(extra: (file: String, text: String)?, systemBundles: [String], directory: String)
        throws(ServiceError) -> String
    {
        var isDirectory: ObjCBool = false
        guard
            let system = systemBundles.first(where: {
                FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue
            }), let systemText = readTextFile(system)
        else {
            throw misconfigured(
                "no system CA bundle found (looked for \(systemBundles.joined(separator: ", "))); install ca-certificates, "
                    + "or trusting the cluster CA would break every other HTTPS service"
            )
        }
        var bundle = systemText
        if !bundle.isEmpty, !bundle.hasSuffix("\n") { bundle += "\n" }
        if let extra {
            bundle += "# afk: Kubernetes cluster CA from \(extra.file)\n" + extra.text
            if !bundle.hasSuffix("\n") { bundle += "\n" }
        }
        let path = URL(fileURLWithPath: directory).appendingPathComponent(bundleFileName).path
        do {
            try Data(bundle.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw misconfigured("cannot write the CA bundle to \(path): \(error.localizedDescription)")
        }
        return path
    }
}
