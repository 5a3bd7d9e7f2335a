import Foundation

/// The version of a service as its team names it: `1.2.3`, `2026.11.22-4f2a9c1`, `v42`,
/// `1.0.0+build.7`. 1 to 128 letters, digits, `.`, `_`, `+` and `-`, starting with a letter
/// or digit; no spaces, so it fits on one line of an approval statement.
public struct ServiceVersion: LedgerName {
    public let rawValue: String

    private static let rule = NameRule(
        first: NameRule.isAlnum,
        rest: { byte in
            NameRule.isAlnum(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
        },
        maxLength: 128)

    public init(_ text: String) throws {
        guard Self.rule.accepts(text) else {
            throw LedgerError(
                .invalidValue,
                "invalid version \(LedgerError.quoted(text)): use 1 to 128 letters, digits, '.', '_', '+' and '-', starting with a letter or digit"
            )
        }
        rawValue = text
    }
}
