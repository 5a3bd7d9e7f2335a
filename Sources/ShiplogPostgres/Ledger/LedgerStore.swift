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

    /// Reads `streams` in one query.
    public func load(_ streams: [LedgerStream]) async throws -> LoadedStreams {
        let names = Array(Set(streams.map(\.name)))
        let byName = Dictionary(uniqueKeysWithValues: streams.map { ($0.name, $0) })
        let recorded = try await events.pool.withConnection { connection in
            try EventStore.decode(
                await connection.query(
                    "SELECT \(unsafeRaw: EventStore.columns) FROM events WHERE stream = ANY(\(names)::text[]) ORDER BY position"))
        }
        var loaded = LoadedStreams()
        for event in recorded {
            guard let stream = byName[event.stream] else { continue }
            loaded.events[stream, default: []].append(try Self.decode(event))
            loaded.versions[stream] = event.streamVersion
        }
        return loaded
    }

    /// Decodes a stored event of the ledger's catalogue.
    public static func decode(_ event: RecordedEvent) throws -> LedgerEvent {
        do {
            return try LedgerEvent.decode(type: event.type, payloadJSON: event.payload)
        } catch {
            throw LedgerError(
                .malformedEvent,
                "the event at position \(event.position) (\(event.type) on \(event.stream)) cannot be read: \(error); run shiplog verify")
        }
    }

    /// Signs `decision` as one command with `key` and appends it atomically; every stream the
    /// decision touches must still be at the version in `loaded` (or not exist, if never read).
    @discardableResult
    public func commit(_ decision: Decision, loaded: LoadedStreams, signedWith key: SigningKey, actor: String) async throws -> [AppendResult] {
        guard !decision.isEmpty else { return [] }
        let envelope = CommandEnvelope(commandID: UUID(), signer: try SignerKeyID(key.keyID.description))
        let flat = try decision.appends.flatMap { append in
            try append.events.map { (stream: append.stream.name, type: $0.type, payload: try $0.payloadJSON()) }
        }
        let signature = SignatureBytes(key.signature(for: envelope.signedBytes(flat)))
        var requests: [AppendRequest] = []
        var index = 0
        for append in decision.appends where !append.events.isEmpty {
            var newEvents: [NewEvent] = []
            for _ in append.events {
                let event = flat[index]
                index += 1
                newEvents.append(
                    try NewEvent(
                        type: event.type, payload: event.payload,
                        metadata: envelope.metadataJSON(signature: index == flat.count ? signature : nil), actor: actor))
            }
            let version = loaded.version(append.stream)
            requests.append(
                AppendRequest(
                    stream: append.stream.name, expectedVersion: version == 0 ? .noStream : .exact(version),
                    events: newEvents))
        }
        do {
            return try await events.appendAtomically(requests)
        } catch let error as AppendError where error.code == .wrongExpectedVersion {
            throw LedgerError(
                .conflict,
                "someone else changed \(error.stream) at the same moment (it is now at version \(error.actualVersion ?? 0)); nothing was written: run the command again")
        }
    }
}
