import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogPostgres

/// The ledger's commands, end to end: read the streams a decision needs, find who the key
/// speaks for, decide with the pure domain, sign, and append atomically at the versions read.
///
/// A concurrent writer that got there first makes the append conflict; the command is then
/// decided again on fresh state, so the loser gets the domain's own answer ("web already has
/// a deploy in flight on prod") instead of a version number.
public struct LedgerService: Sendable {
    public let store: any LedgerStorage
    let verifier = Ed25519Verifier()
    let clock: @Sendable () -> Date

    public init(store: any LedgerStorage, clock: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.clock = clock
    }

    // MARK: Trust root and administration

    /// Records the first admin: the ledger's root of trust.
    public func initialize(admin name: String, key: SigningKey) async throws -> LedgerActor {
        let actorName = try ActorName(name)
        let keyID = try SignerKeyID(key.keyID.description)
        try await decide([.ledger], signedWith: key, actor: actorName.rawValue) { loaded, now in
            try TrustRoot.decide(
                .initialize(name: actorName, publicKey: try PublicKeyBytes(key.publicKey.bytes), keyID: keyID),
                state: loaded.state(TrustRoot.self, .ledger), now: now)
        }
        return LedgerActor(name: actorName, keyID: keyID)
    }

    /// Adds an admin (signed by an existing admin).
    public func addAdmin(name: String, publicKey: String, key: SigningKey) async throws {
        let publicKey = try PublicKeyBytes(base64: publicKey)
        let keyID = try SignerKeyID(try PublicKey(bytes: publicKey.bytes).keyID.description)
        try await decide([.ledger, .approvers], signedWith: key) { loaded, actor, now in
            try TrustRoot.decide(
                .addAdmin(name: try ActorName(name), publicKey: publicKey, keyID: keyID, by: actor),
                state: loaded.state(TrustRoot.self, .ledger), now: now)
        }
    }

    /// Removes an admin (signed by another admin; never the last).
    public func removeAdmin(name: String, reason: String?, key: SigningKey) async throws {
        let name = try ActorName(name)
        try await decide([.ledger, .approvers], signedWith: key) { loaded, actor, now in
            try TrustRoot.decide(
                .removeAdmin(name: name, reason: reason, by: actor), state: loaded.state(TrustRoot.self, .ledger), now: now)
        }
    }

    public func enrollApprover(
        name: String, publicKey: String, slackUser: String?, environments: [String], kind: ApproverKind, key: SigningKey
    ) async throws -> SignerKeyID {
        let publicKeyBytes = try PublicKeyBytes(base64: publicKey)
        let keyID = try SignerKeyID(try PublicKey(bytes: publicKeyBytes.bytes).keyID.description)
        let environments = try environments.map(Environment.init)
        try await decide([.ledger, .approvers] + environments.map { .policy($0) }, signedWith: key) { loaded, actor, now in
            for environment in environments {
                _ = try PolicyRecord.requirePolicy(loaded.state(PolicyRecord.self, .policy(environment)), for: environment)
            }
            return try ApproverRegistry.decide(
                .enroll(
                    name: try ActorName(name), publicKey: publicKeyBytes, keyID: keyID,
                    slackUserID: try slackUser.map(SlackUserID.init), environments: environments, kind: kind, by: actor),
                state: loaded.state(ApproverRegistry.self, .approvers), trustRoot: loaded.state(TrustRoot.self, .ledger),
                now: now)
        }
        return keyID
    }

    public func revokeApprover(name: String, reason: String?, key: SigningKey) async throws {
        try await decide([.ledger, .approvers], signedWith: key) { loaded, actor, now in
            try ApproverRegistry.decide(
                .revoke(name: try ActorName(name), reason: reason, by: actor),
                state: loaded.state(ApproverRegistry.self, .approvers), trustRoot: loaded.state(TrustRoot.self, .ledger),
                now: now)
        }
    }

    public func approvers() async throws -> ApproverRegistry.State {
        try await store.load([.approvers]).state(ApproverRegistry.self, .approvers)
    }

    public func setPolicy(environment: String, policy: EnvironmentPolicy, key: SigningKey) async throws {
        let environment = try Environment(environment)
        try await decide([.ledger, .approvers, .policy(environment)], signedWith: key) { loaded, actor, now in
            try PolicyRecord.decide(
                .set(environment: environment, policy: policy, by: actor),
                state: loaded.state(PolicyRecord.self, .policy(environment)),
                trustRoot: loaded.state(TrustRoot.self, .ledger), now: now)
        }
    }

    // MARK: Builds and migrations

    public func recordBuild(
        service: String, version: String, artifact: String, commit: String?, taskDefinition: String?, key: SigningKey
    ) async throws {
        let service = try ServiceName(service)
        let version = try ServiceVersion(version), artifact = try ArtifactDigest(artifact)
        try await decide([.ledger, .approvers, .build(service)], signedWith: key) { loaded, actor, now in
            try BuildCatalog.decide(
                .record(
                    service: service, version: version, artifact: artifact, commit: commit,
                    taskDefinition: taskDefinition, by: actor),
                state: loaded.state(BuildCatalog.self, .build(service)), now: now)
        }
    }

