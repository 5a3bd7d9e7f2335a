import Foundation

/// The name of a CloudWatch alarm, e.g. `prod-web-5xx-errors`: 1 to 255 printable ASCII
/// characters (CloudWatch's own limit), not starting or ending with a space.
public struct AlarmName: LedgerName {
    public let rawValue: String

    private static let rule = NameRule(
        first: { $0 > 0x20 && $0 < 0x7F },
        rest: { $0 >= 0x20 && $0 < 0x7F },
        maxLength: 255)

    public init(_ text: String) throws {
        guard Self.rule.accepts(text), !text.hasSuffix(" ") else {
            throw LedgerError(
                .invalidValue,
                "invalid alarm name \(LedgerError.quoted(text)): use 1 to 255 printable ASCII characters, no leading or trailing space"
            )
        }
        rawValue = text
    }
}
