import Foundation
import ShiplogPostgres

/// One deploy as `history --json` and `GET /v1/history` show it: every field present (null
/// when unknown). Once started, `approvers` are the approvals the gate counted; before, every
/// approval given so far.
public struct HistoryRow: Codable, Sendable, Hashable {
    public var id: String
    public var service: String
    public var environment: String
    public var version: String
    public var artifact: String
    public var requester: String
    public var approvers: [String]
    public var approvalCount: Int
    public var outcome: HistoryOutcome
    public var requestedAt: Date
    public var startedAt: Date?
    public var startedBy: String?
    public var finishedAt: Date?
    public var breakGlass: Bool
    public var breakGlassReason: String?
    public var allowUnrecorded: Bool
    public var reason: String?
    /// The version a rollback returned to.
    public var rollback: String?

    public init(_ entry: DeployHistoryEntry) {
        id = entry.id
        service = entry.service
        environment = entry.environment
        version = entry.version
        artifact = entry.artifact
        requester = entry.requester
        approvers = entry.countedApprovers ?? entry.approvers
        approvalCount = entry.approvalCount
        outcome = entry.outcome
        requestedAt = entry.requestedAt
        startedAt = entry.startedAt
        startedBy = entry.startedBy
        finishedAt = entry.finishedAt
        breakGlass = entry.breakGlass
        breakGlassReason = entry.breakGlassReason
        allowUnrecorded = entry.allowUnrecorded
        reason = entry.reason
        rollback = entry.rollback?.toVersion
    }

    private enum CodingKeys: String, CodingKey {
        case id, service, environment, version, artifact, requester, approvers, approvalCount, outcome, requestedAt,
            startedAt, startedBy, finishedAt, breakGlass, breakGlassReason, allowUnrecorded, reason, rollback
    }

    /// Nulls are written, not left out: every row has every field.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(service, forKey: .service)
        try container.encode(environment, forKey: .environment)
        try container.encode(version, forKey: .version)
        try container.encode(artifact, forKey: .artifact)
        try container.encode(requester, forKey: .requester)
        try container.encode(approvers, forKey: .approvers)
        try container.encode(approvalCount, forKey: .approvalCount)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(requestedAt, forKey: .requestedAt)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(startedBy, forKey: .startedBy)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(breakGlass, forKey: .breakGlass)
        try container.encode(breakGlassReason, forKey: .breakGlassReason)
        try container.encode(allowUnrecorded, forKey: .allowUnrecorded)
        try container.encode(reason, forKey: .reason)
        try container.encode(rollback, forKey: .rollback)
    }
}
