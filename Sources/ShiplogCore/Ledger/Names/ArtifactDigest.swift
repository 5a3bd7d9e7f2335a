import Foundation

/// The content digest of a built artifact (a container image): `sha256:` followed by
/// 64 lowercase hex characters, as registries print it.
public struct ArtifactDigest: LedgerName {
    public let rawValue: String

    private static let hexRule = NameRule(
        first: NameRule.isLowerHex, rest: NameRule.isLowerHex, minLength: 64, maxLength: 64)

    public init(_ text: String) throws {
        guard text.hasPrefix("sha256:"), Self.hexRule.accepts(String(text.dropFirst(7))) else {
            throw LedgerError(
                .invalidValue,
                "malformed artifact digest \(LedgerError.quoted(text)): expected sha256: followed by 64 hex characters"
            )
        }
        rawValue = text
    }

    /// The first 12 hex characters, for tables and messages (`sha256:4f2a9c1e07bd`).
    public var short: String { String(rawValue.prefix(19)) }
}
