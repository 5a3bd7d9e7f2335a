import Foundation

/// The enrolled name of a person or machine that acts on the ledger (`alice`, `ci-web`,
/// `slack-bot`): 1 to 64 lowercase letters, digits, `.`, `_` and `-`, starting with a letter
/// or digit. A person keeps one name across key changes; the gate counts a name once.
public struct ActorName: LedgerName {
    public let rawValue: String

    private static let rule = NameRule(
        first: NameRule.isLowerAlnum,
        rest: { byte in
            NameRule.isLowerAlnum(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-")
        },
        maxLength: 64)

    public init(_ text: String) throws {
        guard Self.rule.accepts(text) else {
            throw LedgerError(
                .invalidValue,
                "invalid name \(LedgerError.quoted(text)): use 1 to 64 lowercase letters, digits, '.', '_' and '-', starting with a letter or digit"
            )
        }
        rawValue = text
    }
}
