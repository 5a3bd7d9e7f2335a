import Foundation

extension LedgerEvent {
    /// A build of a service is recorded (stream `build-<service>/<version>`): this version is this artifact.
    public struct BuildRecorded: Hashable, Sendable, Codable {
        public var service: ServiceName
        public var version: ServiceVersion
        public var artifact: ArtifactDigest
        /// The source commit, as the team writes it (usually a git SHA).
        public var commit: String?
        /// The ECS task definition (ARN or family:revision) that runs this build.
        public var taskDefinition: String?
        public var recordedBy: LedgerActor
        public var recordedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case service, version, artifact, commit, taskDefinition, recordedBy, recordedAt
        }

        public init(
            service: ServiceName, version: ServiceVersion, artifact: ArtifactDigest, commit: String?,
            taskDefinition: String?, recordedBy: LedgerActor, recordedAt: Date
        ) {
            self.service = service
            self.version = version
            self.artifact = artifact
            self.commit = commit
            self.taskDefinition = taskDefinition
            self.recordedBy = recordedBy
            self.recordedAt = recordedAt
        }
    }

    /// A database migration ran to completion in an environment (stream `migrations-<env>`).
    public struct MigrationApplied: Hashable, Sendable, Codable {
        public var environment: Environment
        public var name: MigrationName
        public var checksum: MigrationChecksum
        /// The service whose database it changed, when known.
        public var service: ServiceName?
        public var recordedBy: LedgerActor
        public var appliedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case environment, name, checksum, service, recordedBy, appliedAt
        }

        public init(
            environment: Environment, name: MigrationName, checksum: MigrationChecksum,
            service: ServiceName?, recordedBy: LedgerActor, appliedAt: Date
        ) {
            self.environment = environment
            self.name = name
            self.checksum = checksum
            self.service = service
            self.recordedBy = recordedBy
            self.appliedAt = appliedAt
        }
    }

    /// A database migration failed in an environment (stream `migrations-<env>`).
    public struct MigrationFailed: Hashable, Sendable, Codable {
        public var environment: Environment
        public var name: MigrationName
        public var checksum: MigrationChecksum
        public var service: ServiceName?
        /// What went wrong, as reported.
        public var error: String?
        public var recordedBy: LedgerActor
        public var failedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case environment, name, checksum, service, error, recordedBy, failedAt
        }

        public init(
            environment: Environment, name: MigrationName, checksum: MigrationChecksum,
            service: ServiceName?, error: String?, recordedBy: LedgerActor, failedAt: Date
        ) {
            self.environment = environment
            self.name = name
            self.checksum = checksum
            self.service = service
            self.error = error
            self.recordedBy = recordedBy
            self.failedAt = failedAt
        }
    }
}
