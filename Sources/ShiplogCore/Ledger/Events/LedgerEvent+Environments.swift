import Foundation

extension LedgerEvent {
    /// Someone locks an environment: every service (`service == nil`, stream `env-<env>`)
    /// or one service (stream `env-<env>-<service>`). The gate stays closed until unlocked;
    /// break-glass does not pass a lock.
    public struct EnvironmentLocked: Hashable, Sendable, Codable {
        public var environment: Environment
        public var service: ServiceName?
        public var reason: String
        public var lockedBy: LedgerActor
        public var lockedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case environment, service, reason, lockedBy, lockedAt
        }

        public init(
            environment: Environment, service: ServiceName?, reason: String, lockedBy: LedgerActor, lockedAt: Date
        ) {
            self.environment = environment
            self.service = service
            self.reason = reason
            self.lockedBy = lockedBy
            self.lockedAt = lockedAt
        }
    }

    /// The lock placed with the same environment and service is lifted.
    public struct EnvironmentUnlocked: Hashable, Sendable, Codable {
        public var environment: Environment
        public var service: ServiceName?
        public var reason: String?
        public var unlockedBy: LedgerActor
        public var unlockedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case environment, service, reason, unlockedBy, unlockedAt
        }

        public init(
            environment: Environment, service: ServiceName?, reason: String?, unlockedBy: LedgerActor, unlockedAt: Date
        ) {
            self.environment = environment
            self.service = service
            self.reason = reason
            self.unlockedBy = unlockedBy
            self.unlockedAt = unlockedAt
        }
    }

    /// A deploy (or its rollback) takes the one active slot of a service in an environment
    /// (stream `env-<env>-<service>`). Written with every request and every rollback start.
    public struct ActiveDeployOpened: Hashable, Sendable, Codable {
        public var deployID: DeployID
        public var environment: Environment
        public var service: ServiceName
        public var purpose: ActiveDeployPurpose
        /// What will run if it succeeds: the requested version, or the rollback target.
        public var version: ServiceVersion
        public var artifact: ArtifactDigest
        /// Nil for an automatic rollback.
        public var openedBy: LedgerActor?
        public var openedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case deployID, environment, service, purpose, version, artifact, openedBy, openedAt
        }

        public init(
            deployID: DeployID, environment: Environment, service: ServiceName, purpose: ActiveDeployPurpose,
            version: ServiceVersion, artifact: ArtifactDigest, openedBy: LedgerActor?, openedAt: Date
        ) {
            self.deployID = deployID
            self.environment = environment
            self.service = service
            self.purpose = purpose
            self.version = version
            self.artifact = artifact
            self.openedBy = openedBy
            self.openedAt = openedAt
        }
    }

    /// The active deploy of a service in an environment is over (stream `env-<env>-<service>`).
    /// `running` is the release that runs afterwards when the outcome changed it
    /// (succeeded, rolled back).
    public struct ActiveDeployClosed: Hashable, Sendable, Codable {
        public var deployID: DeployID
        public var environment: Environment
        public var service: ServiceName
        public var outcome: DeployOutcome
        public var running: Release?
        public var closedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case deployID, environment, service, outcome, running, closedAt
        }

        public init(
            deployID: DeployID, environment: Environment, service: ServiceName, outcome: DeployOutcome,
            running: Release?, closedAt: Date
        ) {
            self.deployID = deployID
            self.environment = environment
            self.service = service
            self.outcome = outcome
            self.running = running
            self.closedAt = closedAt
        }
    }
}
