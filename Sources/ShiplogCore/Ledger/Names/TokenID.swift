import Foundation

/// The public id of an API token (the secret part is never on the ledger, only its hash):
/// 1 to 58 lowercase letters, digits and `-`, starting with a letter or digit (it acts as `token-<id>`, a name of at most 64).
public struct TokenID: LedgerName {
    public let rawValue: String

    private static let rule = NameRule(
        first: NameRule.isLowerAlnum,
        rest: { NameRule.isLowerAlnum($0) || $0 == UInt8(ascii: "-") },
        maxLength: 58)

    public init(_ text: String) throws {
        guard Self.rule.accepts(text) else {
            throw LedgerError(
                .invalidValue,
                "invalid token id \(LedgerError.quoted(text)): use 1 to 58 lowercase letters, digits and '-'")
        }
        rawValue = text
    }
}
