import Foundation

/// Decides whether a recorded command counts: the one rule the gate, every command's decision,
/// the projections and `shiplog verify` share. Readers trust signatures and authority, not the
/// database: anyone holding the database role may write rows, so a row counts only when the
/// ledger itself would have written it.
///
/// A command counts when all of these hold, checked in this order (the first failure is the
/// reason it is skipped):
/// 0. its id has not been judged before (a signed command counts once: a copy appended
///    again, say an old unlock replayed after a new lock, does not);
/// 1. its signature verifies (the caller checks it, with the public key of the signer's key id);
/// 2. every event is on the stream its payload names (`LedgerEvent.homeStream`), and none
///    says it happened later than the log recorded it (plus `clockSkew`): a signer cannot
///    date a start past a freeze window or an approval past its expiry;
/// 3. its signer holds an admin key, or an enrolled key not revoked at this point of the log
///    (the first `LedgerInitialized` is signed by the key it enrolls);
/// 4. every event that names its actor names the signer; an approval's signing key is the
///    signer; events that name no one (alarms, automatic rollbacks) are signed by a CI key,
///    the Slack bot or an admin;
/// 5. the domain, asked to decide the same command as the same actor at the same time on the
///    state the log holds just before it, decides exactly these events. This is where
///    authority lives (admins for trust and rules, the approver for an approval, the requester
///    or an admin to cancel, an admin or the locker to unlock, ...), and it is how a start
///    proves its gate: the gate is re-derived from the approvals, locks, freezes and policy
///    before it, and the recorded `approvedBy` and break-glass must be what it gives.
///
/// Step 5 needs every stream the domain reads for that command (`contextStreams`). A reader
/// that loaded only some streams (a command, not a full walk) sees the events of other
/// commands that touch its streams (another deploy's `ActiveDeployClosed` on
/// `env-prod-web`); for those it checks 1–4 and that such events come with their deploy's own.
public enum LedgerJudge {
    /// How far a command's own time may run ahead of the database's clock that recorded it.
    public static let clockSkew: TimeInterval = 300

    /// Whether `command` counts in `world`; `signatureIsValid` is the caller's check of its
    /// command signature. `verifier` checks approval statements (inside the gate).
    public static func judge(
        _ command: RecordedCommand, signatureIsValid: Bool, in world: LedgerWorld, verifier: some SignatureVerifier
    ) -> Judgment {
        guard let primary = command.entries.first?.event else { return .skipped(reason: "an empty command") }
        guard !world.commands.contains(command.id) else {
            return .skipped(
                reason: "it replays command \(command.id.uuidString.lowercased()), which is already recorded: a signed command counts once")
        }
        guard signatureIsValid else {
            return .skipped(
                reason: "its command signature does not verify with key \(command.signer): the signed content was altered or forged")
        }
        for entry in command.entries where entry.event.homeStream != entry.stream {
            return .skipped(
                reason: "\(entry.event.type) belongs on stream \(entry.event.homeStream), not \(entry.stream)")
        }
        for entry in command.entries where entry.event.occurredAt > command.recordedAt.addingTimeInterval(clockSkew) {
            return .skipped(
                reason: "\(entry.event.type) says it happened at \(LedgerTime.secondsString(entry.event.occurredAt)), after the log recorded it at \(LedgerTime.secondsString(command.recordedAt))")
        }

        if case .ledgerInitialized(let e) = primary {
            guard command.entries.count == 1, e.keyID == command.signer else {
                return .skipped(reason: "LedgerInitialized must be signed, alone, by the key it enrolls")
            }
        } else {
            let signer: (actor: LedgerActor, kind: LedgerWorld.SignerKind)
            switch world.signer(command.signer) {
            case .success(let found): signer = found
            case .failure(let error): return .skipped(reason: error.message)
            }
            if let problem = actorProblem(command, signer: signer) { return .skipped(reason: problem) }
        }

        let context = contextStreams(of: primary)
        guard context.allSatisfy(world.isLoaded) else { return companionJudgment(command) }
        do {
            let decided = try redecide(primary, in: world, verifier: verifier).appends.flatMap { append in
                append.events.map { (append.stream, $0) }
            }
            let recorded = command.entries.map { ($0.stream, $0.event) }
            guard decided.count == recorded.count, !zip(decided, recorded).contains(where: { $0 != $1 }) else {
                return .skipped(
                    reason: "the ledger would not have recorded this \(primary.type) here: its events differ from what the domain decides for the same command")
            }
            return .counted
        } catch let error as LedgerError {
            return .skipped(reason: "\(primary.type) would have been refused here: \(error.message)")
        } catch {
            return .skipped(reason: "\(primary.type) would have been refused here: \(error)")
        }
    }

