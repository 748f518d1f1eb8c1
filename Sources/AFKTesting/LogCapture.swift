import Synchronization
import Foundation

/// Collects log lines (a ``LineLogHandler`` writer) for a test to read.
public final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    /// Appends one line; hand this to ``TickProgram/Inputs/log``.
    public var write: @Sendable (String) -> Void {
        { [self] line in self.lines.withLock { $0.append(line) } }
    }

    /// Every line so far.
    public var all: [String] { lines.withLock { $0 } }

    /// Every line so far, each ending in a newline (as standard error would hold them).
    public var text: String { all.map { $0 + "\n" }.joined() }
}
