import Foundation
import ShiplogCore
import ShiplogCrypto

/// The ledger's view of the event store: loads aggregates from their streams and commits
/// signed decisions atomically, each stream at the version it was read at.
public struct LedgerStore: Sendable {
    public let events: EventStore
    /// The key of whoever issues commands through this store (the CLI user's, the server's):
    /// its own signed snapshots of long streams are trusted and refreshed (`StreamSnapshot`).
    /// Without one, every stream is read whole.
    public let snapshotKey: SigningKey?
    /// The judged trust streams this process keeps between commands (the server's); without
    /// it, every command judges them whole.
    public let trust: TrustCache?

    public init(events: EventStore, snapshotKey: SigningKey? = nil, trust: TrustCache? = nil) {
        self.events = events
        self.snapshotKey = snapshotKey
        self.trust = trust
    }

    /// Reads `streams` in one query, with the rest of every command that wrote to them (its
    /// signature covers all its events), and judges them in log order: only events that count
    /// reach the aggregates; the others are kept aside as `skipped`, with the reason. A long
    /// stream starts from this store's own signed snapshot, when it has one.
    public func load(_ streams: [LedgerStream]) async throws -> LoadedStreams {
        try await events.pool.withConnection { try await Self.load(streams, on: $0, snapshotKey: snapshotKey, trust: trust) }
    }

    /// `load` on a connection the caller holds.
    static func load(
        _ streams: [LedgerStream], on connection: PostgresConnection, snapshotKey: SigningKey? = nil, trust: TrustCache? = nil
    ) async throws -> LoadedStreams {
        let requested = Set(streams + [.ledger, .approvers, .tokens])
        var restored: [LedgerStream: LoadedStreams.Restored] = [:]
        let snapshotted = requested.filter(LedgerWorld.isSnapshotted)
        if let snapshotKey, !snapshotted.isEmpty {
            restored = try await StreamSnapshot.read(snapshotted, signedBy: snapshotKey, on: connection)
        }
        var loaded: LoadedStreams
        let recorded: [RecordedEvent]
        if let trust, let continued = try await trust.continuing(requested, restored: restored, on: connection) {
            (loaded, recorded) = continued
        } else {
            recorded = try await commands(on: requested, after: { restored[$0]?.version ?? 0 }, on: connection)
            loaded = LoadedStreams(judging: recorded, streams: requested, restored: restored)
        }
        let micros = try await connection.query(
            "SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint")[0].decode(Int64.self, at: 0)
        loaded.databaseTime = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        if let snapshotKey, !snapshotted.isEmpty {
            await StreamSnapshot.refresh(loaded, recorded: recorded, restored: restored, signedBy: snapshotKey, on: connection)
        }
        return loaded
    }

    /// The events of `streams` (after the version `after` gives each), with the rest of every
    /// command that wrote to them, in log order: what judging those streams takes.
    public static func commands(
        on streams: Set<LedgerStream>, after: (LedgerStream) -> Int64 = { _ in 0 }, on connection: PostgresConnection
    ) async throws -> [RecordedEvent] {
        let ordered = streams.sorted { $0.name < $1.name }
        let names = ordered.map(\.name), after = ordered.map(after)
        // `shiplog_command_events` (migration 0017): the statement whose plan PostgreSQL keeps.
        return try EventStore.decode(
            await connection.query("SELECT * FROM shiplog_command_events(\(names)::text[], \(after)::bigint[])"))
    }

    /// Appends `decision`, the domain's decision for the signed intent `signed`, atomically.
    /// Every stream the decision was made from must still be at the version in `loaded`, those
    /// it writes and those it only read (a lock, a revocation or a policy that changed
    /// meanwhile makes the append conflict, and the caller decides again).
    @discardableResult
    public func commit(_ decision: Decision, loaded: LoadedStreams, signed: SignedIntent, actor: String) async throws
        -> [AppendResult]
    {
        guard !decision.isEmpty else { return [] }
        let (requests, written) = try Self.commandRequests(for: decision, loaded: loaded, signed: signed, actor: actor)
        do {
            return try await events.appendAtomically(requests).filter { written.contains($0.stream) }
        } catch let error as AppendError where error.code == .wrongExpectedVersion {
            throw LedgerError(
                .raceLost,
                "someone else changed \(error.stream) at the same moment (it is now at version \(error.actualVersion ?? 0)); nothing was written: run the command again")
        }
    }

    /// The requests of one command: its appends, and a version check (a request with no
    /// events) for every loaded stream it does not write. Returns them and the streams written.
    public static func commandRequests(
        for decision: Decision, loaded: LoadedStreams, signed: SignedIntent, actor: String
    ) throws -> (requests: [AppendRequest], written: Set<String>) {
        var requests = try requests(
            for: decision, signed: signed, actor: { $0.recordedActorName ?? actor }, version: loaded.version)
        let written = Set(requests.map(\.stream))
        for stream in loaded.streams.sorted(by: { $0.name < $1.name }) where !written.contains(stream.name) {
            let version = loaded.version(stream)
            requests.append(
                AppendRequest(stream: stream.name, expectedVersion: version == 0 ? .noStream : .exact(version), events: []))
        }
        return (requests, written)
    }

    /// The append requests of one command: every event carries the command's envelope in its
    /// metadata, the last one the signed intent and its signature (`CommandEnvelope`), and each
    /// stream expects the version `version` gives it (0: must not exist).
    ///
    /// Event ids derive from the command id, so the same command appended twice (a retried
    /// request) lands once (the event store's idempotency).
    public static func requests(
        for decision: Decision, signed: SignedIntent, actor: (LedgerEvent) -> String, version: (LedgerStream) -> Int64
    ) throws -> [AppendRequest] {
        let envelope = CommandEnvelope(commandID: signed.intent.id, signer: signed.intent.signer)
        let appends = decision.appends.filter { !$0.events.isEmpty }
        var remaining = appends.reduce(0) { $0 + $1.events.count }
        var index = 0
        return try appends.map { append in
            let events = try append.events.map { event in
                remaining -= 1
                index += 1
                return try NewEvent(
                    id: eventID(command: envelope.commandID, index: index), type: event.type,
                    payload: try event.payloadJSON(), metadata: envelope.metadataJSON(signed: remaining == 0 ? signed : nil),
                    actor: actor(event))
            }
            let current = version(append.stream)
            return AppendRequest(
                stream: append.stream.name, expectedVersion: current == 0 ? .noStream : .exact(current), events: events)
        }
    }

    /// The id of a command's `index`th event (from 1): a UUID (version 8) from SHA-256 of the
    /// command id and the index.
    static func eventID(command: UUID, index: Int) -> UUID {
        var digest = SHA256.hash(Array("\(command.uuidString.lowercased())/\(index)".utf8))
        digest[6] = (digest[6] & 0x0f) | 0x80
        digest[8] = (digest[8] & 0x3f) | 0x80
        return UUID(uuid: (
            digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
            digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]))
    }
}
