import Foundation
import ShiplogCore

/// The hash-chained log in PostgreSQL (schema: migrations/0001_event_store.sql).
///
/// Appends go through the `shiplog_append` database function, which serializes on the head
/// row, checks expected versions and idempotency, and chains the hashes; reads follow
/// positions, which commit in order, so a reader that follows positions never skips an event.
public struct EventStore: Sendable {
    public let pool: PostgresPool
    /// Set when single-stream appends share transactions with concurrent ones (group commit).
    public let batcher: AppendBatcher?

    /// - Parameter groupCommit: coalesce concurrent `append` calls into one transaction, as a
    ///   server handling many requests should; a CLI process appending once need not.
    public init(pool: PostgresPool, groupCommit: Bool = false) {
        self.pool = pool
        self.batcher = groupCommit ? AppendBatcher(pool: pool) : nil
    }

    /// A group-commit store whose batcher is set up by the caller (`bench append`, tests).
    public init(batcher: AppendBatcher) {
        self.pool = batcher.pool
        self.batcher = batcher
    }

    // MARK: Appending

    /// Appends `events` to `stream`, atomically.
    ///
    /// Retrying with the same event ids returns the original positions (`wasDuplicate`).
    /// Throws `AppendError` with `.wrongExpectedVersion` when the stream moved on.
    @discardableResult
    public func append(_ events: [NewEvent], to stream: String, expectedVersion: ExpectedVersion = .any) async throws -> AppendResult {
        let request = AppendRequest(stream: stream, expectedVersion: expectedVersion, events: events)
        if let batcher { return try await batcher.append(request) }
        return try await appendAtomically([request])[0]
    }

    /// Appends to several streams in one transaction: all land, or none does. With group
    /// commit, the command shares its transaction with concurrent ones, keeping its own outcome.
    public func appendAtomically(_ requests: [AppendRequest]) async throws -> [AppendResult] {
        if let batcher { return try await batcher.appendAtomically(requests) }
        return try await pool.withConnection { try await Self.appendAtomically(requests, on: $0) }
    }

    /// `appendAtomically` on a connection the caller holds, inside the caller's transaction if
    /// it has one (`PostgresPool.withTransaction`): the events commit with whatever else the
    /// caller writes there, or not at all.
    public static func appendAtomically(_ requests: [AppendRequest], on connection: PostgresConnection) async throws
        -> [AppendResult]
    {
        try await append(requests, atomic: true, on: connection).enumerated().map { index, outcome in
            try result(of: outcome, for: requests[index])
        }
    }

    /// Runs one `shiplog_append` call on `connection` (inside the caller's transaction, if any).
    ///
    /// With `atomic`, a refused request raises and rolls the call back; without, every request
    /// gets its own outcome, so unrelated appends can share one transaction.
    ///
    /// An atomic request with no events appends nothing and only checks that its stream is
    /// at the expected version: how a decision guards the streams it read but does not write.
    static func append(_ requests: [AppendRequest], atomic: Bool, on connection: PostgresConnection) async throws -> [AppendOutcome] {
        try validate(requests, allowingVersionChecks: atomic)
        let a = AppendArrays(requests)
        let rows: PostgresRows
        do {
            rows = try await connection.query(
                """
                SELECT request, status, first_position, last_position, stream_version
                  FROM shiplog_append(\(a.streams)::text[], \(a.expected)::bigint[], \(a.counts)::int[], \(a.ids)::uuid[],
                                      \(a.types)::text[], \(a.payloads)::text[], \(a.metadata)::text[], \(a.actors)::text[], \(atomic))
                """)
        } catch let error as PostgresError where error.sqlState == "SL001" || error.sqlState == "SL002" {
            // Atomic mode: the function names the refused stream; find it to say what happened.
            let stream = requests.first { error.message.contains("append to \($0.stream) refused") } ?? requests[0]
            if error.sqlState == "SL001" {
                throw AppendError.wrongExpectedVersion(
                    stream: stream.stream, expected: stream.expectedVersion, actual: Int64(error.detail ?? "") ?? -1)
            }
            throw AppendError.idReused(stream: stream.stream)
        }
        return try rows.map { row in
            let (request, status, first, last, version) = try row.decode((Int32, String, Int64?, Int64?, Int64?).self)
            let stream = requests[Int(request) - 1].stream
            switch status {
            case "appended", "duplicate":
                return .appended(
                    AppendResult(
                        stream: stream, firstPosition: first ?? 0, lastPosition: last ?? 0,
                        streamVersion: version ?? 0, wasDuplicate: status == "duplicate"))
            case "conflict":
                return .conflict(actualVersion: version ?? 0)
            default:
                return .idReused
            }
        }
    }

