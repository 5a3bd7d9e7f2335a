import Foundation

/// The name of a database migration, usually its file name (`0003_add_orders_index.sql`):
/// 1 to 200 letters, digits, `.`, `_` and `-`, starting with a letter or digit.
public struct MigrationName: LedgerName {
    public let rawValue: String

    private static let rule = NameRule(
        first: NameRule.isAlnum,
        rest: { byte in
            NameRule.isAlnum(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-")
        },
        maxLength: 200)

    public init(_ text: String) throws {
        guard Self.rule.accepts(text) else {
            throw LedgerError(
                .invalidValue,
                "invalid migration name \(LedgerError.quoted(text)): use 1 to 200 letters, digits, '.', '_' and '-'"
            )
        }
        rawValue = text
    }
}
