import Foundation

extension LedgerEvent {
    /// The stream this event belongs on, named by its own payload: an event recorded on any
    /// other stream is not counted (a policy for prod on `policy-staging`, an approval of d-1 on
    /// `deploy-d-2`).
    public var homeStream: LedgerStream {
        switch self {
        case .ledgerInitialized, .adminAdded, .adminRemoved, .checkpointKeySet: return .ledger
        case .approverEnrolled, .approverRevoked: return .approvers
        case .policySet(let e): return .policy(e.environment)
        case .targetSet(let e): return .serviceEnvironment(e.environment, e.service)
        case .tokenIssued, .tokenRevoked: return .tokens
        case .buildRecorded(let e): return .build(e.service, e.version)
        case .migrationApplied(let e): return .migrations(e.environment)
        case .migrationFailed(let e): return .migrations(e.environment)
        case .deployRequested(let e): return .deploy(e.deployID)
        case .deployApproved(let e): return .deploy(e.deployID)
        case .deployRejected(let e): return .deploy(e.deployID)
        case .deployCancelled(let e): return .deploy(e.deployID)
        case .deployStarted(let e): return .deploy(e.deployID)
        case .deploySucceeded(let e): return .deploy(e.deployID)
        case .deployFailed(let e): return .deploy(e.deployID)
        case .rollbackStarted(let e): return .deploy(e.deployID)
        case .rollbackSucceeded(let e): return .deploy(e.deployID)
        case .rollbackFailed(let e): return .deploy(e.deployID)
        case .environmentLocked(let e): return EnvironmentLocks.stream(environment: e.environment, service: e.service)
        case .environmentUnlocked(let e): return EnvironmentLocks.stream(environment: e.environment, service: e.service)
        case .activeDeployOpened(let e): return .serviceEnvironment(e.environment, e.service)
        case .activeDeployClosed(let e): return .serviceEnvironment(e.environment, e.service)
        case .alarmRaised(let e): return .alarm(e.alarm)
        case .alarmResolved(let e): return .alarm(e.alarm)
        case .actionRefused(let e): return .refusals(LedgerTime.day(e.refusedAt))
        }
    }

    /// True for the names the ledger's own streams take (`ledger`, `approvers`, `tokens`, and
    /// `policy-`, `build-`, `migrations-`, `deploy-`, `env-`, `alarm-`, `refusals-` followed by anything):
    /// raw `events append` may not write to them.
    public static func isLedgerStreamName(_ name: String) -> Bool {
        ["ledger", "approvers", "tokens"].contains(name)
            || ["policy-", "build-", "migrations-", "deploy-", "env-", "alarm-", "refusals-"].contains { name.hasPrefix($0) }
    }
}
