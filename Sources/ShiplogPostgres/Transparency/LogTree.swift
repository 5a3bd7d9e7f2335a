import ShiplogCore
import ShiplogCrypto

/// The log's Merkle tree as the database keeps it (migrations/0015): every complete subtree
/// stored once, so a root or a proof is one indexed read of O(log n) nodes.
///
/// Leaf i is the event at position i + 1: SHA-256(0x00 || canonical(event)).
public enum LogTree {
    /// The canonical encoding a leaf covers (the chain's input without prev_hash).
    public static func entry(of event: RecordedEvent) -> [UInt8] {
        var buffer: [UInt8] = []
        EventHashEncoding.appendCanonical(event, to: &buffer)
        return buffer
    }

    public static func leafHash(of event: RecordedEvent) -> [UInt8] {
        MerkleTree.leafHash(entry(of: event))
    }

    /// How many leaves the tree has.
    public static func size(on connection: PostgresConnection) async throws -> Int64 {
        try await connection.query("SELECT size FROM shiplog_merkle_head")[0].decode(Int64.self, at: 0)
    }

    /// The hashes of `nodes`: those above the leaves stored, in one read; the leaves hashed from
    /// their events, in another.
    public static func hashes(_ nodes: [MerkleTree.Node], on connection: PostgresConnection) async throws -> [MerkleTree.Node: [UInt8]] {
        guard !nodes.isEmpty else { return [:] }
        var hashes: [MerkleTree.Node: [UInt8]] = [:]
        let leaves = nodes.filter { $0.level == 0 }.map { $0.index + 1 }
        if !leaves.isEmpty {
            let events = try EventStore.decode(
                await connection.query("SELECT \(unsafeRaw: EventStore.columns) FROM events WHERE position = ANY(\(leaves)::bigint[])"))
            for event in events { hashes[MerkleTree.Node(level: 0, index: event.position - 1)] = leafHash(of: event) }
        }
        let stored = nodes.filter { $0.level > 0 }
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
