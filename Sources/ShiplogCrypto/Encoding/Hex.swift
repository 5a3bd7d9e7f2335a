/// Lowercase hexadecimal, as used for hashes and key ids.
///
/// Both directions work on raw UTF-8 bytes without per-character `String` work, because the chain
/// verifier encodes and decodes millions of hashes.
public enum Hex: Sendable {
    /// Returns `bytes` as lowercase hex, two characters per byte.
    public static func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { encode($0) }
    }

    /// Returns the bytes in `buffer` as lowercase hex, two characters per byte.
    public static func encode(_ buffer: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: buffer.count * 2) { utf8 in
            var index = 0
            for byte in buffer {
                utf8[index] = digit(byte >> 4)
                utf8[index + 1] = digit(byte & 0x0F)
                index += 2
            }
            return index
        }
    }

    /// Returns the bytes spelled by `string`; upper- and lowercase digits are accepted.
    ///
    /// - Throws: `CryptoError` with code `.invalidHex` for an odd length or a non-hex character.
    public static func decode(_ string: String) throws -> [UInt8] {
        var string = string
        return try string.withUTF8 { try decode(utf8: $0) }
    }

    static func decode(utf8: UnsafeBufferPointer<UInt8>) throws -> [UInt8] {
        guard utf8.count % 2 == 0 else {
            throw CryptoError(.invalidHex, "invalid hex: odd number of characters (\(utf8.count))")
        }
        return try [UInt8](unsafeUninitializedCapacity: utf8.count / 2) { bytes, initialized in
            var index = 0
            while index < utf8.count {
                let high = value(utf8[index])
                let low = value(utf8[index + 1])
                guard high | low < 16 else {
                    let position = high < 16 ? index + 2 : index + 1
                    throw CryptoError(.invalidHex, "invalid hex: character \(position) is not a hex digit")
                }
                bytes[initialized] = high << 4 | low
                initialized += 1
                index += 2
            }
        }
    }

    @inline(__always)
    private static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }

    /// The value of a hex digit, or 0xFF for anything else.
    @inline(__always)
    private static func value(_ character: UInt8) -> UInt8 {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: 0xFF
        }
    }
}
