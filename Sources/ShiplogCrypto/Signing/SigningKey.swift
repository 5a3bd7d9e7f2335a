import CSodium

/// An Ed25519 private key: signs approval statements and admin commands.
///
/// The secret lives in memory from `sodium_malloc` (wiped when the last copy goes away) and is
/// never printed: `description`, `debugDescription` and `dump` show only the key id.
public struct SigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The length of a seed in bytes.
    public static let seedByteCount = 32

    /// The public half, to enroll or publish.
    public let publicKey: PublicKey
    /// libsodium's 64-byte secret key: the seed followed by the public key.
    private let secretKey: SecureBytes

    /// Generates a new random key.
    public static func generate() -> SigningKey {
        var publicKey = [UInt8](repeating: 0, count: PublicKey.byteCount)
        let secretKey = SecureBytes(count: Int(crypto_sign_secretkeybytes())) { secretKey in
            _ = crypto_sign_keypair(&publicKey, secretKey.baseAddress!)
        }
        return SigningKey(publicKey: PublicKey(validatedBytes: publicKey), secretKey: secretKey)
    }

    /// Recreates the key determined by a 32-byte seed (RFC 8032's "private key").
    ///
    /// - Throws: `CryptoError` with code `.invalidKey` when the seed is not 32 bytes.
    public init(seed: [UInt8]) throws {
        self = try seed.withUnsafeBytes { try SigningKey(seedBytes: $0) }
    }

    init(seedBytes seed: UnsafeRawBufferPointer) throws {
        guard seed.count == Self.seedByteCount else {
            throw CryptoError(
                .invalidKey,
                "invalid Ed25519 seed: expected \(Self.seedByteCount) bytes, got \(seed.count)"
            )
        }
        var publicKey = [UInt8](repeating: 0, count: PublicKey.byteCount)
        let secretKey = SecureBytes(count: Int(crypto_sign_secretkeybytes())) { secretKey in
            _ = crypto_sign_seed_keypair(
                &publicKey,
                secretKey.baseAddress!,
                seed.baseAddress!.assumingMemoryBound(to: UInt8.self)
            )
        }
        self.init(publicKey: PublicKey(validatedBytes: publicKey), secretKey: secretKey)
    }

    private init(publicKey: PublicKey, secretKey: SecureBytes) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// The key id of the public key.
    public var keyID: KeyID { publicKey.keyID }

    /// Returns the 64-byte detached Ed25519 signature of `message`.
    public func signature(for message: [UInt8]) -> [UInt8] {
        secretKey.withUnsafeBytes { secretKey in
            message.withUnsafeBufferPointer { message in
                [UInt8](unsafeUninitializedCapacity: PublicKey.signatureByteCount) { signature, initialized in
                    _ = crypto_sign_detached(
                        signature.baseAddress!,
                        nil,
                        message.baseAddress,
                        UInt64(message.count),
                        secretKey.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    )
                    initialized = PublicKey.signatureByteCount
                }
            }
        }
    }

    /// Calls `body` with the 32-byte seed, for writing key files; the buffer must not escape.
    func withSeed<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try secretKey.withUnsafeBytes { secretKey in
            try body(UnsafeRawBufferPointer(rebasing: secretKey[0..<Self.seedByteCount]))
        }
    }

    public var description: String { "SigningKey(\(keyID))" }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["keyID": keyID], displayStyle: .struct)
    }
}
