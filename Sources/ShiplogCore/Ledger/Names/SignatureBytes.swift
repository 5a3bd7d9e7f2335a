import Foundation

/// The bytes of a detached signature (64 for Ed25519). Encodes as base64 in JSON.
///
/// The length is not checked here: a damaged signature must still load so that the gate and
/// `shiplog verify` can say it does not verify.
public struct SignatureBytes: Hashable, Sendable, Codable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init(base64: String) throws {
        guard let data = Data(base64Encoded: base64) else {
            throw LedgerError(.invalidValue, "a signature must be base64")
        }
        bytes = Array(data)
    }

    public var base64: String { Data(bytes).base64EncodedString() }

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
