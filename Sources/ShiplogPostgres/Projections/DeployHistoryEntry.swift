import Foundation

/// One deploy, as `shiplog history` lists it: who asked for what, where, approved by whom,
/// and how it went. Break-glass and unrecorded builds are flagged.
///
/// Encode with `LedgerEvent.makeEncoder()` (or any ISO 8601 date strategy) for RFC 3339 times.
public struct DeployHistoryEntry: Sendable, Hashable, Codable {
    public var id: String
    public var service: String
    public var environment: String
    public var version: String
    public var artifact: String
    public var requester: String
    /// Everyone whose approval was recorded, once each, in order. Whether an approval counted
    /// is the gate's call: see `countedApprovers`.
    public var approvers: [String]
    /// How many approval events were recorded.
    public var approvalCount: Int
    /// The approvals the gate counted when the deploy started; nil until it started.
    public var countedApprovers: [String]?
    public var outcome: HistoryOutcome
    public var requestedAt: Date
    public var startedAt: Date?
    public var startedBy: String?
    /// When it succeeded, failed, was rejected or cancelled.
    public var finishedAt: Date?
    /// Who recorded that.
    public var finishedBy: String?
    public var breakGlass: Bool
    public var breakGlassReason: String?
    /// True when no build was recorded for the version (`--allow-unrecorded`).
    public var allowUnrecorded: Bool
    /// The requester's reason.
    public var reason: String?
    /// The reason given for a rejection, cancellation or failure.
    public var outcomeReason: String?
    public var commit: String?
    public var rollback: Rollback?
    /// The position of the deploy's newest event.
    public var lastPosition: Int64

    /// The rollback of a deploy.
    public struct Rollback: Sendable, Hashable, Codable {
        public var startedAt: Date
        /// Nil when the rollback watcher started it.
        public var startedBy: String?
        /// The alarm that caused it.
        public var alarm: String?
        public var automatic: Bool
        public var toVersion: String?
        public var toArtifact: String?
        public var reason: String?
        /// When it succeeded or failed (see `outcome`).
        public var finishedAt: Date?
        public var finishedBy: String?
    }
}
