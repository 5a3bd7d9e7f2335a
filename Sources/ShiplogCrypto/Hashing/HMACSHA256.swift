import CSodium

/// HMAC-SHA256 (RFC 2104) with a key of any length, as Slack uses to sign its requests.
///
/// Built on `crypto_auth_hmacsha256_init/update/final`, which accept any key length, unlike
/// `crypto_auth_hmacsha256`, which requires a 32-byte key.
public enum HMACSHA256: Sendable {
    /// The length of an authentication code in bytes.
    public static let byteCount = 32

    /// Returns the HMAC-SHA256 of `message` under `key`.
    public static func authenticationCode(for message: [UInt8], key: [UInt8]) -> [UInt8] {
        Sodium.ensureInitialized()
        var state = crypto_auth_hmacsha256_state()
        // The state holds the padded key; wipe it rather than leave it on the stack.
        defer { withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress, $0.count) } }
        var emptyKey: UInt8 = 0
        key.withUnsafeBufferPointer { key in
            // libsodium wants a non-null key pointer even when the key is empty.
            if let base = key.baseAddress {
                _ = crypto_auth_hmacsha256_init(&state, base, key.count)
            } else {
                _ = crypto_auth_hmacsha256_init(&state, &emptyKey, 0)
            }
        }
        message.withUnsafeBufferPointer { message in
            _ = crypto_auth_hmacsha256_update(&state, message.baseAddress, UInt64(message.count))
        }
        return [UInt8](unsafeUninitializedCapacity: byteCount) { code, initialized in
            _ = crypto_auth_hmacsha256_final(&state, code.baseAddress!)
            initialized = byteCount
        }
    }

    /// Whether `code` is the HMAC-SHA256 of `message` under `key`, compared in constant time.
    public static func isValidAuthenticationCode(
        _ code: [UInt8],
        for message: [UInt8],
        key: [UInt8]
    ) -> Bool {
        ConstantTime.equal(authenticationCode(for: message, key: key), code)
    }
}
