import CSodium

/// An Ed25519 public key: verifies signatures made by the matching `SigningKey`.
///
/// Encoded in JSON as a base64 string.
public struct PublicKey: Hashable, Codable, CustomStringConvertible, Sendable {
    /// The length of a public key in bytes.
    public static let byteCount = 32
    /// The length of a detached signature in bytes.
    public static let signatureByteCount = 64

    /// The 32 bytes of the key.
    public let bytes: [UInt8]
    /// The key's short fingerprint.
    public let keyID: KeyID

    /// Creates a public key from its 32 bytes.
    ///
    /// - Throws: `CryptoError` with code `.invalidKey` when the length is not 32 or the bytes are
    ///   not a valid Ed25519 point (non-canonical, or of small order, which would let anyone forge
    ///   signatures that verify).
    public init(bytes: [UInt8]) throws {
        guard bytes.count == Self.byteCount else {
            throw CryptoError(
                .invalidKey,
                "invalid Ed25519 public key: expected \(Self.byteCount) bytes, got \(bytes.count)"
            )
        }
        Sodium.ensureInitialized()
        guard crypto_core_ed25519_is_valid_point(bytes) == 1 else {
            throw CryptoError(.invalidKey, "invalid Ed25519 public key: not a valid curve point")
        }
        self.init(validatedBytes: bytes)
    }

    /// Creates a public key from base64 (as printed by `base64`).
    ///
    /// - Throws: `CryptoError` with code `.invalidKey`.
    public init(base64: String) throws {
        let bytes: [UInt8]
        do {
            bytes = try Base64.decode(base64)
        } catch {
            throw CryptoError(.invalidKey, "invalid Ed25519 public key: not valid base64")
        }
        try self.init(bytes: bytes)
    }

    /// For bytes libsodium just produced, which need no validation.
    init(validatedBytes bytes: [UInt8]) {
        self.bytes = bytes
        self.keyID = KeyID(publicKeyBytes: bytes)
    }

    /// The key as padded standard base64.
    public var base64: String { Base64.encode(bytes) }

    /// The key as base64, which is what users copy and paste.
    public var description: String { base64 }

    /// Whether `signature` is a valid Ed25519 signature of `message` by this key.
    ///
    /// Uses libsodium's strict verification: non-canonical signatures are rejected.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == Self.signatureByteCount else { return false }
        Sodium.ensureInitialized()
        return message.withUnsafeBufferPointer { message in
            crypto_sign_verify_detached(signature, message.baseAddress, UInt64(message.count), bytes) == 0
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let base64 = try container.decode(String.self)
        do {
            try self.init(base64: base64)
        } catch let error as CryptoError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(base64)
    }
}
