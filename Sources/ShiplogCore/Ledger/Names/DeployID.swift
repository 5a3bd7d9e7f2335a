import Foundation

/// The id of a deploy: `d-` followed by a short id the app generates (1 to 40 lowercase
/// letters or digits), e.g. `d-42` or `d-7k3m9q`.
public struct DeployID: LedgerName {
    public let rawValue: String

    private static let shortRule = NameRule(
        first: NameRule.isLowerAlnum, rest: NameRule.isLowerAlnum, maxLength: 40)

    /// Parses a full deploy id such as `d-42`.
    public init(_ text: String) throws {
        guard text.hasPrefix("d-"), Self.shortRule.accepts(String(text.dropFirst(2))) else {
            throw LedgerError(
                .invalidValue,
                "invalid deploy id \(LedgerError.quoted(text)): expected d- followed by 1 to 40 lowercase letters or digits, like d-42"
            )
        }
        rawValue = text
    }

    /// Builds a deploy id from the short id the app generated (`42` gives `d-42`).
    public init(shortID: String) throws {
        try self.init("d-" + shortID)
    }
}
