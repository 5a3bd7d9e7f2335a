import Foundation
import ShiplogCore
import ShiplogCrypto

/// Recomputes the hash chain from the stored rows, with its own implementation of the
/// canonical encoding (`EventHashEncoding`), independent of the database function that wrote
/// it, and names the first position where the log and its hashes disagree.
public struct ChainVerifier: Sendable {
    public let pool: PostgresPool
    public var batchSize: Int

    /// - Parameter pool: says where to connect; the verifier opens two connections of its own
    ///   that share one snapshot, so the next batch loads while this one is checked.
    public init(pool: PostgresPool, batchSize: Int = 10_000) {
        self.pool = pool
        self.batchSize = batchSize
    }

    /// Walks the whole log: the hash chain, and unless `chainOnly`, whether every command of
    /// the ledger counts (`LedgerJudge`: its signature, its signer's authority at that point,
    /// and that the domain would have decided exactly its events, which re-derives every
    /// start's gate). Signatures and hashes are checked on every core; the judge walks in order.
    ///
    /// It also rebuilds the log's Merkle tree from the rows and checks the stored tree commits
    /// to the same root. With `since`, a checkpoint an auditor kept, it checks that the log
    /// extends it: the rows rebuild its root at its size, and the stored tree's consistency
    /// proof from it to the head verifies. A database owner can re-hash the chain after
    /// rewriting an event; only a root held outside the database catches that.
    public func verify(chainOnly: Bool = false, since checkpoint: Checkpoint? = nil) async throws -> ChainVerification {
        // Two connections reading one snapshot: appends committed while we walk are not seen,
        // so a live ledger is judged as it stood, head row included.
        let configuration = pool.configuration
        let primary = try await PostgresConnection.connect(configuration)
        let secondary = try await PostgresConnection.connect(configuration)
        try await primary.execute(unsafeSQL: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        let snapshot = try await primary.query("SELECT pg_export_snapshot()")[0].decode(String.self, at: 0)
        guard snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw PostgresError(code: .server, message: "unexpected snapshot id from the server")
        }
        try await secondary.execute(
            unsafeSQL: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '\(snapshot)'")
        // Read-only transactions: closing the connections when we return ends them.

        var chain = ChainState()
        // The frontier gives the roots `--since` compares; without a checkpoint, `leaves` is all
        // the tree check needs, so the walk hashes nothing more.
        var tree = MerkleFrontier()
        var leaves: [UInt8] = []
        var checkpointRoot: [UInt8]? = checkpoint?.size == 0 ? tree.root : nil
        var walk = TrustWalk()
        var commands = 0, signatures = 0
        var failure: ChainFailure?
        let batchSize = self.batchSize
        let connection = secondary
        try await walk.pipeline(
            batchSize: batchSize, hashing: true, judging: !chainOnly,
            fetch: { try await EventStore.read(fromPosition: $0, limit: batchSize, on: connection) },
            examine: { events in
                for event in events {
                    if let broken = chain.consume(event) { return broken }
                    let leaf = LogTree.leafHash(of: event)
                    leaves += leaf
                    if let checkpoint {
                        tree.append(leafHash: leaf)
                        if tree.size == checkpoint.size { checkpointRoot = tree.root }
                    }
                }
                return nil
            },
            visit: { batch in
                commands += batch.judged.count
                signatures += batch.signatures
                failure = batch.failure
                if let skipped = batch.judged.first(where: { !$0.judgment.isCounted }) {
                    failure = ChainFailure.earliest(
                        failure, ChainFailure(position: skipped.position, reason: "not counted: \(skipped.judgment.reason ?? "")"))
                }
                return failure == nil
            })
        if let failure { return try await verdict(chain, failure, on: primary) }
        let head = try await EventStore.head(on: primary)
        if let broken = chain.finish(head: head) { return chain.verdict(broken) }
        if let broken = try await treeFailure(leaves: leaves, on: primary) { return chain.verdict(broken) }
        var verification = chain.verdict(nil)
        if let checkpoint {
            verification.since = try await extends(checkpoint, rebuiltRoot: checkpointRoot, head: tree, on: primary)
            if !verification.since!.ok {
                verification.ok = false
                verification.reason = verification.since!.reason
            }
        }
        if !chainOnly {
            verification.commands = Int64(commands)
            verification.signatures = Int64(signatures)
        }
        return verification
    }

    /// Whether the stored Merkle tree is the one the rows make: every stored node, level by
    /// level, against the hashes rebuilt from the events' leaves (`leaves`, 32 bytes each, in
    /// position order). Names the first position a wrong node covers.
    private func treeFailure(leaves: [UInt8], on connection: PostgresConnection) async throws -> ChainFailure? {
        // Below `LogTree.storedLevel` the tree is hashed from the events themselves: the stored
        // nodes start there.
        var level = leaves
        var depth: Int64 = 0
        while level.count >= MerkleTree.hashSize {
            if depth < LogTree.storedLevel {
                level = Self.parents(level)
                depth += 1
                continue
            }
            let width = Int64(level.count / MerkleTree.hashSize)
            var index: Int64 = 0
            while index < width {
                let rows = try await connection.query(
                    """
                    SELECT idx, hash FROM shiplog_merkle WHERE level = \(depth) AND idx >= \(index)
                     ORDER BY idx LIMIT \(batchSize)
                    """)
                let stored = try rows.decode((Int64, PostgresBytes).self)
                for (storedIndex, hash) in stored where storedIndex < width {
                    let at = Int(storedIndex) * MerkleTree.hashSize
                    if storedIndex != index || !hash.bytes.elementsEqual(level[at..<(at + MerkleTree.hashSize)]) {
                        let first = min(storedIndex, index) << depth
                        return ChainFailure(
                            position: first + 1,
                            reason: "the stored Merkle tree's node over positions \(first + 1)–\(first + (1 << depth)) is not the hash of its events: the tree was altered"
                        )
                    }
                    index += 1
                }
                if stored.count < batchSize { break }
            }
            guard index == width else {
                return ChainFailure(
                    position: (index << depth) + 1, reason: "the stored Merkle tree lacks a node over this position: the tree was altered")
            }
            level = Self.parents(level)
            depth += 1
        }
        return nil
    }

    /// The hashes one level up: each complete pair of `level`'s hashes, 32 bytes each.
    private static func parents(_ level: [UInt8]) -> [UInt8] {
        var next: [UInt8] = []
        next.reserveCapacity(level.count / 2)
        var pair = 0
        while pair + 2 * MerkleTree.hashSize <= level.count {
            next += MerkleTree.nodeHash(
                Array(level[pair..<(pair + MerkleTree.hashSize)]),
                Array(level[(pair + MerkleTree.hashSize)..<(pair + 2 * MerkleTree.hashSize)]))
            pair += 2 * MerkleTree.hashSize
        }
        return next
    }

    /// Whether the log extends `checkpoint`: the rows rebuild its root, and the stored tree
    /// proves the head consistent with it.
    private func extends(
        _ checkpoint: Checkpoint, rebuiltRoot: [UInt8]?, head: MerkleFrontier, on connection: PostgresConnection
    ) async throws -> ChainVerification.Since {
        var since = ChainVerification.Since(ok: false, size: checkpoint.size, rootHash: Base64.encode(checkpoint.rootHash))
        guard checkpoint.size <= head.size, let rebuiltRoot else {
            since.reason = "the checkpoint is of \(checkpoint.size) events but the log holds \(head.size): events it committed to were removed"
            return since
        }
        guard rebuiltRoot == checkpoint.rootHash else {
            since.reason =
                "the first \(checkpoint.size) events do not make the checkpoint's root: history the checkpoint committed to was rewritten"
            return since
        }
        let proof = try await LogTree.consistencyProof(old: checkpoint.size, new: head.size, on: connection)
        guard
            MerkleTree.verifyConsistency(
                old: checkpoint.size, new: head.size, oldRoot: checkpoint.rootHash, newRoot: head.root, proof: proof)
        else {
            since.reason = "the stored tree's consistency proof from \(checkpoint.size) to \(head.size) does not verify"
            return since
        }
        since.ok = true
        since.proofLength = proof.count
        return since
    }

    /// The verdict for `failure`: the good part is everything before it. A signature failure
    /// can lie behind the chain walk; the hash there is the stored one, which the walk checked.
    private func verdict(_ chain: ChainState, _ failure: ChainFailure, on connection: PostgresConnection) async throws -> ChainVerification {
        let good = failure.position - 1
        guard good < chain.checked else { return chain.verdict(failure) }
        let hash =
            good == 0
            ? EventHashEncoding.genesisHash
            : try await connection.query("SELECT hash FROM events WHERE position = \(good)")[0].decode(PostgresBytes.self, at: 0).bytes
        return ChainVerification(
            ok: false, events: good, head: .init(position: good, hash: Hex.encode(hash)), firstBadPosition: failure.position,
            reason: failure.reason)
    }

}

/// The outcome of `shiplog verify`, in the shape its `--json` prints.
public struct ChainVerification: Sendable, Codable, Hashable {
    public struct Head: Sendable, Codable, Hashable {
        public var position: Int64
        public var hash: String
    }