    /// Step 4: the signer is the actor every event names.
    static func actorProblem(_ command: RecordedCommand, signer: (actor: LedgerActor, kind: LedgerWorld.SignerKind))
        -> String?
    {
        var namesNoOne = true
        for entry in command.entries {
            if case .deployApproved(let approval) = entry.event {
                namesNoOne = false
                guard approval.signerKeyID == signer.actor.keyID else {
                    return "an approval signed with key \(approval.signerKeyID) was submitted by \(signer.actor.name)'s key \(signer.actor.keyID)"
                }
            }
            guard let actor = entry.event.actor else { continue }
            namesNoOne = false
            guard actor == signer.actor else {
                return "\(entry.event.type) names \(actor.name) (key \(actor.keyID)) as its actor but was signed by \(signer.actor.name) (key \(signer.actor.keyID))"
            }
        }
        if namesNoOne && !signer.kind.actsForSystem {
            return "\(command.entries[0].event.type) acts for the system: only a CI key, the Slack bot or an admin may sign it, not \(signer.actor.name)"
        }
        return nil
    }

    /// For a command whose context was not loaded: the slot events of a deploy come with the
    /// deploy's own event.
    static func companionJudgment(_ command: RecordedCommand) -> Judgment {
        let deploys = Set(command.entries.compactMap { entry -> DeployID? in
            if case .deploy(let id) = entry.stream { return id }
            return nil
        })
        for entry in command.entries {
            let slot: DeployID
            switch entry.event {
            case .activeDeployOpened(let e): slot = e.deployID
            case .activeDeployClosed(let e): slot = e.deployID
            default: continue
            }
            if !deploys.contains(slot) {
                return .skipped(reason: "\(entry.event.type) is recorded only with the command of deploy \(slot)")
            }
        }
        return .counted
    }

    /// The streams the domain reads to decide the command whose first event is `event`.
    public static func contextStreams(of event: LedgerEvent) -> [LedgerStream] {
        switch event {
        case .ledgerInitialized, .adminAdded, .adminRemoved: return [.ledger]
        case .approverEnrolled, .approverRevoked: return [.ledger, .approvers]
        case .policySet(let e): return [.ledger, .policy(e.environment)]
        case .targetSet(let e): return [.ledger, .policy(e.environment), .serviceEnvironment(e.environment, e.service)]
        case .tokenIssued, .tokenRevoked: return [.ledger, .tokens]
        case .buildRecorded(let e): return [.build(e.service)]
        case .migrationApplied(let e): return [.migrations(e.environment), .policy(e.environment)]
        case .migrationFailed(let e): return [.migrations(e.environment), .policy(e.environment)]
        case .environmentLocked(let e):
            return [.ledger, .policy(e.environment), EnvironmentLocks.stream(environment: e.environment, service: e.service)]
        case .environmentUnlocked(let e):
            return [.ledger, .policy(e.environment), EnvironmentLocks.stream(environment: e.environment, service: e.service)]
        case .alarmRaised(let e): return [.alarm(e.alarm)]
        case .alarmResolved(let e): return [.alarm(e.alarm)]
        case .deployRequested(let e): return Deploy.streams(deployID: e.deployID, environment: e.environment, service: e.service)
        case .deployApproved(let e):
            return Deploy.streams(deployID: e.deployID, environment: e.statement.environment, service: e.statement.service)
        case .deployRejected(let e): return Deploy.streams(deployID: e.deployID, environment: e.environment, service: e.service)
        case .deployCancelled(let e): return Deploy.streams(deployID: e.deployID, environment: e.environment, service: e.service)
        case .deployStarted(let e): return Deploy.streams(deployID: e.deployID, environment: e.environment, service: e.service)
        case .deploySucceeded(let e): return Deploy.streams(deployID: e.deployID, environment: e.environment, service: e.service)
        case .deployFailed(let e): return Deploy.streams(deployID: e.deployID, environment: e.environment, service: e.service)
        case .rollbackStarted(let e): return Deploy.streams(deployID: e.deployID, environment: e.environment, service: e.service)
        case .rollbackSucceeded(let e):
            return Deploy.streams(deployID: e.deployID, environment: e.environment, service: e.service)
        case .rollbackFailed(let e): return Deploy.streams(deployID: e.deployID, environment: e.environment, service: e.service)
        case .activeDeployOpened(let e):
            return Deploy.streams(deployID: e.deployID, environment: e.environment, service: e.service)
        case .activeDeployClosed(let e):
            return Deploy.streams(deployID: e.deployID, environment: e.environment, service: e.service)
        }
    }

