import Testing

@testable import ShiplogCrypto

/// RFC 6962's definitions, written recursively and naively, against which the stored-node
/// algorithms are checked for every tree size and leaf up to 70.
@Suite struct MerkleTreeTests {
    static let entries: [[UInt8]] = (0..<70).map { Array("entry \($0)".utf8) }

    static func mth(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        if leaves.isEmpty { return SHA256.hash([]) }
        if leaves.count == 1 { return MerkleTree.leafHash(leaves.first!) }
        let k = Int(MerkleTree.split(Int64(leaves.count)))
        let lo = leaves.startIndex
        return MerkleTree.nodeHash(mth(leaves[lo..<lo + k]), mth(leaves[(lo + k)...]))
    }

    /// Every complete subtree of the first `size` entries, as a store would hold them.
    static func stored(_ size: Int) -> ([Int64: [UInt8]], [MerkleTree.Node: [UInt8]]) {
        var frontier = MerkleFrontier()
        var nodes: [MerkleTree.Node: [UInt8]] = [:]
        var roots: [Int64: [UInt8]] = [0: frontier.root]
        for entry in entries.prefix(size) {
            frontier.append(leafHash: MerkleTree.leafHash(entry)) { nodes[$0] = $1 }
            roots[frontier.size] = frontier.root
        }
        return (roots, nodes)
    }

    @Test func rootsMatchTheRecursiveDefinition() throws {
        let (roots, nodes) = Self.stored(70)
        for size in 0...70 {
            let expected = Self.mth(Self.entries[0..<size])
            #expect(roots[Int64(size)] == expected, "frontier root at \(size)")
            #expect(try MerkleTree.root(size: Int64(size), reading: nodes) == expected, "stored root at \(size)")
        }
    }

    @Test func everyInclusionProofVerifiesAndATamperedOneDoesNot() throws {
        let (roots, nodes) = Self.stored(70)
        for size in Int64(1)...70 {
            let root = roots[size]!
            for index in 0..<size {
                let needed = Set(MerkleTree.inclusionNodes(index: index, size: size))
                let proof = try MerkleTree.inclusionProof(index: index, size: size, reading: nodes.filter { needed.contains($0.key) })
                let leaf = MerkleTree.leafHash(Self.entries[Int(index)])
                #expect(MerkleTree.verifyInclusion(leafHash: leaf, index: index, size: size, proof: proof, root: root))
                if !proof.isEmpty {
                    var bad = proof
                    bad[bad.count / 2][0] ^= 1
                    #expect(!MerkleTree.verifyInclusion(leafHash: leaf, index: index, size: size, proof: bad, root: root))
                }
                let other = MerkleTree.leafHash(Array("forged".utf8))
                #expect(!MerkleTree.verifyInclusion(leafHash: other, index: index, size: size, proof: proof, root: root))
            }
        }
    }

    @Test func everyConsistencyProofVerifiesAndAForkDoesNot() throws {
        let (roots, nodes) = Self.stored(70)
        for new in Int64(1)...70 {
            for old in Int64(1)...new {
                let needed = Set(MerkleTree.consistencyNodes(old: old, new: new))
                let proof = try MerkleTree.consistencyProof(old: old, new: new, reading: nodes.filter { needed.contains($0.key) })
                #expect(
                    MerkleTree.verifyConsistency(old: old, new: new, oldRoot: roots[old]!, newRoot: roots[new]!, proof: proof),
                    "\(old) → \(new)")
                // A rewritten history: the old root of another log.
                let forked = Self.mth(([Array("rewritten".utf8)] + Self.entries.dropFirst())[0..<Int(old)])
                #expect(!MerkleTree.verifyConsistency(old: old, new: new, oldRoot: forked, newRoot: roots[new]!, proof: proof))
                if !proof.isEmpty {
                    var bad = proof
                    bad[0][5] ^= 0x80
                    #expect(!MerkleTree.verifyConsistency(old: old, new: new, oldRoot: roots[old]!, newRoot: roots[new]!, proof: bad))
                }
            }
        }
    }

    @Test func proofsOutsideTheTreeAreRefused() {
        #expect(throws: MerkleError.self) { try MerkleTree.inclusionProof(index: 5, size: 5, reading: [:]) }
        #expect(throws: MerkleError.self) { try MerkleTree.consistencyProof(old: 6, new: 5, reading: [:]) }
        #expect(throws: MerkleError.missingNode(.init(level: 0, index: 0))) {
            try MerkleTree.root(size: 1, reading: [:])
        }
    }
}

/// Vectors made with Go's golang.org/x/mod/sumdb/tlog over the records "leaf 0" … "leaf 6".
@Suite struct MerkleTreeGoVectorTests {
    static let (roots, nodes): ([Int64: [UInt8]], [MerkleTree.Node: [UInt8]]) = {
        var frontier = MerkleFrontier()
        var nodes: [MerkleTree.Node: [UInt8]] = [:]
        var roots: [Int64: [UInt8]] = [:]
        for i in 0..<7 {
            frontier.append(leafHash: MerkleTree.leafHash(Array("leaf \(i)".utf8))) { nodes[$0] = $1 }
            roots[frontier.size] = frontier.root
        }
        return (roots, nodes)
    }()

    @Test func rootsAndProofsEqualGos() throws {
        #expect(Base64.encode(Self.roots[7]!) == "WmH8K1T5z6cXdPJDIUPdQMbLKxGUf69lp9PaXLZRmcg=")
        #expect(Base64.encode(Self.roots[3]!) == "1Pksj7uJcg6ztVZ3x9fvrd/rENEaGoSguo8aIzN/qpU=")
        #expect(
            try MerkleTree.inclusionProof(index: 3, size: 7, reading: Self.nodes).map(Base64.encode) == [
                "qze6NNHf4pAV3nF6bVdkqPsCnDp6D1tkuTtUNRiFv3w=", "/F9riP+FVPdbsvnm85wxsZNtRLaSdu33sSBalVuXYeM=",
                "AVcbVXvHBnJlDUZ8e62DN+CafzVKcgUfI7Q6eCwPSOY=",
            ])
        #expect(
            try MerkleTree.consistencyProof(old: 3, new: 7, reading: Self.nodes).map(Base64.encode) == [
                "qze6NNHf4pAV3nF6bVdkqPsCnDp6D1tkuTtUNRiFv3w=", "WL0UluFoSqySAcLmh+565PUclqiw2B7zWDYouT0800U=",
                "/F9riP+FVPdbsvnm85wxsZNtRLaSdu33sSBalVuXYeM=", "AVcbVXvHBnJlDUZ8e62DN+CafzVKcgUfI7Q6eCwPSOY=",
            ])
        #expect(Base64.encode(MerkleFrontier().root) == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
    }
}
