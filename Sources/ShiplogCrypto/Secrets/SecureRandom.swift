import CSodium

/// Cryptographically secure random bytes from the operating system (`randombytes_buf`).
public enum SecureRandom: Sendable {
    /// Returns `count` random bytes, suitable for keys, nonces, salts and tokens.
    public static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "SecureRandom.bytes(count:) needs a count >= 0")
        Sodium.ensureInitialized()
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress {
                randombytes_buf(base, count)
            }
            initialized = count
        }
    }
}