    /// Step 5: the command that `event` (a command's first event) records, decided again.
    static func redecide(_ event: LedgerEvent, in world: LedgerWorld, verifier: some SignatureVerifier) throws
        -> Decision
    {
        let trustRoot = world.trustRoot
        func deploy(_ command: Deploy.Command, _ id: DeployID, _ environment: Environment, _ service: ServiceName, at now: Date)
            throws -> Decision
        {
            try Deploy.decide(
                command, context: world.deployContext(id: id, environment: environment, service: service), now: now,
                verifier: verifier)
        }
        switch event {
        case .ledgerInitialized(let e):
            return try TrustRoot.decide(
                .initialize(name: e.admin, publicKey: e.publicKey, keyID: e.keyID), state: trustRoot, now: e.initializedAt)
        case .adminAdded(let e):
            return try TrustRoot.decide(
                .addAdmin(name: e.admin, publicKey: e.publicKey, keyID: e.keyID, by: e.addedBy), state: trustRoot,
                now: e.addedAt)
        case .adminRemoved(let e):
            return try TrustRoot.decide(
                .removeAdmin(name: e.admin, reason: e.reason, by: e.removedBy), state: trustRoot, now: e.removedAt)
        case .approverEnrolled(let e):
            return try ApproverRegistry.decide(
                .enroll(
                    name: e.name, publicKey: e.publicKey, keyID: e.keyID, slackUserID: e.slackUserID,
                    environments: e.environments, kind: e.kind, by: e.enrolledBy),
                state: world.approvers, trustRoot: trustRoot, now: e.enrolledAt)
        case .approverRevoked(let e):
            return try ApproverRegistry.decide(
                .revoke(name: e.name, reason: e.reason, by: e.revokedBy), state: world.approvers, trustRoot: trustRoot,
                now: e.revokedAt)
        case .policySet(let e):
            return try PolicyRecord.decide(
                .set(environment: e.environment, policy: e.policy, by: e.setBy), state: world.policy(e.environment),
                trustRoot: trustRoot, now: e.setAt)
        case .targetSet(let e):
            return try ServiceEnvironment.decide(
                .setTarget(environment: e.environment, service: e.service, target: e.target, by: e.setBy),
                state: world.place(e.environment, e.service), trustRoot: trustRoot, policy: world.policy(e.environment),
                now: e.setAt)
        case .tokenIssued(let e):
            return try TokenRegistry.decide(
                .issue(
                    id: e.tokenID, label: e.label, tokenHash: e.tokenHash, scopes: e.scopes, expiresAt: e.expiresAt,
                    by: e.issuedBy),
                state: world.tokens, trustRoot: trustRoot, now: e.issuedAt)
        case .tokenRevoked(let e):
            return try TokenRegistry.decide(
                .revoke(id: e.tokenID, reason: e.reason, by: e.revokedBy), state: world.tokens, trustRoot: trustRoot,
                now: e.revokedAt)
        case .buildRecorded(let e):
            return try BuildCatalog.decide(
                .record(
                    service: e.service, version: e.version, artifact: e.artifact, commit: e.commit,
                    taskDefinition: e.taskDefinition, by: e.recordedBy),
                state: world.builds[e.service] ?? BuildCatalog.initial, now: e.recordedAt)
        case .migrationApplied(let e):
            return try MigrationLog.decide(
                .recordApplied(
                    environment: e.environment, name: e.name, checksum: e.checksum, service: e.service, by: e.recordedBy),
                state: world.migrations[e.environment] ?? MigrationLog.initial, policy: world.policy(e.environment),
                now: e.appliedAt)
        case .migrationFailed(let e):
            return try MigrationLog.decide(
                .recordFailed(
                    environment: e.environment, name: e.name, checksum: e.checksum, service: e.service, error: e.error,
                    by: e.recordedBy),
                state: world.migrations[e.environment] ?? MigrationLog.initial, policy: world.policy(e.environment),
                now: e.failedAt)
        case .environmentLocked(let e):
            return try EnvironmentLocks.decide(
                .lock(environment: e.environment, service: e.service, reason: e.reason, by: e.lockedBy),
                current: currentLock(e.environment, e.service, in: world), policy: world.policy(e.environment),
                trustRoot: trustRoot, now: e.lockedAt)
        case .environmentUnlocked(let e):
            return try EnvironmentLocks.decide(
                .unlock(environment: e.environment, service: e.service, reason: e.reason, by: e.unlockedBy),
                current: currentLock(e.environment, e.service, in: world), policy: world.policy(e.environment),
                trustRoot: trustRoot, now: e.unlockedAt)
        case .alarmRaised(let e):
            return try AlarmRecord.decide(
                .raise(alarm: e.alarm, environment: e.environment, service: e.service, reason: e.reason),
                state: world.alarms[e.alarm] ?? AlarmRecord.initial, now: e.raisedAt)
        case .alarmResolved(let e):
            return try AlarmRecord.decide(
                .resolve(alarm: e.alarm, reason: e.reason), state: world.alarms[e.alarm] ?? AlarmRecord.initial,
                now: e.resolvedAt)
        case .deployRequested(let e):
            let request = DeployRequest(
                id: e.deployID, service: e.service, environment: e.environment, version: e.version, artifact: e.artifact,
                reason: e.reason, allowUnrecorded: e.allowUnrecorded, by: e.requestedBy)
            return try deploy(.request(request), e.deployID, e.environment, e.service, at: e.requestedAt)
        case .deployApproved(let e):
            return try deploy(
                .approve(deployID: e.deployID, statement: e.statement, signature: e.signature, via: e.via), e.deployID,
                e.statement.environment, e.statement.service, at: e.approvedAt)
        case .deployRejected(let e):
            return try deploy(
                .reject(deployID: e.deployID, reason: e.reason, by: e.rejectedBy), e.deployID, e.environment, e.service,
                at: e.rejectedAt)
        case .deployCancelled(let e):
            return try deploy(
                .cancel(deployID: e.deployID, reason: e.reason, by: e.cancelledBy), e.deployID, e.environment, e.service,
                at: e.cancelledAt)
        case .deployStarted(let e):
            let breakGlassReason = e.breakGlass ? (e.breakGlassReason ?? "") : nil
            return try deploy(
                .start(deployID: e.deployID, by: e.startedBy, breakGlassReason: breakGlassReason), e.deployID,
                e.environment, e.service, at: e.startedAt)
        case .deploySucceeded(let e):
            return try deploy(
                .succeed(deployID: e.deployID, by: e.recordedBy), e.deployID, e.environment, e.service, at: e.succeededAt)
        case .deployFailed(let e):
            return try deploy(
                .fail(deployID: e.deployID, reason: e.reason, by: e.recordedBy), e.deployID, e.environment, e.service,
                at: e.failedAt)
        case .rollbackStarted(let e):
            return try deploy(
                .startRollback(
                    deployID: e.deployID, alarm: e.alarm, reason: e.reason, automatic: e.automatic, by: e.startedBy),
                e.deployID, e.environment, e.service, at: e.startedAt)
        case .rollbackSucceeded(let e):
            return try deploy(
                .finishRollback(deployID: e.deployID, succeeded: true, reason: nil, by: e.recordedBy), e.deployID,
                e.environment, e.service, at: e.succeededAt)
        case .rollbackFailed(let e):
            return try deploy(
                .finishRollback(deployID: e.deployID, succeeded: false, reason: e.reason, by: e.recordedBy), e.deployID,
                e.environment, e.service, at: e.failedAt)
        case .activeDeployOpened, .activeDeployClosed:
            throw LedgerError(.wrongState, "\(event.type) is recorded only with the deploy command that causes it")
        }
    }

    private static func currentLock(_ environment: Environment, _ service: ServiceName?, in world: LedgerWorld)
        -> EnvironmentLock?
    {
        guard let service else { return world.environment(environment).lock }
        return world.place(environment, service).lock
    }
}
