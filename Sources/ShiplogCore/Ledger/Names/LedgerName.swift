import Foundation

/// A validated string value of the ledger (a service name, an environment, a deploy id, ...).
///
/// Conforming types accept a value only through `init(_:)`, which validates it, so a value
/// of the type is always well formed: it can be put into a stream name or an approval
/// statement line without escaping. All of them encode as a plain JSON string.
public protocol LedgerName: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The validated text.
    var rawValue: String { get }
    /// Validates `text`, throwing a `LedgerError` with code `.invalidValue` that names the rule.
    init(_ text: String) throws
}

extension LedgerName {
    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The character rules names are checked against: ASCII only, a first-character class,
/// a class for the rest and a maximum length in bytes.
struct NameRule: Sendable {
    let first: @Sendable (UInt8) -> Bool
    let rest: @Sendable (UInt8) -> Bool
    let minLength: Int
    let maxLength: Int

    init(
        first: @escaping @Sendable (UInt8) -> Bool,
        rest: @escaping @Sendable (UInt8) -> Bool,
        minLength: Int = 1,
        maxLength: Int
    ) {
        self.first = first
        self.rest = rest
        self.minLength = minLength
        self.maxLength = maxLength
    }

    func accepts(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= minLength, bytes.count <= maxLength, let head = bytes.first else {
            return false
        }
        return first(head) && bytes.dropFirst().allSatisfy(rest)
    }

    static func isLowerLetter(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    static func isUpperLetter(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isLowerHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x61 && byte <= 0x66)
    }
    static func isLowerAlnum(_ byte: UInt8) -> Bool { isLowerLetter(byte) || isDigit(byte) }
    static func isAlnum(_ byte: UInt8) -> Bool {
        isLowerLetter(byte) || isUpperLetter(byte) || isDigit(byte)
    }
}

extension LedgerError {
    /// Quotes a user-supplied value for an error message, cut short and without control characters.
    static func quoted(_ text: String) -> String {
        let cleaned = String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    scalar.properties.generalCategory == .control ? "?" : scalar
                }))
        let short = cleaned.count > 80 ? String(cleaned.prefix(77)) + "..." : cleaned
        return "'\(short)'"
    }
}
