import Foundation

/// One service in one environment, as `shiplog status` shows it: what runs, who deployed it
/// with whose approvals, what ran before, and what stands in the way of the next deploy.
///
/// Encode with `LedgerEvent.makeEncoder()` (or any ISO 8601 date strategy) for RFC 3339 times.
public struct ServiceStatus: Sendable, Hashable, Codable {
    public var environment: String
    public var service: String
    /// The running release; nil before the first successful deploy.
    public var version: String?
    public var artifact: String?
    public var deployedBy: String?
    public var deployedAt: Date?
    /// The deploy that brought the running release (nil for a release of unknown origin).
    public var deployID: String?
    /// The approvals the gate counted for that deploy.
    public var approvers: [String]
    /// True when the running release was started past the gate.
    public var breakGlass: Bool
    /// The release before the running one: where a rollback goes.
    public var lastKnownGood: Release?
    /// Alarms in ALARM for this service, or for the whole environment.
    public var activeAlarms: [String]
    /// Locks closing the gate here: the environment-wide one first, then the service's own.
    public var locks: [Lock]
    /// The deploy or rollback holding the service's active slot.
    public var inFlight: InFlight?

    /// True when a lock closes the gate for this service.
    public var isLocked: Bool { !locks.isEmpty }

    /// A release that ran.
    public struct Release: Sendable, Hashable, Codable {
        public var deployID: String?
        public var version: String
        public var artifact: String
        public var deployedBy: String?
        public var deployedAt: Date
    }

    /// A lock in force.
    public struct Lock: Sendable, Hashable, Codable {
        public enum Scope: String, Sendable, Hashable, Codable {
            /// Every service of the environment (`shiplog lock --env ENV`).
            case environment
            /// This service only (`shiplog lock --env ENV --service S`).
            case service
        }

        public var scope: Scope
        public var lockedBy: String
        public var reason: String
        public var since: Date
    }

    /// The deploy (or rollback) in flight.
    public struct InFlight: Sendable, Hashable, Codable {
        public var deployID: String
        /// `deploy` or `rollback`.
        public var purpose: String
        /// Where the deploy is: `requested`, `started` or `rolling_back` (nil if the projection
        /// has the slot but not the deploy, which only a damaged ledger can cause).
        public var status: HistoryOutcome?
        /// What will run if it succeeds.
        public var version: String
        public var artifact: String
        public var openedBy: String?
        public var openedAt: Date
    }
}
