import Foundation

/// A Slack user id such as `U024BE7LH` or `W012A3CDE`: 2 to 32 uppercase letters and digits.
public struct SlackUserID: LedgerName {
    public let rawValue: String

    private static let rule = NameRule(
        first: NameRule.isUpperLetter,
        rest: { NameRule.isUpperLetter($0) || NameRule.isDigit($0) },
        minLength: 2,
        maxLength: 32)

    public init(_ text: String) throws {
        guard Self.rule.accepts(text) else {
            throw LedgerError(
                .invalidValue,
                "invalid Slack user id \(LedgerError.quoted(text)): expected uppercase letters and digits, like U024BE7LH"
            )
        }
        rawValue = text
    }
}
