import Foundation

/// An Ed25519 public key: exactly 32 bytes. Encodes as base64 in JSON.
public struct PublicKeyBytes: Hashable, Sendable, Codable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// The length of an Ed25519 public key.
    public static let length = 32

    public init(_ bytes: [UInt8]) throws {
        guard bytes.count == Self.length else {
            throw LedgerError(
                .invalidValue,
                "a public key must be \(Self.length) bytes (Ed25519), got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// Decodes a base64 public key, as `shiplog keys generate` prints it.
    public init(base64: String) throws {
        guard let data = Data(base64Encoded: base64) else {
            throw LedgerError(.invalidValue, "a public key must be base64, got \(LedgerError.quoted(base64))")
        }
        try self.init(Array(data))
    }

    public var base64: String { Data(bytes).base64EncodedString() }
    public var description: String { base64 }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            try self.init(base64: try container.decode(String.self))
        } catch let error as LedgerError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(base64)
    }
}
