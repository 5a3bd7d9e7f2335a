import Foundation

/// The checksum of a migration's contents as lowercase hex, 8 to 128 characters
/// (a SHA-256 is 64). A migration must not change once applied.
public struct MigrationChecksum: LedgerName {
    public let rawValue: String

    private static let rule = NameRule(
        first: NameRule.isLowerHex, rest: NameRule.isLowerHex, minLength: 8, maxLength: 128)

    public init(_ text: String) throws {
        guard Self.rule.accepts(text) else {
            throw LedgerError(
                .invalidValue,
                "invalid migration checksum \(LedgerError.quoted(text)): expected 8 to 128 lowercase hex characters"
            )
        }
        rawValue = text
    }
}
