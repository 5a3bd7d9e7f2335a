import Foundation

extension LedgerEvent {
    /// Someone asks to deploy a version of a service to an environment (stream `deploy-<id>`).
    public struct DeployRequested: Hashable, Sendable, Codable {
        public var deployID: DeployID
        public var environment: Environment
        public var service: ServiceName
        public var version: ServiceVersion
        public var artifact: ArtifactDigest
        /// From the build record, when there is one.
        public var commit: String?
        public var taskDefinition: String?
        public var reason: String?
        /// True when no build was recorded for this version and the requester passed
        /// `--allow-unrecorded`; every view flags it.
        public var allowUnrecorded: Bool
        public var requestedBy: LedgerActor
        public var requestedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case deployID, environment, service, version, artifact, commit, taskDefinition, reason, allowUnrecorded, requestedBy, requestedAt
        }

        public init(
            deployID: DeployID, environment: Environment, service: ServiceName, version: ServiceVersion,
            artifact: ArtifactDigest, commit: String?, taskDefinition: String?, reason: String?,
            allowUnrecorded: Bool, requestedBy: LedgerActor, requestedAt: Date
        ) {
            self.deployID = deployID
            self.environment = environment
            self.service = service
            self.version = version
            self.artifact = artifact
            self.commit = commit
            self.taskDefinition = taskDefinition
            self.reason = reason
            self.allowUnrecorded = allowUnrecorded
            self.requestedBy = requestedBy
            self.requestedAt = requestedAt
        }
    }

    /// A signed approval of a deploy (stream `deploy-<id>`). Recording it does not mean it
    /// counts: the gate re-checks every approval each time it is asked.
    public struct DeployApproved: Hashable, Sendable, Codable {
        public var deployID: DeployID
        /// The person approving: the key's enrolled name, or for Slack the approver enrolled
        /// with the evidence's Slack user.
        public var approver: ActorName
        /// Exactly what was signed.
        public var statement: ApprovalStatement
        /// The signature over `statement.canonicalBytes`.
        public var signature: SignatureBytes
        /// The key that signed: the approver's own, or the Slack bot's for `.slack`.
        public var signerKeyID: SignerKeyID
        public var via: ApprovalChannel
        public var approvedAt: Date

        public init(
            deployID: DeployID, approver: ActorName, statement: ApprovalStatement, signature: SignatureBytes,
            signerKeyID: SignerKeyID, via: ApprovalChannel, approvedAt: Date
        ) {
            self.deployID = deployID
            self.approver = approver
            self.statement = statement
            self.signature = signature
            self.signerKeyID = signerKeyID
            self.via = via
            self.approvedAt = approvedAt
        }

        private enum CodingKeys: String, CodingKey {
            case deployID, approver, statement, signature, signerKeyID, via, approvedAt
        }

        /// `via` defaults to `.cli` when absent.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                deployID: try container.decode(DeployID.self, forKey: .deployID),
                approver: try container.decode(ActorName.self, forKey: .approver),
                statement: try container.decode(ApprovalStatement.self, forKey: .statement),
                signature: try container.decode(SignatureBytes.self, forKey: .signature),
                signerKeyID: try container.decode(SignerKeyID.self, forKey: .signerKeyID),
                via: try container.decodeIfPresent(ApprovalChannel.self, forKey: .via) ?? .cli,
                approvedAt: try container.decode(Date.self, forKey: .approvedAt))
        }
    }

    /// An approver or admin rejects a requested deploy (stream `deploy-<id>`); it is over.
    public struct DeployRejected: Hashable, Sendable, Codable {
        public var deployID: DeployID
        public var environment: Environment
        public var service: ServiceName
        public var reason: String
        public var rejectedBy: LedgerActor
        public var rejectedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case deployID, environment, service, reason, rejectedBy, rejectedAt
        }

        public init(
            deployID: DeployID, environment: Environment, service: ServiceName, reason: String,
            rejectedBy: LedgerActor, rejectedAt: Date
        ) {
            self.deployID = deployID
            self.environment = environment
            self.service = service
            self.reason = reason
            self.rejectedBy = rejectedBy
            self.rejectedAt = rejectedAt
        }
    }

    /// The requester or an admin withdraws a deploy before it started (stream `deploy-<id>`).
    public struct DeployCancelled: Hashable, Sendable, Codable {
        public var deployID: DeployID
        public var environment: Environment
        public var service: ServiceName
        public var reason: String?
        public var cancelledBy: LedgerActor
        public var cancelledAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case deployID, environment, service, reason, cancelledBy, cancelledAt
        }

        public init(
            deployID: DeployID, environment: Environment, service: ServiceName, reason: String?,
            cancelledBy: LedgerActor, cancelledAt: Date
        ) {
            self.deployID = deployID
            self.environment = environment
            self.service = service
            self.reason = reason
            self.cancelledBy = cancelledBy
            self.cancelledAt = cancelledAt
        }
    }

    /// The deploy passed the gate and is rolling out (stream `deploy-<id>`).
    public struct DeployStarted: Hashable, Sendable, Codable {
        public var deployID: DeployID
        public var environment: Environment
        public var service: ServiceName
        public var version: ServiceVersion
        public var artifact: ArtifactDigest
        /// The people whose approvals the gate counted, in the order they approved.
        public var approvedBy: [ActorName]
        /// True when an admin started it past the gate; every view flags it.
        public var breakGlass: Bool
        public var breakGlassReason: String?
        /// The ECS task definition the service ran when this deploy started: the rollback point
        /// (recorded by `deploy run`; nil when the deploy is carried out elsewhere).
        public var previousTaskDefinition: String?
        public var startedBy: LedgerActor
        public var startedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case deployID, environment, service, version, artifact, approvedBy, breakGlass, breakGlassReason,
                previousTaskDefinition, startedBy, startedAt
        }

        public init(
            deployID: DeployID, environment: Environment, service: ServiceName, version: ServiceVersion,
            artifact: ArtifactDigest, approvedBy: [ActorName], breakGlass: Bool, breakGlassReason: String?,
            previousTaskDefinition: String? = nil, startedBy: LedgerActor, startedAt: Date
        ) {
            self.deployID = deployID
            self.environment = environment
            self.service = service
            self.version = version
            self.artifact = artifact
            self.approvedBy = approvedBy
            self.breakGlass = breakGlass
            self.breakGlassReason = breakGlassReason
            self.previousTaskDefinition = previousTaskDefinition
            self.startedBy = startedBy
            self.startedAt = startedAt
        }
    }

    /// The rollout finished and the new version runs (stream `deploy-<id>`).
    public struct DeploySucceeded: Hashable, Sendable, Codable {
        public var deployID: DeployID
        public var environment: Environment
        public var service: ServiceName
        public var version: ServiceVersion
        public var artifact: ArtifactDigest
        public var recordedBy: LedgerActor
        public var succeededAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case deployID, environment, service, version, artifact, recordedBy, succeededAt
        }

        public init(
            deployID: DeployID, environment: Environment, service: ServiceName, version: ServiceVersion,
            artifact: ArtifactDigest, recordedBy: LedgerActor, succeededAt: Date
        ) {
            self.deployID = deployID
            self.environment = environment
            self.service = service
            self.version = version
            self.artifact = artifact
            self.recordedBy = recordedBy
            self.succeededAt = succeededAt
        }
    }

    /// The rollout failed (stream `deploy-<id>`).
    public struct DeployFailed: Hashable, Sendable, Codable {
        public var deployID: DeployID
        public var environment: Environment
        public var service: ServiceName
        public var version: ServiceVersion
        public var artifact: ArtifactDigest
        public var reason: String?
        public var recordedBy: LedgerActor
        public var failedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case deployID, environment, service, version, artifact, reason, recordedBy, failedAt
        }

        public init(
            deployID: DeployID, environment: Environment, service: ServiceName, version: ServiceVersion,
            artifact: ArtifactDigest, reason: String?, recordedBy: LedgerActor, failedAt: Date
        ) {
            self.deployID = deployID
            self.environment = environment
            self.service = service
            self.version = version
            self.artifact = artifact
            self.reason = reason
            self.recordedBy = recordedBy
            self.failedAt = failedAt
        }
    }
}
