import CSodium

/// SHA-256 (FIPS 180-4), the hash of the ledger's hash chain.
public enum SHA256: Sendable {
    /// The length of a digest in bytes.
    public static let byteCount = 32

    /// Returns the SHA-256 digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// Returns the SHA-256 digest of the bytes in `buffer`.
    public static func hash(_ buffer: UnsafeRawBufferPointer) -> [UInt8] {
        Sodium.ensureInitialized()
        return [UInt8](unsafeUninitializedCapacity: byteCount) { digest, initialized in
            _ = crypto_hash_sha256(
                digest.baseAddress!,
                buffer.baseAddress?.assumingMemoryBound(to: UInt8.self),
                UInt64(buffer.count)
            )
            initialized = byteCount
        }
    }
}
