import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw HTTP/1.1 server on 127.0.0.1 that misbehaves at the connection level, as proxies and
/// crashing services do: it drops connections. (The simulator, an HTTP framework, always
/// answers.) Blocking sockets on threads of its own; stop it with ``stop()``.
///
/// ## Usage
/// ```swift
/// let server = try DroppingServer(.dropReusedConnections)
/// defer { server.stop() }
/// let url = server.url  // http://127.0.0.1:PORT
/// ```
public final class DroppingServer: @unchecked Sendable {
    /// What the server does with each connection.
    public enum Behaviour: Sendable {
        /// Accepts every connection and closes it at once, before reading anything (a service
        /// that is going down, or a proxy without a backend).
        case dropEveryConnection
        /// Serves GETs with keep-alive. A request arriving on a connection that already served
        /// one is read up to the end of its headers and the connection is closed (a keep-alive
        /// connection the server timed out just as the client reused it). A request on a fresh
        /// connection is served: a body is read as `Content-Length` says (waiting at most
        /// `bodyTimeoutSeconds`) and answered 200 when it arrived whole, 408 when it did not.
        case dropReusedConnections(bodyTimeoutSeconds: Double)
        /// Reads each request and never answers (a server that hangs).
        case neverAnswer
    }

    /// One request as the server read it.
    public struct Received: Sendable, Hashable {
        public let method: String
        public let path: String
        /// `Content-Length` as sent.
        public let declaredLength: Int
        /// The body bytes that arrived.
        public let receivedLength: Int
        /// Whether the connection had served a request before.
        public let reused: Bool
    }

    public let port: UInt16
    public var url: URL { URL(string: "http://127.0.0.1:\(port)") ?? URL(fileURLWithPath: "/") }

    private let behaviour: Behaviour
    private let listener: Int32
    private let lock = NSLock()
    private var stopped = false
    private var log: [Received] = []
    private var connections = 0

    /// Binds an ephemeral port on 127.0.0.1 and starts accepting.
    public init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw SocketError("socket() failed") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw SocketError("bind/listen on 127.0.0.1 failed")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.listener = fd
        self.port = UInt16(bigEndian: actual.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Every request read so far, in order.
    public var received: [Received] { lock.withLock { log } }

    /// Connections accepted so far.
    public var accepted: Int { lock.withLock { connections } }

    /// Stops accepting and closes the listening socket.
    public func stop() {
        let wasStopped = lock.withLock { () -> Bool in
            defer { stopped = true }
            return stopped
        }
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { stop() }

    private func acceptLoop() {
        while !lock.withLock({ stopped }) {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if lock.withLock({ stopped }) { return }
                continue
            }
            lock.withLock { connections += 1 }
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var noSigPipe: Int32 = 1
        #if canImport(Darwin)
        setsockopt(client, SOL_SOCKET, SO_NOSIGPIPE, &noSigPipe, socklen_t(MemoryLayout<Int32>.size))
        #else
        _ = noSigPipe
        #endif
        if case .neverAnswer = behaviour {
            var buffer: [UInt8] = []
            while readHead(client, &buffer, timeout: 120) != nil {}  // read, never answer
            return
        }
        guard case .dropReusedConnections(let bodyTimeout) = behaviour else { return }  // drop at once
        var buffer: [UInt8] = []
        var served = 0
        while true {
            guard let (head, rest) = readHead(client, &buffer, timeout: 30) else { return }
            let lines = head.split(separator: "\r\n")
            let requestLine = lines.first.map { $0.split(separator: " ") } ?? []
            let method = requestLine.first.map(String.init) ?? "?"
            let path = requestLine.count > 1 ? String(requestLine[1]) : "?"
            let declared =
                lines.dropFirst()
                .compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }
                .first ?? 0
            if served > 0 {
                lock.withLock {
                    log.append(
                        Received(method: method, path: path, declaredLength: declared, receivedLength: 0, reused: true)
                    )
                }
                return  // the reused connection is dropped after its headers
            }
            buffer = rest
            let body = readBody(client, &buffer, length: declared, timeout: bodyTimeout)
            lock.withLock {
                log.append(
                    Received(method: method, path: path, declaredLength: declared, receivedLength: body, reused: false)
                )
            }
            let status = body == declared ? "200 OK" : "408 Request Timeout"
            let payload = #"{"received":\#(body)}"#
            let response =
                "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(payload.utf8.count)\r\nConnection: keep-alive\r\n\r\n\(payload)"
            #if canImport(Glibc)
            let flags = Int32(MSG_NOSIGNAL)
            #else
            let flags: Int32 = 0
            #endif
            _ = response.withCString { send(client, $0, strlen($0), flags) }
            served += 1
            if body != declared { return }
        }
    }

    /// Reads up to the blank line ending the headers; returns them and the bytes after.
    private func readHead(_ fd: Int32, _ buffer: inout [UInt8], timeout: Double) -> (String, [UInt8])? {
        let end: [UInt8] = [13, 10, 13, 10]
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let index = buffer.indices.dropLast(3).first(where: { Array(buffer[$0..<$0 + 4]) == end }) {
                let head = String(decoding: buffer[..<index], as: UTF8.self)
                return (head, Array(buffer[(index + 4)...]))
            }
            guard Date() < deadline, let chunk = readChunk(fd, until: deadline), !chunk.isEmpty else { return nil }
            buffer += chunk
        }
    }

    /// Reads `length` body bytes (some may already be in `buffer`); returns how many arrived.
    private func readBody(_ fd: Int32, _ buffer: inout [UInt8], length: Int, timeout: Double) -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while buffer.count < length {
            guard Date() < deadline, let chunk = readChunk(fd, until: deadline), !chunk.isEmpty else { break }
            buffer += chunk
        }
        let got = min(buffer.count, length)
        buffer.removeFirst(got)
        return got
    }

    private func readChunk(_ fd: Int32, until deadline: Date) -> [UInt8]? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
        guard poll(&descriptor, 1, milliseconds) > 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 65_536)
        let count = recv(fd, &bytes, bytes.count, 0)
        guard count > 0 else { return [] }
        return Array(bytes[..<count])
    }

    struct SocketError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