    /// Appends several units (each a command's requests, all or nothing) in one call of
    /// `shiplog_append_commands`; each unit gets its own outcome.
    static func appendCommands(_ units: [[AppendRequest]], on connection: PostgresConnection) async throws
        -> [Result<[AppendResult], any Error>]
    {
        let sizes = units.map { Int32($0.count) }
        let a = AppendArrays(units.flatMap { $0 })
        let rows = try await connection.query(
            """
            SELECT command, request, status, first_position, last_position, stream_version, refused_stream
              FROM shiplog_append_commands(\(sizes)::int[], \(a.streams)::text[], \(a.expected)::bigint[], \(a.counts)::int[],
                                           \(a.ids)::uuid[], \(a.types)::text[], \(a.payloads)::text[], \(a.metadata)::text[],
                                           \(a.actors)::text[])
            """)
        var results: [[AppendResult]] = Array(repeating: [], count: units.count)
        var refusals: [Int: any Error] = [:]
        for row in rows {
            let (command, request, status, first, last, version, refused) = try row.decode(
                (Int32, Int32?, String, Int64?, Int64?, Int64?, String?).self)
            let unit = units[Int(command) - 1]
            switch status {
            case "appended", "duplicate":
                guard let request else { continue }
                results[Int(command) - 1].append(
                    AppendResult(
                        stream: unit[Int(request) - 1].stream, firstPosition: first ?? 0, lastPosition: last ?? 0,
                        streamVersion: version ?? 0, wasDuplicate: status == "duplicate"))
            case "conflict":
                let stream = unit.first { $0.stream == refused } ?? unit[0]
                refusals[Int(command) - 1] = AppendError.wrongExpectedVersion(
                    stream: stream.stream, expected: stream.expectedVersion, actual: version ?? -1)
            default:
                refusals[Int(command) - 1] = AppendError.idReused(stream: refused ?? unit[0].stream)
            }
        }
        return results.enumerated().map { index, appended in
            if let refusal = refusals[index] { return .failure(refusal) }
            return .success(appended)
        }
    }

    static func result(of outcome: AppendOutcome, for request: AppendRequest) throws -> AppendResult {
        switch outcome {
        case .appended(let result): return result
        case .conflict(let actual):
            throw AppendError.wrongExpectedVersion(stream: request.stream, expected: request.expectedVersion, actual: actual)
        case .idReused: throw AppendError.idReused(stream: request.stream)
        }
    }

    static func validate(_ requests: [AppendRequest], allowingVersionChecks: Bool = false) throws {
        var seen = Set<UUID>()
        for request in requests {
            guard !request.stream.isEmpty, !request.stream.contains(where: \.isNewline) else {
                throw AppendError.invalid(stream: request.stream, "a stream name must be a non-empty single line")
            }
            guard !request.events.isEmpty || (allowingVersionChecks && request.expectedVersion != .any) else {
                throw AppendError.invalid(stream: request.stream, "an append to \(request.stream) needs at least one event")
            }
            for event in request.events where !seen.insert(event.id).inserted {
                throw AppendError.invalid(
                    stream: request.stream, "event id \(event.id.uuidString.lowercased()) appears twice in one append")
            }
        }
    }

    // MARK: Reading

    static let columns = """
        position, id, stream, stream_version, type, payload::text, metadata::text,
        (extract(epoch FROM recorded_at) * 1000000)::bigint, actor, prev_hash, hash
        """

