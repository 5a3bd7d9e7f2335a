import Foundation

/// One message owed to Slack (`outbox`, migration 0010): the event that caused it and where
/// its delivery stands.
public struct OutboxEntry: Sendable, Codable, Equatable {
    public var id: Int64
    public var position: Int64
    public var eventType: String
    /// The deploy id, or `env[/service]` for a lock.
    public var subject: String
    /// `pending`, `delivered`, `failed` (permanent; not retried) or `skipped` (its event does not count).
    public var state: String
    public var attempts: Int
    /// How often a worker took it; above 1, an earlier attempt's outcome may be unknown.
    public var claims: Int
    public var lastError: String?
    public var createdAt: Date
    public var deliveredAt: Date?
}
