import Foundation

/// The id of a signing key: a short fingerprint of its Ed25519 public key, 16 lowercase
/// hex characters. ShiplogCrypto computes it from the public key; the domain only carries it.
public struct SignerKeyID: LedgerName {
    public let rawValue: String

    private static let rule = NameRule(
        first: NameRule.isLowerHex, rest: NameRule.isLowerHex, minLength: 16, maxLength: 16)

    public init(_ text: String) throws {
        guard Self.rule.accepts(text) else {
            throw LedgerError(
                .invalidValue, "invalid key id \(LedgerError.quoted(text)): expected 16 lowercase hex characters")
        }
        rawValue = text
    }
}
