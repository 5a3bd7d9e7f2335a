import Foundation
import ShiplogCore
import ShiplogCrypto

/// The ledger's view of the event store: loads aggregates from their streams and commits
/// signed decisions atomically, each stream at the version it was read at.
public struct LedgerStore: Sendable {
    public let events: EventStore

    public init(events: EventStore) {
        self.events = events
    }

    /// Reads `streams` in one query, with the rest of every command that wrote to them (its
    /// signature covers all its events), and judges them in log order: only events that count
    /// reach the aggregates; the others are kept aside as `skipped`, with the reason.
    public func load(_ streams: [LedgerStream]) async throws -> LoadedStreams {
        try await events.pool.withConnection { try await Self.load(streams, on: $0) }
    }

    /// `load` on a connection the caller holds.
    static func load(_ streams: [LedgerStream], on connection: PostgresConnection) async throws -> LoadedStreams {
        let requested = Set(streams + [.ledger, .approvers])
        let names = requested.map(\.name)
        let recorded = try EventStore.decode(
            await connection.query(
                """
                WITH own AS (
                    SELECT position, metadata ->> 'command' AS command FROM events WHERE stream = ANY(\(names)::text[])
                )
                SELECT \(unsafeRaw: EventStore.columns) FROM events WHERE position IN (SELECT position FROM own)
                UNION ALL
                -- The rest of each command, by its id: one probe of events_command per command
                -- (OFFSET 0 keeps the probe a probe, whatever the statistics say).
                SELECT \(unsafeRaw: EventStore.columns)
                  FROM (SELECT DISTINCT command FROM own WHERE command IS NOT NULL) c
                  JOIN LATERAL (SELECT * FROM events e
                                 WHERE e.metadata ->> 'command' = c.command AND NOT e.stream = ANY(\(names)::text[])
                                OFFSET 0) e ON true
                ORDER BY 1
                """))
        let micros = try await connection.query(
            "SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint")[0].decode(Int64.self, at: 0)
        var loaded = LoadedStreams(judging: recorded, streams: requested)
        loaded.databaseTime = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        return loaded
    }

    /// Signs `decision` as one command with `key` and appends it atomically. Every stream the
    /// decision was made from must still be at the version in `loaded`, those it writes and
    /// those it only read (a lock, a revocation or a policy that changed meanwhile makes the
    /// append conflict, and the caller decides again).
    @discardableResult
    public func commit(_ decision: Decision, loaded: LoadedStreams, signedWith key: SigningKey, actor: String) async throws -> [AppendResult] {
        guard !decision.isEmpty else { return [] }
        let (requests, written) = try Self.commandRequests(for: decision, loaded: loaded, signedWith: key, actor: actor)
        do {
            return try await events.appendAtomically(requests).filter { written.contains($0.stream) }
        } catch let error as AppendError where error.code == .wrongExpectedVersion {
            throw LedgerError(
                .raceLost,
                "someone else changed \(error.stream) at the same moment (it is now at version \(error.actualVersion ?? 0)); nothing was written: run the command again")
        }
    }

    /// The requests of one command: its signed appends, and a version check (a request with no
    /// events) for every loaded stream it does not write. Returns them and the streams written.
    public static func commandRequests(
        for decision: Decision, loaded: LoadedStreams, signedWith key: SigningKey, actor: String
    ) throws -> (requests: [AppendRequest], written: Set<String>) {
        var requests = try signedRequests(
            for: decision, signedWith: key, actor: { $0.recordedActorName ?? actor }, version: loaded.version)
        let written = Set(requests.map(\.stream))
        for stream in loaded.streams.sorted(by: { $0.name < $1.name }) where !written.contains(stream.name) {
            let version = loaded.version(stream)
            requests.append(
                AppendRequest(stream: stream.name, expectedVersion: version == 0 ? .noStream : .exact(version), events: []))
        }
        return (requests, written)
    }

    /// The append requests of one signed command: every event carries the command's envelope
    /// in its metadata, the last one the signature over all of them (`CommandEnvelope`), and
    /// each stream expects the version `version` gives it (0: must not exist).
    public static func signedRequests(
        for decision: Decision, signedWith key: SigningKey, actor: (LedgerEvent) -> String,
        version: (LedgerStream) -> Int64
    ) throws -> [AppendRequest] {
        let envelope = CommandEnvelope(commandID: UUID(), signer: try SignerKeyID(key.keyID.description))
        let appends = decision.appends.filter { !$0.events.isEmpty }
        let payloads = try appends.map { try $0.events.map { try $0.payloadJSON() } }
        var signed: [(stream: String, type: String, payload: String)] = []
        for (append, texts) in zip(appends, payloads) {
            for (event, payload) in zip(append.events, texts) { signed.append((append.stream.name, event.type, payload)) }
        }
        let signature = SignatureBytes(key.signature(for: envelope.signedBytes(signed)))
        var remaining = signed.count
        return try zip(appends, payloads).map { append, texts in
            let events = try zip(append.events, texts).map { event, payload in
                remaining -= 1
                return try NewEvent(
                    type: event.type, payload: payload,
                    metadata: envelope.metadataJSON(signature: remaining == 0 ? signature : nil), actor: actor(event))
            }
            let current = version(append.stream)
            return AppendRequest(
                stream: append.stream.name, expectedVersion: current == 0 ? .noStream : .exact(current), events: events)
        }
    }
}
