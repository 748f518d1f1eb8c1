import Dispatch
import Foundation

/// Turns SIGTERM (Kubernetes stopping the pod at `activeDeadlineSeconds`, or an operator) into an
/// orderly end: the handler runs `action` instead of the process dying mid-write without a report.
final class SignalStop: @unchecked Sendable {
    private let source: any DispatchSourceSignal
    private let signalNumber: Int32

    /// Installs the handler; call ``remove()`` when the work it guards is over.
    init(signal signalNumber: Int32, action: @escaping @Sendable () -> Void) {
        self.signalNumber = signalNumber
        signal(signalNumber, SIG_IGN)  // delivered to the dispatch source instead
        source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler(handler: action)
        source.resume()
    }

    func remove() {
        source.cancel()
        signal(signalNumber, SIG_DFL)
    }
}
