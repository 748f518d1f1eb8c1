import AFKCLI
import ArgumentParser

/// `afk`: see ``OperatorCommand``. The command lives in AFKCLI; this shim only starts it
/// (the `@main extension` form crashes swift-frontend 6.3.1, signal 11 in IRGen of `$main()`, when
/// `NonisolatedNonsendingByDefault` is on).
@main enum AFKOperatorMain {
    static func main() async { await CommandMain.run(OperatorCommand.self) }
}
