import Foundation

/// The name of an environment such as `prod`, `staging` or `eu_prod`.
///
/// 1 to 32 characters: lowercase letters, digits and `_`, starting with a letter or digit.
/// `-` is not allowed because it separates environment and service in the stream name
/// `env-<environment>-<service>`: with `prod-eu` and `web`, `env-prod-eu-web` could also mean
/// environment `prod`, service `eu-web`.
public struct Environment: LedgerName {
    public let rawValue: String

    private static let rule = NameRule(
        first: NameRule.isLowerAlnum,
        rest: { NameRule.isLowerAlnum($0) || $0 == UInt8(ascii: "_") },
        maxLength: 32)

    public init(_ text: String) throws {
        guard Self.rule.accepts(text) else {
            var message =
                "invalid environment \(LedgerError.quoted(text)): use 1 to 32 lowercase letters, digits and '_', starting with a letter or digit"
            if text.contains("-") {
                message +=
                    " ('-' is not allowed: it separates environment and service in stream names; try "
                    + LedgerError.quoted(text.replacingOccurrences(of: "-", with: "_")) + ")"
            }
            throw LedgerError(.invalidValue, message)
        }
        rawValue = text
    }
}
