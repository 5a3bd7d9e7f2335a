import Foundation

extension LedgerEvent {
    /// A CloudWatch alarm went into ALARM (stream `alarm-<name>`).
    public struct AlarmRaised: Hashable, Sendable, Codable {
        public var alarm: AlarmName
        /// The environment and service the alarm watches, when known.
        public var environment: Environment?
        public var service: ServiceName?
        /// CloudWatch's state reason.
        public var reason: String?
        /// When CloudWatch changed the alarm's state (`StateChangeTime`), when it said.
        public var changedAt: Date?
        /// When Shiplog recorded it.
        public var raisedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case alarm, environment, service, reason, changedAt, raisedAt
        }

        public init(
            alarm: AlarmName, environment: Environment?, service: ServiceName?, reason: String?, changedAt: Date? = nil,
            raisedAt: Date
        ) {
            self.alarm = alarm
            self.environment = environment
            self.service = service
            self.reason = reason
            self.changedAt = changedAt
            self.raisedAt = raisedAt
        }
    }

    /// The alarm went back to OK (stream `alarm-<name>`).
    public struct AlarmResolved: Hashable, Sendable, Codable {
        public var alarm: AlarmName
        public var environment: Environment?
        public var service: ServiceName?
        public var reason: String?
        public var resolvedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case alarm, environment, service, reason, resolvedAt
        }

        public init(
            alarm: AlarmName, environment: Environment?, service: ServiceName?, reason: String?, resolvedAt: Date
        ) {
            self.alarm = alarm
            self.environment = environment
            self.service = service
            self.reason = reason
            self.resolvedAt = resolvedAt
        }
    }

    /// A deploy is being rolled back to the release that ran before it (stream `deploy-<id>`).
    public struct RollbackStarted: Hashable, Sendable, Codable {
        public var deployID: DeployID
        public var environment: Environment
        public var service: ServiceName
        public var fromVersion: ServiceVersion
        public var fromArtifact: ArtifactDigest
        public var toVersion: ServiceVersion
        public var toArtifact: ArtifactDigest
        /// The deploy that brought the target release, when known.
        public var toDeployID: DeployID?
        /// The alarm that caused it, for an alarm-driven rollback.
        public var alarm: AlarmName?
        /// True when the rollback watcher started it without a person.
        public var automatic: Bool
        public var reason: String?
        public var startedBy: LedgerActor?
        public var startedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case deployID, environment, service, fromVersion, fromArtifact, toVersion, toArtifact, toDeployID, alarm, automatic, reason, startedBy, startedAt
        }

        public init(
            deployID: DeployID, environment: Environment, service: ServiceName, fromVersion: ServiceVersion,
            fromArtifact: ArtifactDigest, toVersion: ServiceVersion, toArtifact: ArtifactDigest,
            toDeployID: DeployID?, alarm: AlarmName?, automatic: Bool, reason: String?, startedBy: LedgerActor?,
            startedAt: Date
        ) {
            self.deployID = deployID
            self.environment = environment
            self.service = service
            self.fromVersion = fromVersion
            self.fromArtifact = fromArtifact
            self.toVersion = toVersion
            self.toArtifact = toArtifact
            self.toDeployID = toDeployID
            self.alarm = alarm
            self.automatic = automatic
            self.reason = reason
            self.startedBy = startedBy
            self.startedAt = startedAt
        }
    }

    /// The rollback finished; `version`/`artifact` run again (stream `deploy-<id>`).
    public struct RollbackSucceeded: Hashable, Sendable, Codable {
        public var deployID: DeployID
        public var environment: Environment
        public var service: ServiceName
        public var version: ServiceVersion
        public var artifact: ArtifactDigest
        /// The ECS task definition the service was returned to, and when ECS was asked to.
        public var taskDefinition: String?
        public var ecsCalledAt: Date?
        public var recordedBy: LedgerActor?
        public var succeededAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case deployID, environment, service, version, artifact, taskDefinition, ecsCalledAt, recordedBy, succeededAt
        }

        public init(
            deployID: DeployID, environment: Environment, service: ServiceName, version: ServiceVersion,
            artifact: ArtifactDigest, taskDefinition: String? = nil, ecsCalledAt: Date? = nil, recordedBy: LedgerActor?,
            succeededAt: Date
        ) {
            self.taskDefinition = taskDefinition
            self.ecsCalledAt = ecsCalledAt
            self.deployID = deployID
            self.environment = environment
            self.service = service
            self.version = version
            self.artifact = artifact
            self.recordedBy = recordedBy
            self.succeededAt = succeededAt
        }
    }

    /// The rollback failed; a person must look (stream `deploy-<id>`).
    public struct RollbackFailed: Hashable, Sendable, Codable {
        public var deployID: DeployID
        public var environment: Environment
        public var service: ServiceName
        public var reason: String?
        /// The ECS task definition the rollback tried to return to, and when ECS was asked to.
        public var taskDefinition: String?
        public var ecsCalledAt: Date?
        public var recordedBy: LedgerActor?
        public var failedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case deployID, environment, service, reason, taskDefinition, ecsCalledAt, recordedBy, failedAt
        }

        public init(
            deployID: DeployID, environment: Environment, service: ServiceName, reason: String?,
            taskDefinition: String? = nil, ecsCalledAt: Date? = nil, recordedBy: LedgerActor?, failedAt: Date
        ) {
            self.taskDefinition = taskDefinition
            self.ecsCalledAt = ecsCalledAt
            self.deployID = deployID
            self.environment = environment
            self.service = service
            self.reason = reason
            self.recordedBy = recordedBy
            self.failedAt = failedAt
        }
    }
}
