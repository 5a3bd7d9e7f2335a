import Foundation

/// A lock that closes the gate: on a whole environment (`service == nil`, kept on stream
/// `env-<env>`) or on one service in it (kept on `env-<env>-<service>`). A deploy of web to prod
/// is blocked by a lock on prod and by a lock on web in prod. Break-glass does not pass a lock.
public struct EnvironmentLock: Hashable, Sendable, Codable, CustomStringConvertible {
    public var environment: Environment
    public var service: ServiceName?
    public var reason: String
    public var lockedBy: LedgerActor
    public var lockedAt: Date

    public init(environment: Environment, service: ServiceName?, reason: String, lockedBy: LedgerActor, lockedAt: Date)
    {
        self.environment = environment
        self.service = service
        self.reason = reason
        self.lockedBy = lockedBy
        self.lockedAt = lockedAt
    }

    /// True when this lock closes the gate for `service` in `environment`.
    public func applies(to service: ServiceName, in environment: Environment) -> Bool {
        self.environment == environment && (self.service == nil || self.service == service)
    }

    /// The stream the lock lives on.
    public var stream: LedgerStream {
        EnvironmentLocks.stream(environment: environment, service: service)
    }

    /// "prod is locked by ops: incident 123" or "web on prod is locked by ops: incident 123".
    public var description: String {
        let what = service.map { "\($0) on \(environment)" } ?? environment.rawValue
        return "\(what) is locked by \(lockedBy.name): \(reason)"
    }
}
