import Foundation

/// An admin's decision to start a deploy past the gate (`--break-glass --reason`).
///
/// Break-glass passes missing approvals and freeze windows. It does not pass an explicit lock:
/// a lock is someone saying "stop" on purpose (an incident, a migration), and whoever wants to
/// override it unlocks first, on the record. Callers check the admin key before building one.
public struct BreakGlass: Hashable, Sendable, Codable {
    public var reason: String
    /// The admin who broke glass.
    public var by: LedgerActor

    public init(reason: String, by: LedgerActor) {
        self.reason = reason
        self.by = by
    }
}
