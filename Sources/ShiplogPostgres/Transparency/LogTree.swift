import ShiplogCore
import ShiplogCrypto

/// The log's Merkle tree as the database keeps it (migrations/0015): every complete subtree
/// from level `storedLevel` up stored once; a node below that is hashed from its (at most 16)
/// events. A root or a proof is one indexed read of O(log n) nodes and one of a few events.
///
/// Leaf i is the event at position i + 1: SHA-256(0x00 || canonical(event)).
public enum LogTree {
    /// The lowest level the database stores: tiles of 2^4 = 16 events.
    public static let storedLevel = 4

    /// The canonical encoding a leaf covers (the chain's input without prev_hash).
    public static func entry(of event: RecordedEvent) -> [UInt8] {
        var buffer: [UInt8] = []
        EventHashEncoding.appendCanonical(event, to: &buffer)
        return buffer
    }

    public static func leafHash(of event: RecordedEvent) -> [UInt8] {
        MerkleTree.leafHash(entry(of: event))
    }

    /// How many leaves the tree has: every event of the log (the trigger grows it in the
    /// appending transaction).
    public static func size(on connection: PostgresConnection) async throws -> Int64 {
        try await EventStore.head(on: connection).position
    }

    /// The hashes of `nodes`: those from `storedLevel` up stored, in one read; those below
    /// hashed from their events, read in another.
    public static func hashes(_ nodes: [MerkleTree.Node], on connection: PostgresConnection) async throws -> [MerkleTree.Node: [UInt8]] {
        guard !nodes.isEmpty else { return [:] }
        var hashes: [MerkleTree.Node: [UInt8]] = [:]
        let computed = nodes.filter { $0.level < storedLevel }
        if !computed.isEmpty {
            let positions = computed.flatMap { node in
                ((node.index << node.level) + 1)...((node.index + 1) << node.level)
            }
            let events = try EventStore.decode(
                await connection.query(
                    "SELECT \(unsafeRaw: EventStore.columns) FROM events WHERE position = ANY(\(positions)::bigint[]) ORDER BY position"))
            let leaves = Dictionary(uniqueKeysWithValues: events.map { ($0.position, leafHash(of: $0)) })
            for node in computed {
                var level = try ((node.index << node.level)..<((node.index + 1) << node.level)).map { index in
                    guard let leaf = leaves[index + 1] else { throw MerkleError.missingNode(MerkleTree.Node(level: 0, index: index)) }
                    return leaf
                }
                while level.count > 1 {
                    level = stride(from: 0, to: level.count, by: 2).map { MerkleTree.nodeHash(level[$0], level[$0 + 1]) }
                }
                hashes[node] = level[0]
            }
        }
        let stored = nodes.filter { $0.level >= storedLevel }
        guard !stored.isEmpty else { return hashes }
        let levels = stored.map { Int64($0.level) }, indexes = stored.map(\.index)
        let rows = try await connection.query(
            """
            SELECT m.level::bigint, m.idx, m.hash
              FROM unnest(\(levels)::bigint[], \(indexes)::bigint[]) AS wanted(level, idx)
              JOIN shiplog_merkle m ON m.level = wanted.level AND m.idx = wanted.idx
            """)
        for (level, index, hash) in try rows.decode((Int64, Int64, PostgresBytes).self) {
            hashes[MerkleTree.Node(level: Int(level), index: index)] = hash.bytes
        }
        return hashes
    }

    /// The root of the tree when it had `size` leaves.
    public static func root(size: Int64, on connection: PostgresConnection) async throws -> [UInt8] {
        try MerkleTree.root(size: size, reading: await hashes(MerkleTree.rootNodes(size: size), on: connection))
    }

    /// The inclusion proof of the event at `position` in the tree of `size` leaves.
    public static func inclusionProof(position: Int64, size: Int64, on connection: PostgresConnection) async throws -> [[UInt8]] {
        let index = position - 1
        return try MerkleTree.inclusionProof(
            index: index, size: size, reading: await hashes(MerkleTree.inclusionNodes(index: index, size: size), on: connection))
    }

    /// The proof that the tree of `new` leaves extends the tree of `old` leaves.
    public static func consistencyProof(old: Int64, new: Int64, on connection: PostgresConnection) async throws -> [[UInt8]] {
        try MerkleTree.consistencyProof(
            old: old, new: new, reading: await hashes(MerkleTree.consistencyNodes(old: old, new: new), on: connection))
    }
}
