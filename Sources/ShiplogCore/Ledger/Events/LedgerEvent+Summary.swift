import Foundation

extension LedgerEvent {
    /// One line saying what the event did, in the users' words, without who did it (a
    /// timeline puts the actor in front, `audit` lists one person's lines). The one wording
    /// of an event: `show`, `audit` and the server's messages all use it.
    public var summary: String {
        switch self {
        case .ledgerInitialized(let e): return "initialized the ledger with admin \(e.admin)"
        case .adminAdded(let e): return "added admin \(e.admin)"
        case .checkpointKeySet(let e): return "set the checkpoint key of \(e.origin) to \(e.keyID)"
        case .adminRemoved(let e): return "removed admin \(e.admin)"
        case .approverEnrolled(let e):
            let environments = e.environments.isEmpty ? "no environment" : e.environments.map(\.rawValue).joined(separator: ",")
            return "enrolled \(e.name) (\(e.kind.rawValue)) for \(environments)"
        case .approverRevoked(let e): return "revoked \(e.name) (key \(e.keyID))"
        case .policySet(let e): return "set the \(e.environment) policy: \(e.policy.approvalsRequired) approval(s)"
        case .targetSet(let e):
            return "set \(e.service) on \(e.environment) to run in \(e.target.cluster)/\(e.target.ecsService)"
        case .tokenIssued(let e): return "issued token \(e.tokenID) (\(e.label))"
        case .tokenRevoked(let e): return "revoked token \(e.tokenID)"
        case .buildRecorded(let e): return "recorded build \(e.service) \(e.version) (\(e.artifact.rawValue.prefix(19)))"
        case .migrationApplied(let e): return "applied migration \(e.name) on \(e.environment)"
        case .migrationFailed(let e): return "recorded failed migration \(e.name) on \(e.environment)"
        case .deployRequested(let e):
            return "requested \(e.service) \(e.version) to \(e.environment) (\(e.deployID))"
                + (e.allowUnrecorded ? ", unrecorded build" : "")
        case .deployApproved(let e):
            return "approved \(e.deployID) (\(e.statement.service) \(e.statement.version) to \(e.statement.environment)) via \(e.via.isPersonalKey ? "cli" : "slack")"
        case .deployRejected(let e): return "rejected \(e.deployID) (\(e.service) on \(e.environment)): \(e.reason)"
        case .deployCancelled(let e): return "cancelled \(e.deployID) (\(e.service) on \(e.environment))"
        case .deployStarted(let e):
            return "started \(e.deployID): \(e.service) \(e.version) to \(e.environment)"
                + (e.breakGlass
                    ? ", BREAK-GLASS: \(e.breakGlassReason ?? "")"
                    : e.approvedBy.isEmpty ? "" : " (approved by \(e.approvedBy.map(\.rawValue).joined(separator: ", ")))")
        case .deploySucceeded(let e): return "recorded \(e.deployID) succeeded: \(e.service) \(e.version) on \(e.environment)"
        case .deployFailed(let e):
            return "recorded \(e.deployID) failed: \(e.service) \(e.version) on \(e.environment)"
                + (e.reason.map { ": \($0)" } ?? "")
        case .environmentLocked(let e): return "locked \(Self.place(e.environment, e.service)): \(e.reason)"
        case .environmentUnlocked(let e): return "unlocked \(Self.place(e.environment, e.service))"
        case .activeDeployOpened(let e): return "opened \(e.deployID) for \(e.service) on \(e.environment)"
        case .activeDeployClosed(let e):
            return "closed \(e.deployID) for \(e.service) on \(e.environment) (\(e.outcome.rawValue))"
        case .alarmRaised(let e): return "alarm \(e.alarm) raised" + (e.reason.map { ": \($0)" } ?? "")
        case .alarmResolved(let e): return "alarm \(e.alarm) resolved"
        case .rollbackStarted(let e):
            return (e.automatic ? "automatically started" : "started")
                + " rolling back \(e.deployID): \(e.service) on \(e.environment) from \(e.fromVersion) to \(e.toVersion)"
                + (e.alarm.map { " (alarm \($0))" } ?? "")
        case .rollbackSucceeded(let e): return "recorded \(e.deployID) rolled back: \(e.service) \(e.version) runs on \(e.environment)"
        case .rollbackFailed(let e): return "recorded the rollback of \(e.deployID) failed" + (e.reason.map { ": \($0)" } ?? "")
        case .actionRefused(let e):
            return "refused Slack user \(e.evidence.userID)\(e.person.map { " (\($0))" } ?? "") \(e.attempt): \(e.reason)"
        }
    }

    private static func place(_ environment: Environment, _ service: ServiceName?) -> String {
        service.map { "\($0) on \(environment)" } ?? environment.rawValue
    }
}
