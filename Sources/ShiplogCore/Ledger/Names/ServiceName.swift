import Foundation

/// The name of a deployed service such as `web`, `api` or `home-health-aid-web`:
/// 1 to 63 lowercase letters, digits and `-`, starting with a letter or digit
/// (`[a-z0-9][a-z0-9-]{0,62}`).
public struct ServiceName: LedgerName {
    public let rawValue: String

    private static let rule = NameRule(
        first: NameRule.isLowerAlnum,
        rest: { NameRule.isLowerAlnum($0) || $0 == UInt8(ascii: "-") },
        maxLength: 63)

    public init(_ text: String) throws {
        guard Self.rule.accepts(text) else {
            throw LedgerError(
                .invalidValue,
                "invalid service name \(LedgerError.quoted(text)): use 1 to 63 lowercase letters, digits and '-', starting with a letter or digit"
            )
        }
        rawValue = text
    }
}
