/// RFC 6962 (RFC 9162 §2.1) Merkle tree hashing, proofs and their checks, over a tree whose
/// complete subtrees are stored: the same hashing as C2SP `tlog-tiles` and Go's
/// `golang.org/x/mod/sumdb/tlog`.
///
///     leaf hash = SHA-256(0x00 || entry)
///     node hash = SHA-256(0x01 || left || right)
///
/// A tree of any size is the fold of the complete (perfect, aligned) subtrees it is made of,
/// so a root, an inclusion proof or a consistency proof needs only O(log n) stored nodes:
/// `nodes(…)` names them, the store reads them in one go, `…(reading:)` combines them.
public enum MerkleTree {
    /// A complete subtree: 2^level leaves starting at leaf `index << level`. Level 0 is a leaf.
    public struct Node: Hashable, Sendable, Comparable {
        public var level: Int
        public var index: Int64

        public init(level: Int, index: Int64) {
            self.level = level
            self.index = index
        }

        public static func < (a: Node, b: Node) -> Bool { (a.level, a.index) < (b.level, b.index) }
    }

    public static let hashSize = 32

    public static func leafHash(_ entry: [UInt8]) -> [UInt8] {
        var input = [UInt8]()
        input.reserveCapacity(entry.count + 1)
        input.append(0)
        input.append(contentsOf: entry)
        return SHA256.hash(input)
    }

    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var input = [UInt8]()
        input.reserveCapacity(1 + 2 * hashSize)
        input.append(1)
        input.append(contentsOf: left)
        input.append(contentsOf: right)
        return SHA256.hash(input)
    }

    /// The complete subtrees [lo, hi) is made of, left to right. `lo` is aligned as RFC 6962's
    /// recursion aligns it (a multiple of a power of two at least hi - lo), so these are the
    /// binary digits of hi - lo, largest first.
    static func decomposition(_ lo: Int64, _ hi: Int64) -> [Node] {
        var nodes: [Node] = []
        var start = lo
        while start < hi {
            var level = 0
            while true {
                let next = level + 1
                let width = Int64(1) << next
                guard start % width == 0, start + width <= hi else { break }
                level = next
            }
            nodes.append(Node(level: level, index: start >> level))
            start += Int64(1) << level
        }
        return nodes
    }

    /// The hash of leaves [lo, hi): the fold from the right of its complete subtrees.
    static func rangeHash(_ lo: Int64, _ hi: Int64, _ hashes: [Node: [UInt8]]) throws -> [UInt8] {
        let nodes = decomposition(lo, hi)
        guard var hash = hashes[nodes[nodes.count - 1]] else { throw MerkleError.missingNode(nodes[nodes.count - 1]) }
        for node in nodes.dropLast().reversed() {
            guard let left = hashes[node] else { throw MerkleError.missingNode(node) }
            hash = nodeHash(left, hash)
        }
        return hash
    }

    /// The largest power of two smaller than n (n ≥ 2).
    static func split(_ n: Int64) -> Int64 {
        var k: Int64 = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    // MARK: Root

    /// The stored nodes the root of a tree of `size` leaves folds.
    public static func rootNodes(size: Int64) -> [Node] {
        size == 0 ? [] : decomposition(0, size)
    }

    /// The root of a tree of `size` leaves (SHA-256 of nothing for the empty tree, as RFC 6962 says).
    public static func root(size: Int64, reading hashes: [Node: [UInt8]]) throws -> [UInt8] {
        size == 0 ? SHA256.hash([]) : try rangeHash(0, size, hashes)
    }

    // MARK: Inclusion

    /// RFC 6962 PATH(m, D[0:n]) as ranges of leaves, bottom-up.
    static func inclusionRanges(index: Int64, size: Int64) -> [(Int64, Int64)] {
        var ranges: [(Int64, Int64)] = []
        var lo: Int64 = 0, hi = size, m = index
        while hi - lo > 1 {
            let k = split(hi - lo)
            if m < k {
                ranges.append((lo + k, hi))
                hi = lo + k
            } else {
                ranges.append((lo, lo + k))
                lo += k
                m -= k
            }
        }
        return ranges.reversed()
    }

    /// The stored nodes the inclusion proof of leaf `index` in a tree of `size` leaves folds.
    public static func inclusionNodes(index: Int64, size: Int64) -> [Node] {
        inclusionRanges(index: index, size: size).flatMap { decomposition($0.0, $0.1) }
    }

    /// The inclusion proof (audit path) of leaf `index` in a tree of `size` leaves, bottom-up.
    public static func inclusionProof(index: Int64, size: Int64, reading hashes: [Node: [UInt8]]) throws -> [[UInt8]] {
        guard index >= 0, index < size else { throw MerkleError.outOfRange("leaf \(index) is not in a tree of \(size)") }
        return try inclusionRanges(index: index, size: size).map { try rangeHash($0.0, $0.1, hashes) }
    }

    /// Whether `proof` shows `leafHash` at `index` of the tree of `size` leaves whose root is
    /// `root` (RFC 9162 §2.1.3.2).
    public static func verifyInclusion(
        leafHash: [UInt8], index: Int64, size: Int64, proof: [[UInt8]], root: [UInt8]
    ) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index, sn = size - 1
        var hash = leafHash
        for sibling in proof {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                hash = nodeHash(sibling, hash)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                hash = nodeHash(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && ConstantTime.equal(hash, root)
    }

    // MARK: Consistency

    /// RFC 6962 SUBPROOF(m, D[0:n], true) as ranges of leaves, bottom-up.
    static func consistencyRanges(old: Int64, new: Int64) -> [(Int64, Int64)] {
        var ranges: [(Int64, Int64)] = []
        var lo: Int64 = 0, hi = new, m = old, complete = true
        while m != hi - lo {
            let k = split(hi - lo)
            if m <= k {
                ranges.append((lo + k, hi))
                hi = lo + k
            } else {
                ranges.append((lo, lo + k))
                lo += k
                m -= k
                complete = false
            }
        }
        if !complete { ranges.append((lo, hi)) }
        return ranges.reversed()
    }

    /// The stored nodes the consistency proof from `old` to `new` leaves folds.
    public static func consistencyNodes(old: Int64, new: Int64) -> [Node] {
        guard old > 0, old < new else { return [] }
        return consistencyRanges(old: old, new: new).flatMap { decomposition($0.0, $0.1) }
    }

    /// The consistency proof from the tree of `old` leaves to the tree of `new` leaves, bottom-up
    /// (empty when old is 0 or equals new).
    public static func consistencyProof(old: Int64, new: Int64, reading hashes: [Node: [UInt8]]) throws -> [[UInt8]] {
        guard old >= 0, old <= new else { throw MerkleError.outOfRange("a tree of \(old) cannot grow into one of \(new)") }
        guard old > 0, old < new else { return [] }
        return try consistencyRanges(old: old, new: new).map { try rangeHash($0.0, $0.1, hashes) }
    }

    /// Whether `proof` shows that the tree of `new` leaves with root `newRoot` extends the tree
    /// of `old` leaves with root `oldRoot` (RFC 9162 §2.1.4.2).
    public static func verifyConsistency(
        old: Int64, new: Int64, oldRoot: [UInt8], newRoot: [UInt8], proof: [[UInt8]]
    ) -> Bool {
        guard old >= 0, old <= new else { return false }
        if old == new { return proof.isEmpty && ConstantTime.equal(oldRoot, newRoot) }
        if old == 0 { return proof.isEmpty }
        var path = proof
        if old & (old - 1) == 0 { path.insert(oldRoot, at: 0) }
        guard !path.isEmpty else { return false }
        var fn = old - 1, sn = new - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0], sr = path[0]
        for sibling in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(sibling, fr)
                sr = nodeHash(sibling, sr)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                sr = nodeHash(sr, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && ConstantTime.equal(fr, oldRoot) && ConstantTime.equal(sr, newRoot)
    }
}

/// Why a proof could not be made.
public enum MerkleError: Error, Equatable, CustomStringConvertible {
    case missingNode(MerkleTree.Node)
    case outOfRange(String)

    public var description: String {
        switch self {
        case .missingNode(let node): "the Merkle tree has no stored node at level \(node.level), index \(node.index)"
        case .outOfRange(let message): message
        }
    }
}
