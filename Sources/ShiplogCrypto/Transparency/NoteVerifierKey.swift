/// A C2SP `signed-note` verifier key: `name+hhhhhhhh+base64(type || public key)`, as Go's
/// `golang.org/x/mod/sumdb/note.NewVerifier` reads it. Two kinds are spoken here: a log's
/// Ed25519 key (type 0x01) and a witness's timestamped Ed25519 cosignature key (type 0x04,
/// C2SP `tlog-cosignature`).
public struct NoteVerifierKey: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: UInt8, Sendable {
        /// Plain Ed25519 over the note text: a log's checkpoint signature.
        case ed25519 = 0x01
        /// `cosignature/v1`: Ed25519 over a timestamped statement about the checkpoint.
        case cosignature = 0x04
    }

    public let name: String
    public let kind: Kind
    public let publicKey: PublicKey
    /// SHA-256(name || 0x0A || type || public key)[:4], big-endian.
    public let keyID: UInt32

    public init(name: String, kind: Kind, publicKey: PublicKey) throws {
        guard Self.isValidName(name) else {
            throw CryptoError(.invalidKey, "a note key name must be non-empty, without spaces or '+': \(name.debugDescription)")
        }
        self.name = name
        self.kind = kind
        self.publicKey = publicKey
        self.keyID = Self.keyID(name: name, kind: kind, publicKey: publicKey)
    }

    /// Reads `name+hhhhhhhh+base64`.
    public init(_ string: String) throws {
        let parts = string.trimmingWhitespace().split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].count == 8, let id = UInt32(parts[1], radix: 16) else {
            throw CryptoError(.invalidKey, "not a note verifier key (name+hhhhhhhh+base64): \(string.prefix(80).debugDescription)")
        }
        let bytes: [UInt8]
        do { bytes = try Base64.decode(String(parts[2])) } catch {
            throw CryptoError(.invalidKey, "the note verifier key's key part is not base64")
        }
        guard bytes.count == 1 + PublicKey.byteCount, let kind = Kind(rawValue: bytes[0]) else {
            throw CryptoError(
                .invalidKey, "the note verifier key is not an Ed25519 (0x01) or Ed25519 cosignature (0x04) key")
        }
        try self.init(name: String(parts[0]), kind: kind, publicKey: PublicKey(bytes: Array(bytes[1...])))
        guard keyID == id else {
            throw CryptoError(.invalidKey, "the note verifier key's id \(parts[1]) does not match its name and key")
        }
    }

    public var description: String {
        name + "+" + Self.hex8(keyID) + "+" + Base64.encode([kind.rawValue] + publicKey.bytes)
    }

    static func keyID(name: String, kind: Kind, publicKey: PublicKey) -> UInt32 {
        let digest = SHA256.hash(Array(name.utf8) + [0x0A, kind.rawValue] + publicKey.bytes)
        return digest[0..<4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func hex8(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("+") && !name.unicodeScalars.contains { $0.properties.isWhitespace }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
