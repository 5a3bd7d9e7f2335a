import Foundation

/// One thing a person did, as `shiplog audit --actor` lists it.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var position: Int64
    /// When the ledger recorded it.
    public var at: Date
    public var actor: String
    public var type: String
    public var stream: String
    /// One line: "approved d-42 (web 1.2.3 to prod) via cli".
    public var summary: String
    /// Why it does not count, when it does not (forged, unsigned, not allowed): never acted on.
    public var notCounted: String?
}
