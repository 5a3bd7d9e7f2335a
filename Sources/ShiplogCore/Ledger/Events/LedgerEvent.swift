import Foundation

/// Every kind of event on the ledger. Each case carries a payload struct of the same name
/// (`.deployRequested(LedgerEvent.DeployRequested)`); `type` is that name.
///
/// The catalogue is DESIGN.md's, plus `ActiveDeployOpened` / `ActiveDeployClosed` on the
/// `env-<environment>-<service>` stream, which carry the one-active-deploy rule: every request
/// and every finish appends to that stream, so two racing requests conflict on its version.
public enum LedgerEvent: Hashable, Sendable {
    // Trust root (`ledger`)
    case ledgerInitialized(LedgerInitialized)
    case adminAdded(AdminAdded)
    case checkpointKeySet(CheckpointKeySet)
    case adminRemoved(AdminRemoved)
    // Approvers (`approvers`)
    case approverEnrolled(ApproverEnrolled)
    case approverRevoked(ApproverRevoked)
    // Policy (`policy-<env>`)
    case policySet(PolicySet)
    // Deploy targets (`env-<env>-<service>`)
    case targetSet(TargetSet)
    // API tokens (`tokens`)
    case tokenIssued(TokenIssued)
    case tokenRevoked(TokenRevoked)
    // Builds (`build-<service>/<version>`)
    case buildRecorded(BuildRecorded)
    // Migrations (`migrations-<env>`)
    case migrationApplied(MigrationApplied)
    case migrationFailed(MigrationFailed)
    // Deploys (`deploy-<id>`)
    case deployRequested(DeployRequested)
    case deployApproved(DeployApproved)
    case deployRejected(DeployRejected)
    case deployCancelled(DeployCancelled)
    case deployStarted(DeployStarted)
    case deploySucceeded(DeploySucceeded)
    case deployFailed(DeployFailed)
    // Locks (`env-<env>` for a whole environment, `env-<env>-<service>` for one service)
    case environmentLocked(EnvironmentLocked)
    case environmentUnlocked(EnvironmentUnlocked)
    // One active deploy (`env-<env>-<service>`)
    case activeDeployOpened(ActiveDeployOpened)
    case activeDeployClosed(ActiveDeployClosed)
    // Alarms (`alarm-<name>`)
    case alarmRaised(AlarmRaised)
    case alarmResolved(AlarmResolved)
    // Rollbacks (`deploy-<id>`)
    case rollbackStarted(RollbackStarted)
    case rollbackSucceeded(RollbackSucceeded)
    case rollbackFailed(RollbackFailed)
    // Refused attempts (`refusals-<yyyy-mm-dd>`)
    case actionRefused(ActionRefused)

    /// The event type as stored: the case's name in UpperCamelCase, e.g. `DeployRequested`.
    public var type: String {
        switch self {
        case .ledgerInitialized: return "LedgerInitialized"
        case .adminAdded: return "AdminAdded"
        case .checkpointKeySet: return "CheckpointKeySet"
        case .adminRemoved: return "AdminRemoved"
        case .approverEnrolled: return "ApproverEnrolled"
        case .approverRevoked: return "ApproverRevoked"
        case .policySet: return "PolicySet"
        case .targetSet: return "TargetSet"
        case .tokenIssued: return "TokenIssued"
        case .tokenRevoked: return "TokenRevoked"
        case .buildRecorded: return "BuildRecorded"
        case .migrationApplied: return "MigrationApplied"
        case .migrationFailed: return "MigrationFailed"
        case .deployRequested: return "DeployRequested"
        case .deployApproved: return "DeployApproved"
        case .deployRejected: return "DeployRejected"
        case .deployCancelled: return "DeployCancelled"
        case .deployStarted: return "DeployStarted"
        case .deploySucceeded: return "DeploySucceeded"
        case .deployFailed: return "DeployFailed"
        case .environmentLocked: return "EnvironmentLocked"
        case .environmentUnlocked: return "EnvironmentUnlocked"
        case .activeDeployOpened: return "ActiveDeployOpened"
        case .activeDeployClosed: return "ActiveDeployClosed"
        case .alarmRaised: return "AlarmRaised"
        case .alarmResolved: return "AlarmResolved"
        case .rollbackStarted: return "RollbackStarted"
        case .rollbackSucceeded: return "RollbackSucceeded"
        case .rollbackFailed: return "RollbackFailed"
        case .actionRefused: return "ActionRefused"
        }
    }

