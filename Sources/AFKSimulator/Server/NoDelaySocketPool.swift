import FlyingFox
import FlyingSocks

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// FlyingFox's socket pool, with Nagle's algorithm switched off on every socket it waits on.
///
/// FlyingFox writes a response's head and body in two writes. With Nagle on, the body waits for
/// the client to acknowledge the head, and clients delay that acknowledgement (about 40 ms on
/// Linux) once a kept-alive connection leaves TCP's quick-ack start: every request after a
/// connection's first would then take 40 ms longer than the latency a scenario asks for. Real
/// forges send their answers without that pause. Linux hands the listening socket's setting on to
/// the connections it accepts; a connection is also set when it first waits for a request.
struct NoDelaySocketPool: AsyncSocketPool {
    let base: any AsyncSocketPool

    func prepare() async throws { try await base.prepare() }

    func run() async throws { try await base.run() }

    func suspendSocket(_ socket: Socket, untilReadyFor events: Socket.Events) async throws {
        // Not a TCP socket (or already closed): nothing to switch off.
        try? socket.setValue(true, for: BoolSocketOption(level: Int32(IPPROTO_TCP), name: Int32(TCP_NODELAY)))
        try await base.suspendSocket(socket, untilReadyFor: events)
    }
}
