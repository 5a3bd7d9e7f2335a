import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A small HTTP/1.1 server on 127.0.0.1 for tests.
///
/// It listens on a port the kernel picks, serves each connection on its own thread, records every
/// request (method, path, headers, body) and answers from a script: the n-th request gets the
/// n-th reply, and the last reply repeats once the script runs out. Every answer closes the
/// connection.
final class LoopbackServer: @unchecked Sendable {
    // @unchecked: the mutable state below is only touched under `lock`.

    /// A request as the server received it.
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        /// The first header named `name`, compared case-insensitively.
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// How the server answers one request.
    enum Reply: Sendable {
        /// A complete response; `Content-Length` and `Connection: close` are added.
        case respond(status: Int, headers: [(String, String)] = [], body: String = "")
        /// Reads the request, then never answers until the client gives up.
        case silence
    }

    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private let listener: Int32
    private let lock = NSLock()
    private var script: [Reply]
    private var received: [Request] = []
    private var openConnections: Set<Int32> = []
    private var stopped = false

    /// Starts listening and serving `script`.
    init(_ script: [Reply]) throws {
        precondition(!script.isEmpty, "a server needs at least one reply")
        self.script = script
        (listener, port) = try Self.bindLoopback(listen: true)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Every request received so far, in arrival order.
    var requests: [Request] {
        lock.withLock { received }
    }

    /// Stops accepting, and ends connections that are still open.
    func stop() {
        let connections = lock.withLock {
            stopped = true
            return openConnections
        }
        // shutdown, unlike close, wakes a thread blocked in accept or recv on Linux.
        shutdown(listener, Int32(SHUT_RDWR))
        for connection in connections {
            shutdown(connection, Int32(SHUT_RDWR))
        }
    }

    /// A loopback port that refuses connections: bound once to learn a free port, then closed
    /// without ever listening.
    static func refusingPort() throws -> Int {
        let (socket, port) = try bindLoopback(listen: false)
        close(socket)
        return port
    }

    // MARK: - Serving

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                break
            }
            let accepted = lock.withLock {
                guard !stopped else { return false }
                openConnections.insert(connection)
                return true
            }
            guard accepted else {
                close(connection)
                break
            }
            Thread.detachNewThread { [self] in serve(connection) }
        }
        close(listener)
    }

    private func serve(_ connection: Int32) {
        defer {
            lock.withLock { _ = openConnections.remove(connection) }
            close(connection)
        }
        guard let request = readRequest(connection) else { return }
        let reply = lock.withLock {
            received.append(request)
            return script.count > 1 ? script.removeFirst() : script[0]
        }
        switch reply {
        case .silence:
            // Hold the connection open until the client hangs up or the server stops.
            var scratch = [UInt8](repeating: 0, count: 1024)
            while recv(connection, &scratch, scratch.count, 0) > 0 {}
        case .respond(let status, let headers, let body):
            var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
            for (name, value) in headers {
                head += "\(name): \(value)\r\n"
            }
            head += "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
            sendAll(connection, Array(head.utf8) + Array(body.utf8))
        }
    }

    /// Reads one request: the head up to the blank line, then `Content-Length` body bytes.
    private func readRequest(_ connection: Int32) -> Request? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            let count = recv(connection, &chunk, chunk.count, 0)
            guard count > 0 else { return nil }
            buffer += chunk[..<count]
            headEnd = buffer.firstRange(of: separator)?.lowerBound
        }
        guard let headEnd else { return nil }
        let lines = String(decoding: buffer[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count == 3 else { return nil }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append((name: String(line[..<colon]), value: value))
        }
        var request = Request(
            method: String(requestLine[0]),
            path: String(requestLine[1]),
            headers: headers,
            body: Array(buffer[(headEnd + separator.count)...])
        )
        let length = request.header("Content-Length").flatMap { Int($0) } ?? 0
        while request.body.count < length {
            let count = recv(connection, &chunk, chunk.count, 0)
            guard count > 0 else { return nil }
            request.body += chunk[..<count]
        }
        return request
    }

    private func sendAll(_ connection: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }

    // MARK: - Sockets

    private struct SocketError: Error, CustomStringConvertible {
        var call: String
        var code: Int32
        var description: String { "\(call) failed: \(String(cString: strerror(code)))" }
    }

    private static func bindLoopback(listen shouldListen: Bool) throws -> (socket: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(call: "socket", code: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            close(fd)
            throw SocketError(call: "bind", code: errno)
        }
        if shouldListen, listen(fd, 64) != 0 {
            close(fd)
            throw SocketError(call: "listen", code: errno)
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            close(fd)
            throw SocketError(call: "getsockname", code: errno)
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