    /// Every event type, in catalogue order.
    public static let allTypes: [String] = [
        "LedgerInitialized", "AdminAdded", "AdminRemoved", "CheckpointKeySet", "ApproverEnrolled", "ApproverRevoked", "PolicySet",
        "TargetSet", "TokenIssued", "TokenRevoked", "BuildRecorded", "MigrationApplied",
        "MigrationFailed", "DeployRequested", "DeployApproved", "DeployRejected", "DeployCancelled",
        "DeployStarted", "DeploySucceeded", "DeployFailed", "EnvironmentLocked", "EnvironmentUnlocked",
        "ActiveDeployOpened", "ActiveDeployClosed", "AlarmRaised", "AlarmResolved", "RollbackStarted",
        "RollbackSucceeded", "RollbackFailed", "ActionRefused",
    ]

    /// Who caused the event; nil for what the system observed by itself (alarms, automatic
    /// rollbacks) and for the approval, whose person is `DeployApproved.approver`.
    public var actor: LedgerActor? {
        switch self {
        case .ledgerInitialized(let e): return LedgerActor(name: e.admin, keyID: e.keyID)
        case .adminAdded(let e): return e.addedBy
        case .checkpointKeySet(let e): return e.setBy
        case .adminRemoved(let e): return e.removedBy
        case .approverEnrolled(let e): return e.enrolledBy
        case .approverRevoked(let e): return e.revokedBy
        case .policySet(let e): return e.setBy
        case .targetSet(let e): return e.setBy
        case .tokenIssued(let e): return e.issuedBy
        case .tokenRevoked(let e): return e.revokedBy
        case .buildRecorded(let e): return e.recordedBy
        case .migrationApplied(let e): return e.recordedBy
        case .migrationFailed(let e): return e.recordedBy
        case .deployRequested(let e): return e.requestedBy
        case .deployApproved: return nil
        case .deployRejected(let e): return e.rejectedBy
        case .deployCancelled(let e): return e.cancelledBy
        case .deployStarted(let e): return e.startedBy
        case .deploySucceeded(let e): return e.recordedBy
        case .deployFailed(let e): return e.recordedBy
        case .environmentLocked(let e): return e.lockedBy
        case .environmentUnlocked(let e): return e.unlockedBy
        case .activeDeployOpened(let e): return e.openedBy
        case .activeDeployClosed: return nil
        case .alarmRaised, .alarmResolved: return nil
        case .rollbackStarted(let e): return e.startedBy
        case .rollbackSucceeded(let e): return e.recordedBy
        case .rollbackFailed(let e): return e.recordedBy
        case .actionRefused(let e): return e.recordedBy
        }
    }

    /// The name written to the log's `actor` column: the actor, or for an approval the person
    /// approving; nil for what the system observed by itself.
    public var recordedActorName: String? {
        if case .deployApproved(let e) = self { return e.approver.rawValue }
        if case .actionRefused(let e) = self, let person = e.person { return person.rawValue }
        return actor?.name.rawValue
    }

    /// When it happened, as the command's `now` said.
    public var occurredAt: Date {
        switch self {
        case .ledgerInitialized(let e): return e.initializedAt
        case .adminAdded(let e): return e.addedAt
        case .checkpointKeySet(let e): return e.setAt
        case .adminRemoved(let e): return e.removedAt
        case .approverEnrolled(let e): return e.enrolledAt
        case .approverRevoked(let e): return e.revokedAt
        case .policySet(let e): return e.setAt
        case .targetSet(let e): return e.setAt
        case .tokenIssued(let e): return e.issuedAt
        case .tokenRevoked(let e): return e.revokedAt
        case .buildRecorded(let e): return e.recordedAt
        case .migrationApplied(let e): return e.appliedAt
        case .migrationFailed(let e): return e.failedAt
        case .deployRequested(let e): return e.requestedAt
        case .deployApproved(let e): return e.approvedAt
        case .deployRejected(let e): return e.rejectedAt
        case .deployCancelled(let e): return e.cancelledAt
        case .deployStarted(let e): return e.startedAt
        case .deploySucceeded(let e): return e.succeededAt
        case .deployFailed(let e): return e.failedAt
        case .environmentLocked(let e): return e.lockedAt
        case .environmentUnlocked(let e): return e.unlockedAt
        case .activeDeployOpened(let e): return e.openedAt
        case .activeDeployClosed(let e): return e.closedAt
        case .alarmRaised(let e): return e.raisedAt
        case .alarmResolved(let e): return e.resolvedAt
        case .rollbackStarted(let e): return e.startedAt
        case .rollbackSucceeded(let e): return e.succeededAt
        case .rollbackFailed(let e): return e.failedAt
        case .actionRefused(let e): return e.refusedAt
        }
    }
}
