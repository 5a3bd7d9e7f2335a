import Foundation

/// What someone asks the ledger to do: every command of the ledger as one typed value, the
/// unit a person (or the server on their behalf) signs inside a `CommandIntent`.
///
/// A command names no actor and no time: the intent that carries it says who acts and when,
/// and the domain decides its events from the state the log holds at that point
/// (`decide(in:as:via:at:verifier:)`). Every door (the CLI with a person's key, Slack through
/// the bot, a CI token through the server, a remote CLI through the server) sends these.
///
/// JSON: `{"<case>":{<argument label>:<value>,...}}` with sorted keys, nil arguments left out,
/// dates and names as in event payloads. The case names and argument labels are the wire
/// format: `CommandGoldenTests` fails when one changes.
public enum LedgerCommand: Hashable, Sendable, Codable {
    // The trust root and its rules (admins only).
    case initialize(admin: ActorName, publicKey: PublicKeyBytes, keyID: SignerKeyID)
    case addAdmin(admin: ActorName, publicKey: PublicKeyBytes, keyID: SignerKeyID)
    case removeAdmin(admin: ActorName, reason: String?)
    /// The key (and origin) the ledger's checkpoints are signed with.
    case setCheckpointKey(origin: String, publicKey: PublicKeyBytes, keyID: SignerKeyID)
    case enrollApprover(
        name: ActorName, publicKey: PublicKeyBytes, keyID: SignerKeyID, slackUserID: SlackUserID?,
        environments: [Environment], kind: ApproverKind)
    case revokeApprover(name: ActorName, reason: String?)
    case setPolicy(environment: Environment, policy: EnvironmentPolicy)
    case setTarget(environment: Environment, service: ServiceName, target: DeployTarget)
    /// `environments`: where the token may act (nil: anywhere).
    case issueToken(
        id: TokenID, label: String, tokenHash: String, scopes: [String], expiresAt: Date?, environments: [Environment]? = nil)
    case revokeToken(id: TokenID, reason: String?)

    // What CI reports.
    case recordBuild(
        service: ServiceName, version: ServiceVersion, artifact: ArtifactDigest, commit: String?,
        taskDefinition: String?)
    case recordMigrationApplied(
        environment: Environment, name: MigrationName, checksum: MigrationChecksum, service: ServiceName?)
    case recordMigrationFailed(
        environment: Environment, name: MigrationName, checksum: MigrationChecksum, service: ServiceName?,
        error: String?)

    // Locks and alarms.
    case lock(environment: Environment, service: ServiceName?, reason: String)
    case unlock(environment: Environment, service: ServiceName?, reason: String?)
    /// `changedAt`: when CloudWatch changed the alarm's state.
    case raiseAlarm(alarm: AlarmName, environment: Environment?, service: ServiceName?, reason: String?, changedAt: Date? = nil)
    case resolveAlarm(alarm: AlarmName, reason: String?)

    // A deploy's life.
    case requestDeploy(
        id: DeployID, service: ServiceName, environment: Environment, version: ServiceVersion,
        artifact: ArtifactDigest?, reason: String?, allowUnrecorded: Bool)
    /// The statement names the deploy; its signature is by the key that signs the intent
    /// (the person's own, or the Slack bot's on a Slack approval).
    case approveDeploy(statement: ApprovalStatement, signature: SignatureBytes)
    case rejectDeploy(id: DeployID, reason: String)
    case cancelDeploy(id: DeployID, reason: String?)
    /// `previousTaskDefinition`: what ECS ran when `deploy run` started it (the rollback point).
    case startDeploy(id: DeployID, breakGlassReason: String?, previousTaskDefinition: String? = nil)
    case succeedDeploy(id: DeployID)
    case failDeploy(id: DeployID, reason: String?)
    case startRollback(id: DeployID, alarm: AlarmName?, reason: String?, automatic: Bool)
    /// `taskDefinition`: what ECS was returned to; `ecsCalledAt`: when it was asked to.
    case finishRollback(id: DeployID, succeeded: Bool, reason: String?, taskDefinition: String? = nil, ecsCalledAt: Date? = nil)

    // What the Slack bot refused, for audit (the bot's own key, for itself).
    case recordRefusal(evidence: SlackEvidence, attempt: String, deployID: DeployID?, reason: String)

    /// The command's name on the wire and in messages (`requestDeploy`).
    public var name: String {
        switch self {
        case .initialize: "initialize"
        case .addAdmin: "addAdmin"
        case .setCheckpointKey: "setCheckpointKey"
        case .removeAdmin: "removeAdmin"
        case .enrollApprover: "enrollApprover"
        case .revokeApprover: "revokeApprover"
        case .setPolicy: "setPolicy"
        case .setTarget: "setTarget"
        case .issueToken: "issueToken"
        case .revokeToken: "revokeToken"
        case .recordBuild: "recordBuild"
        case .recordMigrationApplied: "recordMigrationApplied"
        case .recordMigrationFailed: "recordMigrationFailed"
        case .lock: "lock"
        case .unlock: "unlock"
        case .raiseAlarm: "raiseAlarm"
        case .resolveAlarm: "resolveAlarm"
        case .requestDeploy: "requestDeploy"
        case .approveDeploy: "approveDeploy"
        case .rejectDeploy: "rejectDeploy"
        case .cancelDeploy: "cancelDeploy"
        case .startDeploy: "startDeploy"
        case .succeedDeploy: "succeedDeploy"
        case .failDeploy: "failDeploy"
        case .startRollback: "startRollback"
        case .finishRollback: "finishRollback"
        case .recordRefusal: "recordRefusal"
        }
    }