    public func recordMigration(
        environment: String, name: String, checksum: String, service: String?, failed: Bool, error: String?,
        key: SigningKey
    ) async throws {
        let environment = try Environment(environment)
        let name = try MigrationName(name), checksum = try MigrationChecksum(checksum)
        let service = try service.map(ServiceName.init)
        try await decide([.ledger, .approvers, .migrations(environment), .policy(environment)], signedWith: key) {
            loaded, actor, now in
            let command: MigrationLog.Command =
                failed
                ? .recordFailed(
                    environment: environment, name: name, checksum: checksum, service: service, error: error, by: actor)
                : .recordApplied(environment: environment, name: name, checksum: checksum, service: service, by: actor)
            return try MigrationLog.decide(
                command, state: loaded.state(MigrationLog.self, .migrations(environment)),
                policy: loaded.state(PolicyRecord.self, .policy(environment)), now: now)
        }
    }

    // MARK: Deploys

    /// Requests a deploy and returns its new id.
    public func requestDeploy(
        service: String, environment: String, version: String, artifact: String?, reason: String?,
        allowUnrecorded: Bool, key: SigningKey
    ) async throws -> DeployID {
        let service = try ServiceName(service), environment = try Environment(environment)
        let version = try ServiceVersion(version), artifact = try artifact.map(ArtifactDigest.init)
        let id = try DeployID(shortID: Self.newShortID())
        try await decide(Deploy.streams(deployID: id, environment: environment, service: service), signedWith: key) {
            loaded, actor, now in
            try Deploy.decide(
                .request(
                    DeployRequest(
                        id: id, service: service, environment: environment, version: version, artifact: artifact,
                        reason: reason, allowUnrecorded: allowUnrecorded, by: actor)),
                context: loaded.deployContext(id: id, environment: environment, service: service), now: now,
                verifier: verifier)
        }
        return id
    }

    /// Signs the approval statement for this deploy with `key` and records it.
    public func approve(_ id: String, key: SigningKey) async throws {
        let (id, request) = try await existingDeploy(id)
        try await decideDeploy(request, signedWith: key) { loaded, context, actor, now in
            let policy = try PolicyRecord.requirePolicy(context.policy, for: request.environment)
            let statement = ApprovalStatement(
                approving: request, expiresAt: now.addingTimeInterval(policy.approvalTTL), signer: actor.keyID)
            let signature = SignatureBytes(key.signature(for: statement.canonicalBytes))
            return try Deploy.decide(
                .approve(deployID: id, statement: statement, signature: signature, via: .cli), context: context,
                now: now, verifier: verifier)
        }
    }

    public func reject(_ id: String, reason: String, key: SigningKey) async throws {
        try await deployCommand(id, key: key) { id, actor in .reject(deployID: id, reason: reason, by: actor) }
    }

    public func cancel(_ id: String, reason: String?, key: SigningKey) async throws {
        try await deployCommand(id, key: key) { id, actor in .cancel(deployID: id, reason: reason, by: actor) }
    }

    public func start(_ id: String, breakGlassReason: String?, key: SigningKey) async throws {
        try await deployCommand(id, key: key) { id, actor in .start(deployID: id, by: actor, breakGlassReason: breakGlassReason) }
    }

    public func succeed(_ id: String, key: SigningKey) async throws {
        try await deployCommand(id, key: key) { id, actor in .succeed(deployID: id, by: actor) }
    }

    public func fail(_ id: String, reason: String?, key: SigningKey) async throws {
        try await deployCommand(id, key: key) { id, actor in .fail(deployID: id, reason: reason, by: actor) }
    }

    /// Asks the gate, from the deploy's own streams (never a projection that may lag), now or
    /// as of `date` (a started deploy's approvals are judged as of its start).
    public func gate(_ id: String, at date: Date? = nil) async throws -> GateDecision {
        evaluate(try await deploy(id).context, at: date)
    }

    /// The gate's answer for a deploy context already loaded.
    public func evaluate(_ context: Deploy.Context, at date: Date? = nil) -> GateDecision {
        Gate.evaluate(
            deploy: context.deploy, approvers: context.approvers, policy: context.policy.policy, locks: context.locks,
            now: date ?? clock(), verifier: verifier)
    }

    /// The deploy's context: its counted events, the events on its stream that do not count
    /// (with the reason), and everything the gate reads.
    public func deploy(_ id: String) async throws -> (
        context: Deploy.Context, events: [LedgerEvent], skipped: [LoadedStreams.Skipped]
    ) {
        let (id, request) = try await existingDeploy(id)
        let loaded = try await store.load(Deploy.streams(deployID: id, environment: request.environment, service: request.service))
        return (
            loaded.deployContext(id: id, environment: request.environment, service: request.service),
            loaded.events[.deploy(id)] ?? [],
            loaded.skipped.filter { $0.stream == LedgerStream.deploy(id).name }
        )
    }

    // MARK: Locks

    public func lock(environment: String, service: String?, reason: String, key: SigningKey) async throws {
        try await lockCommand(environment: environment, service: service, key: key) { environment, service, actor in
            .lock(environment: environment, service: service, reason: reason, by: actor)
        }
    }

