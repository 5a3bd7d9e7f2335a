/// The right edge of a Merkle tree being built leaf by leaf: what an appender needs to
/// complete every subtree as its last leaf arrives, and the root at any moment, in O(log n)
/// memory. `verify --since` rebuilds the roots a kept checkpoint and the head commit to with
/// it; tests build whole trees with it.
public struct MerkleFrontier: Sendable, Hashable {
    /// Leaves appended so far.
    public private(set) var size: Int64 = 0
    /// pending[k]: the newest complete subtree at level k; it is waiting for a right sibling
    /// exactly when bit k of `size` is set.
    private var pending: [[UInt8]] = []

    public init() {}

    /// Appends a leaf hash and reports every complete subtree it finishes, the leaf first.
    public mutating func append(leafHash: [UInt8], completed: (MerkleTree.Node, [UInt8]) -> Void = { _, _ in }) {
        var hash = leafHash
        var level = 0
        let index = size
        completed(MerkleTree.Node(level: 0, index: index), hash)
        while (index >> level) & 1 == 1 {
            hash = MerkleTree.nodeHash(pending[level], hash)
            level += 1
            completed(MerkleTree.Node(level: level, index: index >> level), hash)
        }
        if level == pending.count { pending.append(hash) } else { pending[level] = hash }
        size += 1
    }

    /// The root of the tree so far.
    public var root: [UInt8] {
        guard size > 0 else { return SHA256.hash([]) }
        var hash: [UInt8]?
        for level in 0..<pending.count where (size >> level) & 1 == 1 {
            hash = hash.map { MerkleTree.nodeHash(pending[level], $0) } ?? pending[level]
        }
        return hash!
    }
}
