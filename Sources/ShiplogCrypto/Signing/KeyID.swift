/// A short fingerprint of an Ed25519 public key: the first 8 bytes of SHA-256(public key) as
/// 16 lowercase hex characters, e.g. `3f9a0c12d4e5b6a7`.
///
/// Approval statements name their signer by key id, and users see it in `shiplog` output.
public struct KeyID: Hashable, Comparable, Codable, CustomStringConvertible, Sendable {
    /// The number of characters in a key id.
    public static let length = 16

    /// The 16 lowercase hex characters.
    public let description: String

    /// Parses a key id.
    ///
    /// - Throws: `CryptoError` with code `.invalidKeyID` unless `string` is exactly 16 lowercase
    ///   hex characters.
    public init(_ string: String) throws {
        let isValid =
            string.utf8.count == Self.length
            && string.utf8.allSatisfy { character in
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(character)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(character)
            }
        guard isValid else {
            // Echo short inputs only: a long one may be something secret pasted by mistake.
            let shown = string.utf8.count <= 2 * Self.length ? "\"\(string)\"" : "(\(string.utf8.count) characters)"
            throw CryptoError(
                .invalidKeyID,
                "invalid key id \(shown): expected \(Self.length) lowercase hex characters"
            )
        }
        self.description = string
    }

    /// The key id of `publicKey`.
    public init(of publicKey: PublicKey) {
        self.init(publicKeyBytes: publicKey.bytes)
    }

    init(publicKeyBytes: [UInt8]) {
        let digest = SHA256.hash(publicKeyBytes)
        self.description = Hex.encode(Array(digest.prefix(Self.length / 2)))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        do {
            try self.init(string)
        } catch let error as CryptoError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public static func < (lhs: KeyID, rhs: KeyID) -> Bool {
        lhs.description < rhs.description
    }
}