    public func unlock(environment: String, service: String?, reason: String?, key: SigningKey) async throws {
        try await lockCommand(environment: environment, service: service, key: key) { environment, service, actor in
            .unlock(environment: environment, service: service, reason: reason, by: actor)
        }
    }

    // MARK: Plumbing

    private func lockCommand(
        environment: String, service: String?, key: SigningKey,
        _ command: @escaping @Sendable (Environment, ServiceName?, LedgerActor) -> EnvironmentLocks.Command
    ) async throws {
        let environment = try Environment(environment), service = try service.map(ServiceName.init)
        let stream = EnvironmentLocks.stream(environment: environment, service: service)
        try await decide([.ledger, .approvers, .policy(environment), stream], signedWith: key) { loaded, actor, now in
            let current =
                service == nil
                ? loaded.state(EnvironmentWide.self, stream).lock
                : loaded.state(ServiceEnvironment.self, stream).lock
            return try EnvironmentLocks.decide(
                command(environment, service, actor), current: current,
                policy: loaded.state(PolicyRecord.self, .policy(environment)),
                trustRoot: loaded.state(TrustRoot.self, .ledger), now: now)
        }
    }

    private func deployCommand(
        _ id: String, key: SigningKey, _ command: @escaping @Sendable (DeployID, LedgerActor) -> Deploy.Command
    ) async throws {
        let (id, request) = try await existingDeploy(id)
        try await decideDeploy(request, signedWith: key) { _, context, actor, now in
            try Deploy.decide(command(id, actor), context: context, now: now, verifier: verifier)
        }
    }

    private func decideDeploy(
        _ request: LedgerEvent.DeployRequested, signedWith key: SigningKey,
        _ decide: @escaping @Sendable (LoadedStreams, Deploy.Context, LedgerActor, Date) throws -> Decision
    ) async throws {
        let streams = Deploy.streams(deployID: request.deployID, environment: request.environment, service: request.service)
        try await self.decide(streams, signedWith: key) { loaded, actor, now in
            try decide(
                loaded, loaded.deployContext(id: request.deployID, environment: request.environment, service: request.service),
                actor, now)
        }
    }

    /// The deploy's request, or "unknown deploy".
    private func existingDeploy(_ id: String) async throws -> (DeployID, LedgerEvent.DeployRequested) {
        let id = try DeployID(id)
        let state = try await store.load([.deploy(id)]).state(Deploy.self, .deploy(id))
        guard let request = state.request else {
            throw LedgerError(.notFound, "unknown deploy \(id): list deploys with shiplog history")
        }
        return (id, request)
    }

    /// Loads, resolves the key's actor, decides and commits; decides again after a conflict.
    private func decide(
        _ streams: [LedgerStream], signedWith key: SigningKey,
        _ decide: @escaping @Sendable (LoadedStreams, LedgerActor, Date) throws -> Decision
    ) async throws {
        let keyID = try SignerKeyID(key.keyID.description)
        let streams = Array(Set(streams + [.ledger, .approvers]))
        try await self.decide(streams, signedWith: key, actor: nil) { loaded, now in
            return try decide(loaded, try loaded.world.signer(keyID).get().actor, now)
        }
    }

    private func decide(
        _ streams: [LedgerStream], signedWith key: SigningKey, actor name: String?,
        _ decide: @escaping @Sendable (LoadedStreams, Date) throws -> Decision
    ) async throws {
        // A lost race decides again on fresh state: the loser gets the domain's own answer,
        // or lands after the winner (twenty approvals at once all land). Bounded, with jitter.
        var attempt = 0
        while true {
            attempt += 1
            let loaded = try await store.load(streams)
            let now = clock()
            try Self.checkClock(now, against: loaded.databaseTime)
            let decision = try decide(loaded, now)
            let actor = try name ?? Self.actorName(of: decision)
            do {
                try await store.commit(decision, loaded: loaded, signedWith: key, actor: actor)
                return
            } catch let error as LedgerError where error.code == .raceLost && attempt < Self.maximumAttempts {
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * min(attempt, 10)))))
                continue
            }
        }
    }

    /// A command dated later than the log records it does not count (`LedgerJudge.clockSkew`):
    /// refuse it here, with the reason, rather than write what readers will skip.
    static func checkClock(_ now: Date, against database: Date?) throws {
        guard let database, now > database.addingTimeInterval(LedgerJudge.clockSkew - 60) else { return }
        throw LedgerError(
            .invalidValue,
            "this machine's clock is \(Int(now.timeIntervalSince(database))) s ahead of the database's: commands dated after the log records them do not count; set the clock right (NTP) and run the command again")
    }

    /// How often a command decides again after losing a race before it gives up.
    static let maximumAttempts = 60

    private static func actorName(of decision: Decision) throws -> String {
        decision.events.compactMap(\.actor).first?.name.rawValue ?? "system"
    }

    /// Ten characters of lowercase base 32 (50 bits): short enough to type, never reused in practice.
    static func newShortID() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        return String(SecureRandom.bytes(count: 10).map { alphabet[Int($0) % alphabet.count] })
    }
}
