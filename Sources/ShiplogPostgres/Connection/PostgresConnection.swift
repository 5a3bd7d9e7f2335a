import CLibPQ
import Dispatch
import Foundation

/// One libpq connection.
///
/// libpq calls block, so every one of them runs on this connection's own serial dispatch
/// queue, never on Swift's cooperative thread pool; callers `await` the result. A connection
/// serves one caller at a time (take one from a `PostgresPool` to share).
public final class PostgresConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private let queue: DispatchQueue
    /// `host:port/dbname`, safe to show.
    public let endpoint: String

    private init(handle: OpaquePointer, endpoint: String) {
        self.handle = handle
        self.endpoint = endpoint
        self.queue = DispatchQueue(label: "shiplog.postgres.\(endpoint)")
    }

    deinit { PQfinish(handle) }

    /// Opens a connection, failing with a message that says what to check.
    public static func connect(_ configuration: PostgresConfiguration) async throws -> PostgresConnection {
        let queue = DispatchQueue(label: "shiplog.postgres.connect")
        let handle: OpaquePointer = try await withCheckedThrowingContinuation { continuation in
            queue.async {
                // Ours first, so the URL's own values win; expand_dbname parses the URL.
                let keywords = ["fallback_application_name", "connect_timeout", "dbname"]
                let values = ["shiplog", "10", configuration.connectionString]
                let connection = withCStrings(keywords) { keywordPointers in
                    withCStrings(values) { valuePointers in
                        PQconnectdbParams(keywordPointers, valuePointers, 1)
                    }
                }
                guard let connection else {
                    continuation.resume(throwing: PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection"))
                    return
                }
                guard PQstatus(connection) == CONNECTION_OK else {
                    let reason = Self.lastError(connection)
                    PQfinish(connection)
                    continuation.resume(
                        throwing: PostgresError(
                            code: .connectionFailed,
                            message: "could not connect to PostgreSQL at \(configuration): \(reason); check that the server is running and DATABASE_URL is right"))
                    return
                }
                // Server NOTICEs ("relation already exists, skipping") are not the user's business.
                PQsetNoticeProcessor(connection, { _, _ in }, nil)
                continuation.resume(returning: connection)
            }
        }
        return PostgresConnection(handle: handle, endpoint: configuration.description)
    }

    /// Whether the connection is still usable.
    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs one statement with its binds and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) async throws -> PostgresRows {
        if let index = query.binds.firstIndex(where: { $0?.utf8.contains(0) == true }) {
            throw PostgresError(
                code: .server, message: "bind $\(index + 1) contains a NUL byte, which PostgreSQL text cannot hold",
                sqlState: "22021", file: file, line: line)
        }
        return try await onQueue { handle in
            let result: OpaquePointer? = withOptionalCStrings(query.binds) { values in
                PQexecParams(handle, query.sql, Int32(query.binds.count), nil, values, nil, nil, 0)
            }
            return PostgresRows(result: try self.check(result, binds: query.binds, file: file, line: line))
        }
    }

    /// Runs SQL text that may hold several statements and no binds (migrations, BEGIN/COMMIT).
    public func execute(unsafeSQL sql: String, file: String = #fileID, line: Int = #line) async throws {
        try await onQueue { handle in
            _ = try self.check(PQexec(handle, sql), file: file, line: line)
        }
    }

    /// Runs `body` inside BEGIN/COMMIT; any error rolls back and is rethrown.
    public func transaction<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await execute(unsafeSQL: "BEGIN")
        let value: T
        do {
            value = try await body(self)
        } catch {
            if isHealthy { try? await execute(unsafeSQL: "ROLLBACK") }
            throw error
        }
        try await execute(unsafeSQL: "COMMIT")
        return value
    }

    // MARK: LISTEN / NOTIFY

    /// Subscribes this connection to `channel`.
    public func listen(_ channel: String) async throws {
        try await execute(unsafeSQL: "LISTEN \(Self.quoteIdentifier(channel))")
    }

    /// Waits up to `timeout` for notifications and returns them (empty on timeout).
    public func notifications(waitingUpTo timeout: Duration) async throws -> [PostgresNotification] {
        try await onQueue { handle in
            var received = try self.drainNotifications(handle)
            if !received.isEmpty { return received }
            let socket = PQsocket(handle)
            guard socket >= 0 else {
                throw PostgresError(code: .connectionClosed, message: "the database connection to \(self.endpoint) is closed")
            }
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { received = try self.drainNotifications(handle) }
            return received
        }
    }

    private func drainNotifications(_ handle: OpaquePointer) throws -> [PostgresNotification] {
        guard PQconsumeInput(handle) == 1 else {
            throw PostgresError(code: .connectionClosed, message: "lost the database connection to \(endpoint): \(Self.lastError(handle))")
        }
        var received: [PostgresNotification] = []
        while let notify = PQnotifies(handle) {
            received.append(
                PostgresNotification(
                    channel: String(cString: notify.pointee.relname),
                    payload: String(cString: notify.pointee.extra),
                    processID: notify.pointee.be_pid))
            PQfreemem(notify)
        }
        return received
    }

    // MARK: Plumbing

    private func onQueue<T>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body(self.handle) })
            }
        }
    }

    /// Turns a PGresult into rows or into an error carrying SQLSTATE; frees failed results.
    private func check(_ result: OpaquePointer?, binds: [String?] = [], file: String, line: Int) throws -> PostgresResult {
        guard let result else {
            throw PostgresError(
                code: PQstatus(handle) == CONNECTION_OK ? .server : .connectionClosed,
                message: "lost the database connection to \(endpoint): \(Self.lastError(handle)); check that PostgreSQL is running",
                file: file, line: line)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN, PGRES_COPY_OUT:
            return PostgresResult(result)
        default:
            defer { PQclear(result) }
            // Server messages quote offending input ("invalid input syntax ...: "xoxb-..."):
            // bound values never leave in an error.
            func field(_ code: Int32) -> String? {
                PQresultErrorField(result, code).map { Self.redact(String(cString: $0), binds: binds) }
            }
            let sqlState = field(Int32(UInt8(ascii: "C")))
            let connectionLost = PQstatus(handle) != CONNECTION_OK
            let message = field(Int32(UInt8(ascii: "M"))) ?? Self.lastError(handle)
            throw PostgresError(
                code: connectionLost ? .connectionClosed : .server,
                message: connectionLost
                    ? "lost the database connection to \(endpoint): \(message); check that PostgreSQL is running" : message,
                sqlState: sqlState,
                detail: field(Int32(UInt8(ascii: "D"))),
                hint: field(Int32(UInt8(ascii: "H"))),
                file: file, line: line)
        }
    }

    /// Replaces each bound value found in `message` by its placeholder. Values shorter than
    /// four characters only where quoted, so "t" or "1" do not mangle ordinary words.
    static func redact(_ message: String, binds: [String?]) -> String {
        var message = message
        for (index, bind) in binds.enumerated().sorted(by: { ($0.element?.count ?? 0) > ($1.element?.count ?? 0) }) {
            guard let bind, !bind.isEmpty else { continue }
            let target = bind.count >= 4 ? bind : "\"\(bind)\""
            message = message.replacingOccurrences(of: target, with: bind.count >= 4 ? "$\(index + 1)" : "\"$\(index + 1)\"")
        }
        return message
    }

    private static func lastError(_ handle: OpaquePointer) -> String {
        String(cString: PQerrorMessage(handle))
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }

    /// Double-quotes an identifier for the few statements that take no binds (LISTEN).
    static func quoteIdentifier(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A NOTIFY received on a LISTENing connection.
public struct PostgresNotification: Sendable, Hashable {
    public var channel: String
    public var payload: String
    public var processID: Int32
}

private func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    withOptionalCStrings(strings.map { Optional($0) }) { pointers in
        body(pointers + [nil])
    }
}

/// Passes C copies of `strings` (nil stays NULL) to `body`, freeing them afterwards.
private func withOptionalCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { $0.map { strdup($0)! } }
    defer { copies.forEach { free($0) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}
