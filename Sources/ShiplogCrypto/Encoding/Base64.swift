import CSodium

/// Standard base64 with padding (RFC 4648 §4), as used for keys and signatures in JSON.
public enum Base64: Sendable {
    /// Returns `bytes` as padded standard base64.
    public static func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { encode($0) }
    }

    /// Returns the bytes in `buffer` as padded standard base64.
    public static func encode(_ buffer: UnsafeRawBufferPointer) -> String {
        Sodium.ensureInitialized()
        let variant = sodium_base64_VARIANT_ORIGINAL
        // The C length counts the terminating NUL, which is not part of the string.
        let capacity = sodium_base64_encoded_len(buffer.count, variant)
        return String(unsafeUninitializedCapacity: capacity) { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { text in
                _ = sodium_bin2base64(
                    text.baseAddress!,
                    capacity,
                    buffer.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    buffer.count,
                    variant
                )
            }
            return capacity - 1
        }
    }

    /// Returns the bytes spelled by padded standard base64 `string`.
    ///
    /// Strict: whitespace, missing padding, URL-safe characters and non-zero trailing bits are
    /// rejected, so one value has one spelling.
    /// - Throws: `CryptoError` with code `.invalidBase64`.
    public static func decode(_ string: String) throws -> [UInt8] {
        Sodium.ensureInitialized()
        var string = string
        return try string.withUTF8 { text in
            let capacity = text.count / 4 * 3 + 3
            var decodedCount = 0
            var bytes = [UInt8](repeating: 0, count: capacity)
            let status = text.withMemoryRebound(to: CChar.self) { text in
                bytes.withUnsafeMutableBufferPointer { bytes in
                    // A nil end pointer makes libsodium fail on any character it cannot decode.
                    sodium_base642bin(
                        bytes.baseAddress!,
                        capacity,
                        text.baseAddress,
                        text.count,
                        nil,
                        &decodedCount,
                        nil,
                        sodium_base64_VARIANT_ORIGINAL
                    )
                }
            }
            guard status == 0 else {
                throw CryptoError(.invalidBase64, "invalid base64 (\(text.count) characters)")
            }
            bytes.removeLast(capacity - decodedCount)
            return bytes
        }
    }
}
