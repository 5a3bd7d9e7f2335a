import Foundation
import ShiplogCore
import ShiplogCrypto

/// Where a signed command goes to be decided and recorded: the ledger itself
/// (`LedgerService`) or a server in front of it (`HTTPLedgerClient`). The named commands
/// below build the domain's command, sign it with the caller's key and submit it, the same
/// way through either.
public protocol LedgerCommands: Sendable {
    /// Decides the signed command with the domain and appends it, or says why not. A signed
    /// command already recorded returns its receipt again.
    @discardableResult
    func submit(_ signed: SignedIntent) async throws -> CommandReceipt

    /// Signs `command` with `key` as an intent dated now, on behalf of `principal`.
    func sign(_ command: LedgerCommand, with key: SigningKey, for principal: Principal) throws -> SignedIntent

    /// Signs the approval statement of deploy `id` (its request, valid for the environment's
    /// approval lifetime) with `key` and records it.
    func approve(_ id: String, key: SigningKey, for principal: Principal) async throws
}

extension LedgerCommands {
    /// Signs `command` with `key` and submits it: the CLI's door.
    @discardableResult
    public func run(_ command: LedgerCommand, signedWith key: SigningKey, for principal: Principal = .signer)
        async throws -> CommandReceipt
    {
        try await submit(try sign(command, with: key, for: principal))
    }

    // MARK: Trust root and administration

    /// Records the first admin: the ledger's root of trust.
    public func initialize(admin name: String, key: SigningKey) async throws -> LedgerActor {
        let actor = LedgerActor(name: try ActorName(name), keyID: try SignerKeyID(key.keyID.description))
        try await run(
            .initialize(admin: actor.name, publicKey: try PublicKeyBytes(key.publicKey.bytes), keyID: actor.keyID),
            signedWith: key)
        return actor
    }

    /// Adds an admin (signed by an existing admin).
    public func addAdmin(name: String, publicKey: String, key: SigningKey) async throws {
        let (publicKey, keyID) = try LedgerCommandsKeys.publicKey(publicKey)
        try await run(.addAdmin(admin: try ActorName(name), publicKey: publicKey, keyID: keyID), signedWith: key)
    }

    /// Sets the key (and origin) the ledger's checkpoints are signed with (admin-signed).
    public func setCheckpointKey(origin: String, publicKey: String, key: SigningKey) async throws {
        let (publicKey, keyID) = try LedgerCommandsKeys.publicKey(publicKey)
        try await run(.setCheckpointKey(origin: origin, publicKey: publicKey, keyID: keyID), signedWith: key)
    }

    /// Removes an admin (signed by another admin; never the last).
    public func removeAdmin(name: String, reason: String?, key: SigningKey) async throws {
        try await run(.removeAdmin(admin: try ActorName(name), reason: reason), signedWith: key)
    }

    public func enrollApprover(
        name: String, publicKey: String, slackUser: String?, environments: [String], kind: ApproverKind, key: SigningKey
    ) async throws -> SignerKeyID {
        let (publicKey, keyID) = try LedgerCommandsKeys.publicKey(publicKey)
        try await run(
            .enrollApprover(
                name: try ActorName(name), publicKey: publicKey, keyID: keyID, slackUserID: try slackUser.map(SlackUserID.init),
                environments: try environments.map(Environment.init), kind: kind),
            signedWith: key)
        return keyID
    }

    public func revokeApprover(name: String, reason: String?, key: SigningKey) async throws {
        try await run(.revokeApprover(name: try ActorName(name), reason: reason), signedWith: key)
    }

    public func setPolicy(environment: String, policy: EnvironmentPolicy, key: SigningKey) async throws {
        try await run(.setPolicy(environment: try Environment(environment), policy: policy), signedWith: key)
    }