    /// Events of `stream` from `version` on, in order. Throws when the stream does not exist.
    public func read(stream: String, fromVersion version: Int64 = 1, limit: Int = 1000) async throws -> [RecordedEvent] {
        try await pool.withConnection { connection in
            let events = try await Self.decode(
                connection.query(
                    """
                    SELECT \(unsafeRaw: Self.columns) FROM events
                     WHERE stream = \(stream) AND stream_version >= \(version)
                     ORDER BY stream_version LIMIT \(limit)
                    """))
            if events.isEmpty, try await Self.streamVersion(stream, on: connection) == 0 {
                throw EventStoreError.streamNotFound(stream)
            }
            return events
        }
    }

    /// Events from global `position` on, in order, optionally only of some types.
    public func read(fromPosition position: Int64 = 1, limit: Int = 1000, types: [String]? = nil) async throws -> [RecordedEvent] {
        try await pool.withConnection { connection in
            try await Self.read(fromPosition: position, limit: limit, types: types, on: connection)
        }
    }

    public static func read(fromPosition position: Int64, limit: Int, types: [String]? = nil, on connection: PostgresConnection) async throws -> [RecordedEvent] {
        if let types {
            return try decode(
                await connection.query(
                    """
                    SELECT \(unsafeRaw: columns) FROM events
                     WHERE position >= \(position) AND type = ANY(\(types)::text[])
                     ORDER BY position LIMIT \(limit)
                    """))
        }
        return try decode(
            await connection.query(
                "SELECT \(unsafeRaw: columns) FROM events WHERE position >= \(position) ORDER BY position LIMIT \(limit)"))
    }

    /// The last position and its hash (position 0 and the genesis hash for an empty log).
    public func head() async throws -> LogHead {
        try await pool.withConnection { try await Self.head(on: $0) }
    }

    public static func head(on connection: PostgresConnection) async throws -> LogHead {
        let row = try await connection.query("SELECT position, hash FROM shiplog_head")[0]
        let (position, hash) = try row.decode((Int64, PostgresBytes).self)
        return LogHead(position: position, hash: hash.bytes)
    }

    /// The stream's version: its number of events, 0 when it does not exist.
    public func streamVersion(_ stream: String) async throws -> Int64 {
        try await pool.withConnection { try await Self.streamVersion(stream, on: $0) }
    }

    static func streamVersion(_ stream: String, on connection: PostgresConnection) async throws -> Int64 {
        try await connection.query("SELECT coalesce(max(stream_version), 0) FROM events WHERE stream = \(stream)")[0]
            .decode(Int64.self, at: 0)
    }

    static func decode(_ rows: PostgresRows) throws -> [RecordedEvent] {
        try rows.map { row in
            let (position, id, stream, version, type, payload, metadata, micros, actor, previous, hash) = try row.decode(
                (Int64, UUID, String, Int64, String, String, String, Int64, String, PostgresBytes, PostgresBytes).self)
            return RecordedEvent(
                position: position, id: id, stream: stream, streamVersion: version, type: type, payload: payload,
                metadata: metadata, recordedAtMicroseconds: micros, actor: actor, previousHash: previous.bytes,
                hash: hash.bytes)
        }
    }
}

/// The end of the log.
public struct LogHead: Sendable, Hashable {
    public var position: Int64
    public var hash: [UInt8]
}

/// A read that cannot be answered.
public struct EventStoreError: Error, CustomStringConvertible, Sendable {
    public var description: String

    static func streamNotFound(_ stream: String) -> EventStoreError {
        EventStoreError(description: "stream \(stream) not found: no event has been appended to it; list streams with: shiplog events read")
    }
}

/// Requests as the parallel arrays the append functions take: one entry per request (stream,
/// expected version, event count), one per event for the rest.
private struct AppendArrays {
    var streams: [String] = [], expected: [Int64?] = [], counts: [Int32] = []
    var ids: [UUID] = [], types: [String] = [], payloads: [String] = [], metadata: [String] = [], actors: [String] = []

    init(_ requests: [AppendRequest]) {
        for request in requests {
            streams.append(request.stream)
            expected.append(request.expectedVersion.required)
            counts.append(Int32(request.events.count))
            for event in request.events {
                ids.append(event.id)
                types.append(event.type)
                payloads.append(event.payload)
                metadata.append(event.metadata)
                actors.append(event.actor)
            }
        }
    }
}
