import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogPostgres

/// The ledger kept in memory: the same log as PostgreSQL keeps (gapless positions, stream
/// versions, the hash chain, command envelopes and signatures), so the application layer and
/// its judge are tested without a database. One process only; nothing is kept.
public actor InMemoryLedgerStorage: LedgerStorage {
    /// Every event, in position order.
    public private(set) var log: [RecordedEvent] = []
    private var versions: [String: Int64] = [:]

    public init() {}

    public func load(_ streams: [LedgerStream]) async throws -> LoadedStreams {
        let requested = Set(streams + [.ledger, .approvers, .tokens])
        let names = Set(requested.map(\.name))
        // The streams' events, and the rest of every command that wrote to them.
        let commands = Set(
            log.filter { names.contains($0.stream) }.compactMap { CommandEnvelope.parse(metadataJSON: $0.metadata)?.envelope.commandID })
        let recorded = log.filter { event in
            names.contains(event.stream)
                || CommandEnvelope.parse(metadataJSON: event.metadata).map { commands.contains($0.envelope.commandID) } == true
        }
        var loaded = LoadedStreams(judging: recorded, streams: requested)
        loaded.databaseTime = Date()
        return loaded
    }

    @discardableResult
    public func commit(_ decision: Decision, loaded: LoadedStreams, signed: SignedIntent, actor: String) async throws
        -> [AppendResult]
    {
        guard !decision.isEmpty else { return [] }
        let (requests, written) = try LedgerStore.commandRequests(for: decision, loaded: loaded, signed: signed, actor: actor)
        // All or nothing: every stream at its expected version first.
        for request in requests {
            let current = versions[request.stream, default: 0]
            let expected: Int64? =
                switch request.expectedVersion {
                case .any: nil
                case .noStream: 0
                case .exact(let version): version
                }
            if let expected, expected != current {
                throw LedgerError(
                    .raceLost,
                    "someone else changed \(request.stream) at the same moment (it is now at version \(current)); nothing was written: run the command again")
            }
        }
        let now = Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
        var results: [AppendResult] = []
        for request in requests where !request.events.isEmpty {
            let first = Int64(log.count) + 1
            for event in request.events {
                let version = versions[request.stream, default: 0] + 1
                versions[request.stream] = version
                var recorded = RecordedEvent(
                    position: Int64(log.count) + 1, id: event.id, stream: request.stream, streamVersion: version,
                    type: event.type, payload: event.payload, metadata: event.metadata, recordedAtMicroseconds: now,
                    actor: event.actor, previousHash: log.last?.hash ?? EventHashEncoding.genesisHash, hash: [])
                var input: [UInt8] = []
                EventHashEncoding.appendHashInput(previousHash: recorded.previousHash, of: recorded, to: &input)
                recorded.hash = SHA256.hash(input)
                log.append(recorded)
            }
            if written.contains(request.stream) {
                results.append(
                    AppendResult(
                        stream: request.stream, firstPosition: first, lastPosition: Int64(log.count),
                        streamVersion: versions[request.stream, default: 0], wasDuplicate: false))
            }
        }
        return results
    }
}