    /// Issues an API token for CI: returns its id and the secret, which only its SHA-256
    /// reaches the ledger; shown once.
    public func issueToken(
        id: String, label: String, scopes: [String], expiresAt: Date?, environments: [String]? = nil, key: SigningKey
    ) async throws -> (id: TokenID, secret: String) {
        let id = try TokenID(id)
        // `shiplog_` and 48 hex digits: a prefix secret scanners can look for.
        let secret = "shiplog_" + Hex.encode(SecureRandom.bytes(count: 24))
        try await run(
            .issueToken(
                id: id, label: label, tokenHash: Hex.encode(SHA256.hash(Array(secret.utf8))), scopes: scopes,
                expiresAt: expiresAt, environments: try environments?.map(Environment.init)),
            signedWith: key)
        return (id, secret)
    }

    public func revokeToken(_ id: String, reason: String?, key: SigningKey) async throws {
        try await run(.revokeToken(id: try TokenID(id), reason: reason), signedWith: key)
    }

    // MARK: Builds and migrations

    public func recordBuild(
        service: String, version: String, artifact: String, commit: String?, taskDefinition: String?, key: SigningKey
    ) async throws {
        try await run(
            .recordBuild(
                service: try ServiceName(service), version: try ServiceVersion(version),
                artifact: try ArtifactDigest(artifact), commit: commit, taskDefinition: taskDefinition),
            signedWith: key)
    }

    public func recordMigration(
        environment: String, name: String, checksum: String, service: String?, failed: Bool, error: String?,
        key: SigningKey
    ) async throws {
        let environment = try Environment(environment)
        let name = try MigrationName(name), checksum = try MigrationChecksum(checksum)
        let service = try service.map(ServiceName.init)
        try await run(
            failed
                ? .recordMigrationFailed(environment: environment, name: name, checksum: checksum, service: service, error: error)
                : .recordMigrationApplied(environment: environment, name: name, checksum: checksum, service: service),
            signedWith: key)
    }

    // MARK: Deploys

    /// Requests a deploy and returns its new id.
    public func requestDeploy(
        service: String, environment: String, version: String, artifact: String?, reason: String?,
        allowUnrecorded: Bool, key: SigningKey
    ) async throws -> DeployID {
        let id = try DeployID(shortID: LedgerService.newShortID())
        try await run(
            .requestDeploy(
                id: id, service: try ServiceName(service), environment: try Environment(environment),
                version: try ServiceVersion(version), artifact: try artifact.map(ArtifactDigest.init), reason: reason,
                allowUnrecorded: allowUnrecorded),
            signedWith: key)
        return id
    }

    public func reject(_ id: String, reason: String, key: SigningKey) async throws {
        try await run(.rejectDeploy(id: try DeployID(id), reason: reason), signedWith: key)
    }

    public func cancel(_ id: String, reason: String?, key: SigningKey) async throws {
        try await run(.cancelDeploy(id: try DeployID(id), reason: reason), signedWith: key)
    }

    public func start(_ id: String, breakGlassReason: String?, key: SigningKey) async throws {
        try await run(.startDeploy(id: try DeployID(id), breakGlassReason: breakGlassReason), signedWith: key)
    }

    public func succeed(_ id: String, key: SigningKey) async throws {
        try await run(.succeedDeploy(id: try DeployID(id)), signedWith: key)
    }

    public func fail(_ id: String, reason: String?, key: SigningKey) async throws {
        try await run(.failDeploy(id: try DeployID(id), reason: reason), signedWith: key)
    }

    // MARK: Locks

    public func lock(environment: String, service: String?, reason: String, key: SigningKey) async throws {
        try await run(
            .lock(environment: try Environment(environment), service: try service.map(ServiceName.init), reason: reason),
            signedWith: key)
    }

    public func unlock(environment: String, service: String?, reason: String?, key: SigningKey) async throws {
        try await run(
            .unlock(environment: try Environment(environment), service: try service.map(ServiceName.init), reason: reason),
            signedWith: key)
    }
}

/// A base64 public key and its key id.
private enum LedgerCommandsKeys {
    static func publicKey(_ base64: String) throws -> (PublicKeyBytes, SignerKeyID) {
        let bytes = try PublicKeyBytes(base64: base64)
        return (bytes, try SignerKeyID(try PublicKey(bytes: bytes.bytes).keyID.description))
    }
}
