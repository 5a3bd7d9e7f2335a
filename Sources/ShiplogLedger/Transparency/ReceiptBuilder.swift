import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogPostgres

/// Makes a deploy's receipt from the ledger: the deploy's stream and the streams the gate's rule
/// rests on (trust root, approvers, tokens, the environment's policy, the build), each with
/// the rest of every command that wrote to them, cut after the deploy's last command, each
/// event proven in the newest checkpoint that covers them.
public enum ReceiptBuilder {
    public static func receipt(for id: DeployID, checkpoint given: String? = nil, on connection: PostgresConnection) async throws
        -> Receipt
    {
        let own = try await LedgerStore.commands(on: [.deploy(id)], on: connection).filter { $0.stream == LedgerStream.deploy(id).name }
        guard !own.isEmpty else {
            throw LedgerError(.notFound, "deploy \(id) not found: list deploys with shiplog history")
        }
        // What the gate's rule rests on: the trust root, the approvers, the tokens, the
        // environment's policy and the build. Not the service's whole history in the environment
        // (locks, the deploy in flight) nor its migrations: those would make a receipt as long as
        // that history, and the receipt does not claim them.
        var streams: Set<LedgerStream> = [.deploy(id), .ledger, .approvers, .tokens]
        for event in own {
            guard let decoded = try? LedgerEvent.decode(type: event.type, payloadJSON: event.payload) else { continue }
            for stream in LedgerJudge.contextStreams(of: decoded) {
                switch stream {
                case .policy, .build: streams.insert(stream)
                default: break
                }
            }
        }
        var recorded = try await LedgerStore.commands(on: streams, on: connection)
        // Up to the deploy's last command, whole: later events cannot change how it was judged.
        let commandOf = { (event: RecordedEvent) in CommandMetadata.commandID(event.metadata) }
        let deployCommands = Set(recorded.filter { $0.stream == LedgerStream.deploy(id).name }.compactMap(commandOf))
        let last = recorded.filter { commandOf($0).map(deployCommands.contains) ?? false }.map(\.position).max() ?? own.last!.position
        // The trust root stays whole: the checkpoint key it enrolled is what the checkpoint's
        // signature is checked against.
        let before = Set(recorded.filter { $0.position <= last }.compactMap(commandOf))
        recorded.removeAll {
            $0.position > last && $0.stream != LedgerStream.ledger.name && !(commandOf($0).map(before.contains) ?? false)
        }

        let needed = recorded.map(\.position).max() ?? last
        let (note, checkpoint) = try await Self.checkpoint(given, covering: needed, on: connection)
        var nodes = Set<MerkleTree.Node>()
        for event in recorded { nodes.formUnion(MerkleTree.inclusionNodes(index: event.position - 1, size: checkpoint.size)) }
        let hashes = try await LogTree.hashes(Array(nodes), on: connection)
        let entries = try recorded.map { event in
            Receipt.Entry(
                event, proof: try MerkleTree.inclusionProof(index: event.position - 1, size: checkpoint.size, reading: hashes))
        }
        return Receipt(
            deploy: id.rawValue, checkpoint: note, streams: streams.map(\.name).sorted(), entries: entries)
    }

    /// The checkpoint to prove against: the one given, or the newest recorded; it must cover
    /// position `needed`.
    static func checkpoint(_ given: String?, covering needed: Int64, on connection: PostgresConnection) async throws
        -> (String, Checkpoint)
    {
        let text: String
        if let given {
            text = given
        } else {
            let rows = try await connection.query("SELECT note FROM shiplog_checkpoints ORDER BY tree_size DESC LIMIT 1")
            guard !rows.isEmpty else {
                throw LedgerError(
                    .conflict, "the ledger has no checkpoint yet: make one with shiplog checkpoint --checkpoint-key KEY, then ask again")
            }
            text = try rows[0].decode(String.self, at: 0)
        }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(text: SignedNote(parsing: text).text) } catch {
            throw LedgerError(.invalidValue, "the checkpoint is not a signed checkpoint: \(error)")
        }
        guard checkpoint.size >= needed else {
            throw LedgerError(
                .conflict,
                "the newest checkpoint covers \(checkpoint.size) events but the deploy's record reaches position \(needed): make a new one with shiplog checkpoint (shiplog serve makes one within a minute), then ask again"
            )
        }
        guard checkpoint.size <= (try await LogTree.size(on: connection)) else {
            throw LedgerError(.conflict, "the checkpoint is of a larger tree than this ledger holds: it is not this ledger's")
        }
        return (text, checkpoint)
    }
}
