import Foundation
import ShiplogCore

/// One approval as `deploy gate --json` and `show --json` print it: counted, or why not.
public struct ApprovalReport: Codable, Sendable, Hashable {
    public var approver: String
    public var keyId: String
    public var via: String
    public var approvedAt: String
    public var expiresAt: String?
    public var counted: Bool
    public var reason: String?

    public init(_ verdict: ApprovalVerdict, expiresAt: Date? = nil) {
        approver = verdict.approver.rawValue
        keyId = verdict.signerKeyID.rawValue
        via = verdict.via.isPersonalKey ? "cli" : "slack"
        approvedAt = Timestamps.iso8601(verdict.approvedAt)
        self.expiresAt = expiresAt.map(Timestamps.iso8601)
        counted = verdict.counted
        reason = verdict.reason
    }
}
