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
        let requests = try Self.signedRequests(for: decision, signedWith: key, actor: { _ in actor }, version: loaded.version)
        do {
            return try await events.appendAtomically(requests)
        } catch let error as AppendError where error.code == .wrongExpectedVersion {
            throw LedgerError(
                .conflict,
                "someone else changed \(error.stream) at the same moment (it is now at version \(error.actualVersion ?? 0)); nothing was written: run the command again")
        }
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
