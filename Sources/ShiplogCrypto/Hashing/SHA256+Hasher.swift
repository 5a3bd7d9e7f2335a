import CSodium

extension SHA256 {
    /// Computes a SHA-256 digest from data fed in pieces, without joining the pieces first.
    ///
    /// A value type: copying a hasher forks the computation.
    public struct Hasher: Sendable {
        private var state = crypto_hash_sha256_state()

        /// Creates a hasher for an empty message.
        public init() {
            Sodium.ensureInitialized()
            crypto_hash_sha256_init(&state)
        }

        /// Appends `bytes` to the message.
        public mutating func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { update($0) }
        }

        /// Appends the bytes in `buffer` to the message.
        public mutating func update(_ buffer: UnsafeRawBufferPointer) {
            crypto_hash_sha256_update(
                &state,
                buffer.baseAddress?.assumingMemoryBound(to: UInt8.self),
                UInt64(buffer.count)
            )
        }

        /// Returns the digest of everything appended so far, and resets the hasher to an empty
        /// message so it can be reused for the next one.
        public mutating func finalize() -> [UInt8] {
            let digest = [UInt8](unsafeUninitializedCapacity: SHA256.byteCount) { digest, initialized in
                crypto_hash_sha256_final(&state, digest.baseAddress!)
                initialized = SHA256.byteCount
            }
            crypto_hash_sha256_init(&state)
            return digest
        }
    }
}