    /// The deploy an existing-deploy command acts on (its streams come from the deploy's request).
    public var existingDeploy: DeployID? {
        switch self {
        case .approveDeploy(let statement, _): statement.deployID
        case .rejectDeploy(let id, _), .cancelDeploy(let id, _), .startDeploy(let id, _, _), .succeedDeploy(let id),
            .failDeploy(let id, _), .startRollback(let id, _, _, _), .finishRollback(let id, _, _, _, _):
            id
        default: nil
        }
    }

    /// The API token scope that lets the server issue this command on behalf of a CI token;
    /// nil: no token may (trust, rules, approvals and rejections are people's).
    public var tokenScope: String? {
        switch self {
        case .recordBuild: "build"
        case .recordMigrationApplied, .recordMigrationFailed: "migration"
        case .requestDeploy, .cancelDeploy, .startDeploy, .succeedDeploy, .failDeploy, .startRollback, .finishRollback:
            "deploy"
        case .raiseAlarm, .resolveAlarm: "alarm"
        default: nil
        }
    }

    /// The event types the domain can record for this command: a reader that cannot re-decide
    /// it (its context is not loaded) still counts no event of another type.
    public var eventTypes: Set<String> {
        switch self {
        case .initialize: ["LedgerInitialized"]
        case .addAdmin: ["AdminAdded"]
        case .setCheckpointKey: ["CheckpointKeySet"]
        case .removeAdmin: ["AdminRemoved"]
        case .enrollApprover: ["ApproverEnrolled"]
        case .revokeApprover: ["ApproverRevoked"]
        case .setPolicy: ["PolicySet"]
        case .setTarget: ["TargetSet"]
        case .issueToken: ["TokenIssued"]
        case .revokeToken: ["TokenRevoked"]
        case .recordBuild: ["BuildRecorded"]
        case .recordMigrationApplied: ["MigrationApplied"]
        case .recordMigrationFailed: ["MigrationFailed"]
        case .lock: ["EnvironmentLocked"]
        case .unlock: ["EnvironmentUnlocked"]
        case .raiseAlarm: ["AlarmRaised"]
        case .resolveAlarm: ["AlarmResolved"]
        case .requestDeploy: ["DeployRequested", "ActiveDeployOpened"]
        case .approveDeploy: ["DeployApproved"]
        case .rejectDeploy: ["DeployRejected", "ActiveDeployClosed"]
        case .cancelDeploy: ["DeployCancelled", "ActiveDeployClosed"]
        case .startDeploy: ["DeployStarted"]
        case .succeedDeploy: ["DeploySucceeded", "ActiveDeployClosed"]
        case .failDeploy: ["DeployFailed", "ActiveDeployClosed"]
        case .startRollback: ["RollbackStarted", "ActiveDeployOpened", "ActiveDeployClosed"]
        case .finishRollback: ["RollbackSucceeded", "RollbackFailed", "ActiveDeployClosed"]
        case .recordRefusal: ["ActionRefused"]
        }
    }

    /// The environment the command acts on, when it acts on one (a deploy's from its request,
    /// when `world` holds it); nil for builds, trust and alarms with no environment.
    public func environment(in world: LedgerWorld) -> Environment? {
        switch self {
        case .requestDeploy(_, _, let environment, _, _, _, _), .lock(let environment, _, _), .unlock(let environment, _, _),
            .recordMigrationApplied(let environment, _, _, _), .recordMigrationFailed(let environment, _, _, _, _),
            .setPolicy(let environment, _), .setTarget(let environment, _, _):
            return environment
        case .raiseAlarm(_, let environment, _, _, _):
            return environment
        case .approveDeploy(let statement, _):
            return statement.environment
        default:
            return existingDeploy.flatMap { world.deploys[$0]?.request?.environment }
        }
    }

    /// The deploy a deploy command is about (a new one for a request).
    public var deploy: DeployID? {
        if case .requestDeploy(let id, _, _, _, _, _, _) = self { return id }
        return existingDeploy
    }

    /// True for what a person may do from Slack through the bot: deploys, approvals, locks.
    /// Trust, rules, builds and the system's own records take a key of their own.
    public var allowedFromSlack: Bool {
        switch self {
        case .requestDeploy, .approveDeploy, .rejectDeploy, .cancelDeploy, .lock, .unlock, .startDeploy, .startRollback: true
        default: false
        }
    }

    /// Every scope a token can hold.
    public static let tokenScopes = ["alarm", "build", "deploy", "migration"]

    /// The command as canonical JSON (see the type's documentation).
    public func json() throws -> String {
        String(decoding: try LedgerEvent.makeEncoder().encode(self), as: UTF8.self)
    }
}
