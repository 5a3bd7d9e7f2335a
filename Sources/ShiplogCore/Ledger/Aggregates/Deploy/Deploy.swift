import Foundation

/// One deploy (stream `deploy-<id>`): its request, approvals, start, outcome and rollback.
///
/// Commands are decided by `Deploy.decide(_:context:now:verifier:)`, which reads a `Context`
/// of every state the rules need and returns appends to `deploy-<id>` and, for requests and
/// finishes, `env-<env>-<service>`.
public enum Deploy: Aggregate {
    public struct State: Hashable, Sendable {
        public var request: LedgerEvent.DeployRequested?
        public var status: DeployStatus?
        /// Every recorded approval, counted or not; the gate decides which count.
        public var approvals: [LedgerEvent.DeployApproved] = []
        public var started: LedgerEvent.DeployStarted?
        public var rejected: LedgerEvent.DeployRejected?
        public var cancelled: LedgerEvent.DeployCancelled?
        /// When it succeeded, failed, was rejected or cancelled.
        public var finishedAt: Date?
        public var failureReason: String?
        public var rollback: LedgerEvent.RollbackStarted?
        public var rollbackFinishedAt: Date?

        public init() {}

        public var id: DeployID? { request?.deployID }
    }

    public enum Command: Hashable, Sendable {
        case request(DeployRequest)
        /// A signed approval, from the CLI or (signed by the bot) from Slack.
        case approve(deployID: DeployID, statement: ApprovalStatement, signature: SignatureBytes, via: ApprovalChannel)
        case reject(deployID: DeployID, reason: String, by: LedgerActor)
        case cancel(deployID: DeployID, reason: String?, by: LedgerActor)
        /// Start past the gate; with `breakGlassReason`, an admin starts it without approvals
        /// and outside freeze windows (never past a lock).
        case start(deployID: DeployID, by: LedgerActor, breakGlassReason: String?, previousTaskDefinition: String? = nil)
        case succeed(deployID: DeployID, by: LedgerActor)
        case fail(deployID: DeployID, reason: String?, by: LedgerActor)
        /// Roll a succeeded or failed deploy back to the release before it. `automatic` is the
        /// rollback watcher acting on `alarm`, allowed only where the policy has auto-rollback.
        case startRollback(deployID: DeployID, alarm: AlarmName?, reason: String?, automatic: Bool, by: LedgerActor?)
        case finishRollback(
            deployID: DeployID, succeeded: Bool, reason: String?, by: LedgerActor?, taskDefinition: String? = nil,
            ecsCalledAt: Date? = nil)
    }

    /// Everything a deploy command reads. The app loads each from its stream (see
    /// `Deploy.streams(deployID:environment:service:)`) and appends the decision with the
    /// versions it read.
    public struct Context: Sendable {
        public var deploy: State
        public var serviceEnvironment: ServiceEnvironment.State
        public var environment: EnvironmentWide.State
        public var builds: BuildCatalog.State
        public var policy: PolicyRecord.State
        public var approvers: ApproverRegistry.State
        public var trustRoot: TrustRoot.State
        /// The environment's migrations (for a policy that requires them).
        public var migrations: MigrationLog.State

        public init(
            deploy: State = State(),
            serviceEnvironment: ServiceEnvironment.State = ServiceEnvironment.State(),
            environment: EnvironmentWide.State = EnvironmentWide.State(),
            builds: BuildCatalog.State = BuildCatalog.State(),
            policy: PolicyRecord.State = PolicyRecord.State(),
            approvers: ApproverRegistry.State = ApproverRegistry.State(),
            trustRoot: TrustRoot.State = TrustRoot.State(),
            migrations: MigrationLog.State = MigrationLog.State()
        ) {
            self.deploy = deploy
            self.serviceEnvironment = serviceEnvironment
            self.environment = environment
            self.builds = builds
            self.policy = policy
            self.approvers = approvers
            self.trustRoot = trustRoot
            self.migrations = migrations
        }

        /// Every lock that applies to the deploy's service in its environment.
        public var locks: [EnvironmentLock] { serviceEnvironment.locks(with: environment) }
    }

    /// The streams a `Context` is loaded from, in the order of its fields, but for the build:
    /// only a request reads one, its version's (`build-<service>/<version>`).
    public static func streams(deployID: DeployID, environment: Environment, service: ServiceName) -> [LedgerStream] {
        [
            .deploy(deployID), .serviceEnvironment(environment, service), .environment(environment),
            .policy(environment), .approvers, .ledger, .migrations(environment),
        ]
    }

    public static var initial: State { State() }

    public static func apply(_ event: LedgerEvent, to state: inout State) {
        switch event {
        case .deployRequested(let e):
            state.request = e
            state.status = .requested
        case .deployApproved(let e):
            state.approvals.append(e)
        case .deployRejected(let e):
            state.rejected = e
            state.status = .rejected
            state.finishedAt = e.rejectedAt
        case .deployCancelled(let e):
            state.cancelled = e
            state.status = .cancelled
            state.finishedAt = e.cancelledAt
        case .deployStarted(let e):
            state.started = e
            state.status = .started
        case .deploySucceeded(let e):
            state.status = .succeeded
            state.finishedAt = e.succeededAt
        case .deployFailed(let e):
            state.status = .failed
            state.finishedAt = e.failedAt
            state.failureReason = e.reason
        case .rollbackStarted(let e):
            state.rollback = e
            state.status = .rollingBack
        case .rollbackSucceeded(let e):
            state.status = .rolledBack
            state.rollbackFinishedAt = e.succeededAt
        case .rollbackFailed(let e):
            state.status = .rollbackFailed
            state.rollbackFinishedAt = e.failedAt
        default:
            break
        }
    }
}