    public var ok: Bool
    /// Events checked and found good.
    public var events: Int64
    /// The last good position and its recomputed hash.
    public var head: Head
    public var firstBadPosition: Int64?
    public var reason: String?
    /// Commands judged and signatures checked (nil for a chain-only walk or a failed one).
    public var commands: Int64?
    public var signatures: Int64?
    /// With `--since`: whether the log extends the checkpoint the auditor kept.
    public var since: Since?

    public struct Since: Sendable, Codable, Hashable {
        public var ok: Bool
        public var size: Int64
        public var rootHash: String
        public var proofLength: Int?
        public var reason: String?
    }

    enum CodingKeys: String, CodingKey {
        case ok, events, head, firstBadPosition, reason, commands, signatures, since
    }

    /// Spells out `null` for a clean ledger, as the documented JSON shape promises.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ok, forKey: .ok)
        try container.encode(events, forKey: .events)
        try container.encode(head, forKey: .head)
        try container.encode(firstBadPosition, forKey: .firstBadPosition)
        try container.encode(reason, forKey: .reason)
        try container.encodeIfPresent(commands, forKey: .commands)
        try container.encodeIfPresent(signatures, forKey: .signatures)
        try container.encodeIfPresent(since, forKey: .since)
    }
}

struct ChainFailure: Error {
    var position: Int64
    var reason: String
}

