import AFKAdapters
import ArgumentParser
import Foundation

/// `afk trust-bundle`: writes the system CA bundle plus the Kubernetes cluster CA as one file, for
/// the watcher's init container. The watcher container mounts that file over the system bundle,
/// which is the only trust store URLSession on Linux reads (see
/// ``KubernetesAuth/writeTrustBundle(caFile:systemBundles:directory:)``).
struct TrustBundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust-bundle",
        abstract: "Write the system CA bundle plus the cluster CA as one file (the watcher's init container).",
        discussion: """
            Writes DIR/\(KubernetesAuth.bundleFileName): the first system bundle found \
            (\(KubernetesAuth.systemBundles.joined(separator: ", "))) followed by the cluster CA. When the CA file \
            does not exist (no service account token is mounted) the bundle is the system bundle alone, so the \
            mount never breaks HTTPS to anything else. Exit status: 0 written, 1 it could not be written.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The cluster CA in PEM.", valueName: "file"))
    var ca = KubernetesAuth.InCluster.directory + "/ca.crt"

    @Option(name: .long, help: ArgumentHelp("Directory to write the bundle into (an emptyDir).", valueName: "dir"))
    var out: String

    func run() throws {
        let path: String
        do {
            if FileManager.default.fileExists(atPath: ca) {
                path = try KubernetesAuth.writeTrustBundle(caFile: ca, directory: out)
            } else {
                path = try KubernetesAuth.writeSystemBundle(directory: out)
                FileHandle.standardError.write(
                    Data("afk: \(ca) does not exist; the bundle is the system bundle alone\n".utf8)
                )
            }
        } catch {
            FileHandle.standardError.write(Data("afk: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        print(path)
    }
}
