/// A C2SP `tlog-checkpoint`: the text a log signs to commit to its tree.
///
///     <origin>\n<tree size, decimal>\n<base64 root hash>\n[extension lines\n]
public struct Checkpoint: Hashable, Sendable {
    public var origin: String
    public var size: Int64
    public var rootHash: [UInt8]
    public var extensions: [String]

    public init(origin: String, size: Int64, rootHash: [UInt8], extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// Reads a checkpoint's text strictly: a size with no sign or leading zero, a 32-byte root.
    public init(text: String) throws {
        guard text.hasSuffix("\n") else { throw CryptoError(.invalidKey, "a checkpoint's text ends in a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3, !lines.contains(where: \.isEmpty) else {
            throw CryptoError(.invalidKey, "a checkpoint is an origin, a tree size and a root hash, one per line")
        }
        guard let size = Int64(lines[1]), size >= 0, String(size) == lines[1] else {
            throw CryptoError(.invalidKey, "the checkpoint's tree size is not a decimal number: \(lines[1].prefix(40).debugDescription)")
        }
        guard let root = try? Base64.decode(lines[2]), root.count == MerkleTree.hashSize else {
            throw CryptoError(.invalidKey, "the checkpoint's root hash is not 32 bytes of base64")
        }
        self.init(origin: lines[0], size: size, rootHash: root, extensions: Array(lines[3...]))
    }

    public var text: String {
        ([origin, String(size), Base64.encode(rootHash)] + extensions).map { $0 + "\n" }.joined()
    }
}
