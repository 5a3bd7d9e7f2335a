import Foundation
import ShiplogCore

/// One approval as `deploy gate --json` and `show --json` print it: counted, or why not.
struct ApprovalReport: Encodable {
    var approver: String
    var keyId: String
    var via: String
    var approvedAt: String
    var expiresAt: String?
    var counted: Bool
    var reason: String?

    init(_ verdict: ApprovalVerdict, expiresAt: Date? = nil) {
        approver = verdict.approver.rawValue
        keyId = verdict.signerKeyID.rawValue
        via = verdict.via.isPersonalKey ? "cli" : "slack"
        approvedAt = Timestamps.iso8601(verdict.approvedAt)
        self.expiresAt = expiresAt.map(Timestamps.iso8601)
        counted = verdict.counted
        reason = verdict.reason
    }
}
