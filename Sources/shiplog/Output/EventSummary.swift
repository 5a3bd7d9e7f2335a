import ShiplogCore

/// One line per ledger event, in the users' words, for timelines.
enum EventSummary {
    static func line(_ event: LedgerEvent) -> String {
        switch event {
        case .deployRequested(let e):
            "\(e.requestedBy) requested \(e.service) \(e.version) to \(e.environment)"
                + (e.reason.map { ": \($0)" } ?? "") + (e.allowUnrecorded ? " (UNRECORDED artifact allowed)" : "")
        case .deployApproved(let e): "\(e.approver) approved (key \(e.signerKeyID), via \(e.via.isPersonalKey ? "cli" : "slack"))"
        case .deployRejected(let e): "\(e.rejectedBy) rejected: \(e.reason)"
        case .deployCancelled(let e): "\(e.cancelledBy) cancelled" + (e.reason.map { ": \($0)" } ?? "")
        case .deployStarted(let e):
            "\(e.startedBy) started"
                + (e.breakGlass ? " with BREAK-GLASS: \(e.breakGlassReason ?? "")" : " (approved by \(e.approvedBy.map(\.rawValue).joined(separator: ", ")))")
        case .deploySucceeded(let e): "\(e.recordedBy) recorded success"
        case .deployFailed(let e): "\(e.recordedBy) recorded failure" + (e.reason.map { ": \($0)" } ?? "")
        case .rollbackStarted(let e):
            (e.automatic ? "automatic rollback" : "\(e.startedBy.map(\.name.rawValue) ?? "someone") started a rollback")
                + " from \(e.fromVersion) to \(e.toVersion)" + (e.alarm.map { " (alarm \($0))" } ?? "")
        case .rollbackSucceeded(let e): "rollback to \(e.version) succeeded"
        case .rollbackFailed(let e): "rollback failed" + (e.reason.map { ": \($0)" } ?? "")
        case .alarmRaised(let e): "alarm \(e.alarm) raised" + (e.reason.map { ": \($0)" } ?? "")
        case .alarmResolved(let e): "alarm \(e.alarm) resolved"
        case .buildRecorded(let e): "\(e.recordedBy) recorded build \(e.service) \(e.version) (\(e.artifact))"
        default: event.type
        }
    }
}
