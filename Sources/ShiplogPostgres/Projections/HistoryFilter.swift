import Foundation

/// Which deploys `shiplog history` lists. Every field narrows the list; nil means any.
public struct HistoryFilter: Sendable, Hashable {
    public var environment: String?
    public var service: String?
    /// Deploys this person took part in: requested, approved, started, rejected, cancelled,
    /// or started or recorded a rollback of.
    public var actor: String?
    /// Requested at or after this time.
    public var since: Date?
    /// Requested before this time.
    public var until: Date?
    public var outcome: HistoryOutcome?
    /// At most this many, newest first.
    public var limit: Int

    public init(
        environment: String? = nil,
        service: String? = nil,
        actor: String? = nil,
        since: Date? = nil,
        until: Date? = nil,
        outcome: HistoryOutcome? = nil,
        limit: Int = 50
    ) {
        self.environment = environment
        self.service = service
        self.actor = actor
        self.since = since
        self.until = until
        self.outcome = outcome
        self.limit = limit
    }
}
