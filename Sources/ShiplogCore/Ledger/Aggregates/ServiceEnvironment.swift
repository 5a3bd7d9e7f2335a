import Foundation

/// One service in one environment, "web on prod" (stream `env-<env>-<service>`): its active
/// deploy, its lock, what runs there and what ran before, and where it runs.
///
/// The one-active-deploy rule lives here: a request appends ActiveDeployOpened and is refused
/// while another deploy holds the slot; every finish (succeeded, failed, cancelled, rejected,
/// rolled back) appends ActiveDeployClosed. Because each request appends to this stream with
/// the version it read, two racing requests cannot both be appended.
public enum ServiceEnvironment: Aggregate {
    /// The deploy (or rollback) in flight.
    public struct ActiveDeploy: Hashable, Sendable, Codable {
        public var deployID: DeployID
        public var purpose: ActiveDeployPurpose
        public var version: ServiceVersion
        public var artifact: ArtifactDigest
        public var openedBy: LedgerActor?
        public var openedAt: Date

        private enum CodingKeys: String, CodingKey { case deployID, purpose, version, artifact, openedBy, openedAt }
    }

    /// Codable for signed snapshots (`LedgerWorld.snapshot(of:)`): a changed key changes
    /// `LedgerWorld.snapshotFormat`.
    public struct State: Hashable, Sendable, Codable {
        public var environment: Environment?
        public var service: ServiceName?
        public var active: ActiveDeploy?
        /// The lock on this service only; see `locks(with:)` for every lock that applies.
        public var lock: EnvironmentLock?
        /// Releases that ran here, oldest first, the running one last; rolled-back releases are
        /// removed. At most `ServiceEnvironment.keptReleases`.
        public var releases: [Release] = []
        public var target: DeployTarget?

        private enum CodingKeys: String, CodingKey { case environment, service, active, lock, releases, target }

        public init() {}

        /// What runs now, as far as the ledger knows.
        public var running: Release? { releases.last }

        /// The release that ran before the current one: the rollback target.
        public var lastKnownGood: Release? { releases.dropLast().last }

        /// Every lock closing the gate here: this service's and the whole environment's.
        public func locks(with environment: EnvironmentWide.State) -> [EnvironmentLock] {
            [environment.lock, lock].compactMap { $0 }
        }
    }

    public enum Command: Hashable, Sendable {
        /// Where the service runs in this environment (admin).
        case setTarget(environment: Environment, service: ServiceName, target: DeployTarget, by: LedgerActor)
    }

    /// How many releases the state remembers.
    public static let keptReleases = 20

    public static var initial: State { State() }

    public static func decide(
        _ command: Command, state: State, trustRoot: TrustRoot.State, policy: PolicyRecord.State, now: Date
    ) throws -> Decision {
        switch command {
        case .setTarget(let environment, let service, let target, let actor):
            try TrustRoot.requireAdmin(actor, in: trustRoot)
            _ = try PolicyRecord.requirePolicy(policy, for: environment)
            guard try FreeText.token(target.cluster, what: "the cluster", maxLength: 255) != nil,
                try FreeText.token(target.ecsService, what: "the ECS service", maxLength: 255) != nil
            else {
                throw LedgerError(.invalidValue, "a deploy target needs a cluster and an ECS service")
            }
            _ = try FreeText.token(target.region, what: "the region", maxLength: 64)
            for dimension in target.alarmDimensions ?? [] {
                _ = try FreeText.token(dimension.name, what: "an alarm dimension's name", maxLength: 255)
                _ = try FreeText.token(dimension.value, what: "an alarm dimension's value", maxLength: 1024)
            }
            if let watch = target.watchSeconds, !(60...DeployTarget.maximumWatchSeconds).contains(watch) {
                throw LedgerError(.invalidValue, "the watch window must be from 1 minute to 7 days")
            }
            if target.rollsBackAutomatically, (target.alarms ?? []).isEmpty, (target.alarmDimensions ?? []).isEmpty {
                throw LedgerError(
                    .invalidValue, "automatic rollback needs an alarm to watch: name one with --alarm or --alarm-dimension")
            }
            return Decision(
                stream: .serviceEnvironment(environment, service),
                events: [
                    .targetSet(
                        .init(environment: environment, service: service, target: target, setBy: actor, setAt: now))
                ])
        }
    }

    public static func apply(_ event: LedgerEvent, to state: inout State) {
        switch event {
        case .activeDeployOpened(let e):
            state.environment = e.environment
            state.service = e.service
            state.active = ActiveDeploy(
                deployID: e.deployID, purpose: e.purpose, version: e.version, artifact: e.artifact,
                openedBy: e.openedBy, openedAt: e.openedAt)
        case .activeDeployClosed(let e):
            state.environment = e.environment
            state.service = e.service
            if state.active?.deployID == e.deployID { state.active = nil }
            switch e.outcome {
            case .succeeded:
                if let running = e.running { state.releases.append(running) }
            case .rolledBack:
                state.releases.removeAll { $0.deployID == e.deployID }
                if let running = e.running, state.releases.last?.artifact != running.artifact {
                    state.releases.append(running)
                }
            case .failed, .cancelled, .rejected, .rollbackFailed:
                break
            }
            if state.releases.count > keptReleases {
                state.releases.removeFirst(state.releases.count - keptReleases)
            }
        case .environmentLocked(let e) where e.service != nil:
            state.environment = e.environment
            state.service = e.service
            state.lock = EnvironmentLocks.evolve(state.lock, event, service: e.service)
        case .environmentUnlocked(let e) where e.service != nil:
            state.lock = EnvironmentLocks.evolve(state.lock, event, service: e.service)
        case .targetSet(let e):
            state.environment = e.environment
            state.service = e.service
            state.target = e.target
        default:
            break
        }
    }
}