/// The verifier's walk over the log: pure, so every tampering case is testable without I/O.
///
/// The walk checks what must be checked in order: positions, the link from each row's
/// `prev_hash` to the hash stored before it, and stream versions. Whether each row's stored
/// hash is SHA-256 of its `prev_hash` and contents (`hashFailure`) is independent per row, so
/// it runs on every core; together the two are exactly a recomputation of the chain.
struct ChainState {
    private(set) var checked: Int64 = 0
    /// The stored hash of the last row walked (the genesis hash before the first).
    private(set) var previousHash = EventHashEncoding.genesisHash
    private var streamVersions: [String: Int64] = [:]

    /// Checks the next stored event's place in the log; nil when it is the one that comes next.
    mutating func consume(_ event: RecordedEvent) -> ChainFailure? {
        let expected = checked + 1
        guard event.position == expected else {
            return ChainFailure(
                position: expected,
                reason: event.position > expected
                    ? "position \(expected) is missing: the next stored event is at \(event.position)"
                    : "position \(event.position) appears again after \(checked)")
        }
        guard event.previousHash == previousHash else {
            return ChainFailure(
                position: expected,
                reason: "its prev_hash does not match the hash of position \(checked): an event before it was removed, reordered or replaced")
        }
        let streamVersion = streamVersions[event.stream, default: 0] + 1
        guard event.streamVersion == streamVersion else {
            return ChainFailure(
                position: expected,
                reason: "stream \(event.stream) goes from version \(streamVersion - 1) to \(event.streamVersion)")
        }
        streamVersions[event.stream] = streamVersion
        previousHash = event.hash
        checked = expected
        return nil
    }

    /// Whether the stored hash is SHA-256 of the row's prev_hash and canonical contents.
    static func hashFailure(_ event: RecordedEvent, buffer: inout [UInt8]) -> ChainFailure? {
        buffer.removeAll(keepingCapacity: true)
        EventHashEncoding.appendHashInput(previousHash: event.previousHash, of: event, to: &buffer)
        guard SHA256.hash(buffer) == event.hash else {
            return ChainFailure(position: event.position, reason: "its contents do not match its stored hash: the event was altered")
        }
        return nil
    }

    /// Checks the head row against the end of the walk.
    func finish(head: LogHead) -> ChainFailure? {
        if head.position > checked {
            return ChainFailure(
                position: checked + 1,
                reason: "the head says the log ends at \(head.position) but the last stored event is \(checked): events at the end were removed")
        }
        if head.position < checked {
            return ChainFailure(
                position: head.position + 1,
                reason: "events past the head (\(head.position)) were inserted outside the append path")
        }
        if head.hash != previousHash {
            return ChainFailure(position: checked, reason: "the head's hash does not match the recomputed hash of the last event")
        }
        return nil
    }

    func verdict(_ failure: ChainFailure?) -> ChainVerification {
        ChainVerification(
            ok: failure == nil, events: checked,
            head: .init(position: checked, hash: Hex.encode(previousHash)),
            firstBadPosition: failure?.position, reason: failure?.reason)
    }
}
