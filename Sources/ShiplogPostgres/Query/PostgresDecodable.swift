import Foundation

/// A Swift type a text-format column decodes into.
public protocol PostgresDecodable {
    /// Decodes the column's text; `text` is nil for SQL NULL.
    static func decode(postgresText text: UnsafeBufferPointer<UInt8>?) throws(PostgresDecodingFailure) -> Self
}

/// Why a column did not decode. Turned into a `PostgresError` naming the column.
public struct PostgresDecodingFailure: Error {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    static let unexpectedNull = PostgresDecodingFailure("is NULL")
}

extension String: PostgresDecodable {
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>?) throws(PostgresDecodingFailure) -> String {
        guard let text else { throw .unexpectedNull }
        return String(decoding: text, as: UTF8.self)
    }
}

extension Int64: PostgresDecodable {
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>?) throws(PostgresDecodingFailure) -> Int64 {
        guard let text else { throw .unexpectedNull }
        guard !text.isEmpty else { throw PostgresDecodingFailure("is not an integer") }
        // Accumulate downwards: Int64.min has no positive counterpart.
        let negative = text[0] == UInt8(ascii: "-")
        let digits = negative ? UnsafeBufferPointer(rebasing: text[1...]) : text
        guard !digits.isEmpty else { throw PostgresDecodingFailure("is not an integer") }
        var value: Int64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else {
                throw PostgresDecodingFailure("is not an integer")
            }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowB) = shifted.subtractingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { throw PostgresDecodingFailure("does not fit Int64") }
            value = next
        }
        if negative { return value }
        guard value != .min else { throw PostgresDecodingFailure("does not fit Int64") }
        return -value
    }
}

extension Int: PostgresDecodable {
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>?) throws(PostgresDecodingFailure) -> Int {
        Int(try Int64.decode(postgresText: text))
    }
}

extension Int32: PostgresDecodable {
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>?) throws(PostgresDecodingFailure) -> Int32 {
        let value = try Int64.decode(postgresText: text)
        guard let narrowed = Int32(exactly: value) else { throw PostgresDecodingFailure("does not fit Int32") }
        return narrowed
    }
}

extension Double: PostgresDecodable {
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>?) throws(PostgresDecodingFailure) -> Double {
        guard let text else { throw .unexpectedNull }
        guard let value = Double(String(decoding: text, as: UTF8.self)) else {
            throw PostgresDecodingFailure("is not a number")
        }
        return value
    }
}

extension Bool: PostgresDecodable {
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>?) throws(PostgresDecodingFailure) -> Bool {
        guard let text else { throw .unexpectedNull }
        switch text.first {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: throw PostgresDecodingFailure("is not a boolean")
        }
    }
}

extension UUID: PostgresDecodable {
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>?) throws(PostgresDecodingFailure) -> UUID {
        guard let text else { throw .unexpectedNull }
        guard let uuid = UUID(canonicalText: text) else { throw PostgresDecodingFailure("is not a UUID") }
        return uuid
    }

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` directly: Foundation's parser goes through
    /// sscanf, which shows in profiles of reading a million events.
    init?(canonicalText text: UnsafeBufferPointer<UInt8>) {
        guard text.count == 36 else { return nil }
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &bytes) { out -> Bool in
            var index = 0
            var byte = 0
            while index < 36 {
                if index == 8 || index == 13 || index == 18 || index == 23 {
                    guard text[index] == UInt8(ascii: "-") else { return false }
                    index += 1
                    continue
                }
                guard let high = PostgresHex.value(text[index]), let low = PostgresHex.value(text[index + 1]) else { return false }
                out[byte] = high << 4 | low
                byte += 1
                index += 2
            }
            return true
        }
        guard parsed else { return nil }
        self.init(uuid: bytes)
    }
}

extension PostgresBytes: PostgresDecodable {
    /// Decodes `bytea` in PostgreSQL's default hex output (`\x0a1b...`).
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>?) throws(PostgresDecodingFailure) -> PostgresBytes {
        guard let text else { throw .unexpectedNull }
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"),
            let bytes = PostgresHex.decode(UnsafeBufferPointer(rebasing: text[2...]))
        else { throw PostgresDecodingFailure("is not hex bytea") }
        return PostgresBytes(bytes)
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(postgresText text: UnsafeBufferPointer<UInt8>?) throws(PostgresDecodingFailure) -> Wrapped? {
        guard let text else { return nil }
        return try Wrapped.decode(postgresText: text)
    }
}
