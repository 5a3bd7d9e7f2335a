import Foundation
import ShiplogCore
import ShiplogPostgres

/// One deploy's whole story: the one shape of a deploy in JSON (`show --json`,
/// `GET /v1/deploys/{id}`).
public struct DeployReport: Codable, Sendable {
    public struct Build: Codable, Sendable {
        public var version: String
        public var artifact: String
        public var commit: String?
        public var taskDefinition: String?
        public var recordedBy: String
        public var recordedAt: String
    }

    public struct Step: Codable, Sendable {
        public var at: String
        public var event: String
        public var summary: String
    }

    public struct Gate: Codable, Sendable {
        public var allowed: Bool
        public var approvals: Int
        public var required: Int
        public var reasons: [String]
    }

    /// Where it ran on ECS and what ECS ran before and after.
    public struct ECS: Codable, Sendable {
        /// What ran when the deploy started (the rollback point), and what it deployed.
        public var before: String?
        public var deployed: String?
        /// What a rollback returned the service to, and when ECS was asked to.
        public var rolledBackTo: String?
        public var rollbackCalledAt: String?
    }

    public struct Alarm: Codable, Sendable {
        public var name: String
        public var reason: String?
        /// CloudWatch's state change time; when Shiplog recorded the alarm.
        public var stateChangedAt: String?
        public var receivedAt: String
    }

    public struct Lock: Codable, Sendable {
        public var lockedBy: String
        public var reason: String
        public var since: String
    }

    public var id: String
    public var service: String
    public var environment: String
    public var version: String
    public var artifact: String
    public var status: String
    public var requester: String
    public var requestedAt: String
    public var reason: String?
    public var allowUnrecorded: Bool
    public var breakGlass: Bool
    public var build: Build?
    public var gate: Gate
    public var approvals: [ApprovalReport]
    public var timeline: [Step]
    /// Where it ran on ECS (nil when never run by Shiplog).
    public var ecs: ECS?
    /// The alarm that rolled it back, when one did.
    public var alarm: Alarm?
    /// The lock the rollback left, while it holds.
    public var lock: Lock?
    /// Events on the deploy's stream that do not count: never acted on.
    public var notCounted: [LoadedStreams.Skipped]
}

/// May this deploy start, and if not, what it waits for (`deploy gate --json`,
/// `GET /v1/deploys/{id}/gate`).
public struct GateReport: Codable, Sendable {
    public var allowed: Bool
    public var approvals: Int
    public var required: Int
    public var reasons: [String]
    public var approvedBy: [String]
    public var verdicts: [ApprovalReport]
    /// The deploy's status (`requested`, `started`, ...).
    public var status: String
    /// People who may still approve: enrolled for the environment, active, and not yet
    /// approved (nor the requester, unless the policy allows self-approval).
    public var mayApprove: [String]
}

/// What a person signs to approve a deploy: its request, and how long an approval lasts in
/// its environment (`GET /v1/deploys/{id}/approval`).
public struct ApprovalTerms: Codable, Sendable, Hashable {
    public var deployID: String
    public var environment: String
    public var service: String
    public var version: String
    public var artifact: String
    /// The environment's policy's approval lifetime.
    public var approvalLifetimeSeconds: Int

    public init(_ request: LedgerEvent.DeployRequested, lifetime: TimeInterval) {
        deployID = request.deployID.rawValue
        environment = request.environment.rawValue
        service = request.service.rawValue
        version = request.version.rawValue
        artifact = request.artifact.rawValue
        approvalLifetimeSeconds = Int(lifetime)
    }

    /// The statement `signer` signs at `now`: it expires one approval lifetime later.
    public func statement(at now: Date, signer: SignerKeyID) throws -> ApprovalStatement {
        ApprovalStatement(
            deployID: try DeployID(deployID), environment: try Environment(environment), service: try ServiceName(service),
            version: try ServiceVersion(version), artifact: try ArtifactDigest(artifact),
            expiresAt: now.addingTimeInterval(TimeInterval(approvalLifetimeSeconds)), signer: signer)
    }
}
