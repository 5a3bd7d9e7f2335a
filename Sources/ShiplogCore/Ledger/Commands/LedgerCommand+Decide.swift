import Foundation

extension LedgerCommand {
    /// The streams the domain reads to decide this command, besides `ledger`, `approvers` and
    /// `tokens`, which every read holds. A command on an existing deploy reads that deploy's
    /// streams: `deploy` gives its environment and service (nil when it is not known, and then
    /// so is this). `now` is the intent's time (a refusal writes to that day's stream).
    public func contextStreams(
        at now: Date, deploy: (DeployID) -> (environment: Environment, service: ServiceName)?
    ) -> [LedgerStream]?
    {
        switch self {
        case .initialize, .addAdmin, .removeAdmin, .setCheckpointKey, .revokeApprover, .revokeToken: return []
        case .issueToken(_, _, _, _, _, let environments): return (environments ?? []).map { .policy($0) }
        case .enrollApprover(_, _, _, _, let environments, _): return environments.map { .policy($0) }
        case .setPolicy(let environment, _): return [.policy(environment)]
        case .setTarget(let environment, let service, _):
            return [.policy(environment), .serviceEnvironment(environment, service)]
        case .recordBuild(let service, let version, _, _, _): return [.build(service, version)]
        case .recordMigrationApplied(let environment, _, _, _), .recordMigrationFailed(let environment, _, _, _, _):
            return [.migrations(environment), .policy(environment)]
        case .lock(let environment, let service, _), .unlock(let environment, let service, _):
            return [.policy(environment), EnvironmentLocks.stream(environment: environment, service: service)]
        case .raiseAlarm(let alarm, _, _, _, _), .resolveAlarm(let alarm, _): return [.alarm(alarm)]
        case .recordRefusal: return [.refusals(LedgerTime.day(now))]
        case .requestDeploy(let id, let service, let environment, let version, _, _, _):
            return Deploy.streams(deployID: id, environment: environment, service: service) + [.build(service, version)]
        case .approveDeploy(let statement, _):
            return Deploy.streams(deployID: statement.deployID, environment: statement.environment, service: statement.service)
        case .rejectDeploy, .cancelDeploy, .startDeploy, .succeedDeploy, .failDeploy, .startRollback, .finishRollback:
            guard let id = existingDeploy, let (environment, service) = deploy(id) else { return nil }
            return Deploy.streams(deployID: id, environment: environment, service: service)
        }
    }

    /// The command decided by the domain, as `actor`, at `now`, on the state `world` holds:
    /// the one decision the application layer appends and the judge re-derives.
    /// `via` is how an approval arrived (the intent's principal).
    public func decide(
        in world: LedgerWorld, as actor: LedgerActor, via: ApprovalChannel, at now: Date,
        verifier: some SignatureVerifier
    ) throws -> Decision {
        let trustRoot = world.trustRoot
        // Revocations recorded before this command are in effect whatever their dates.
        func context(_ id: DeployID, _ environment: Environment, _ service: ServiceName) -> Deploy.Context {
            var context = world.deployContext(id: id, environment: environment, service: service)
            context.approvers = context.approvers.inEffect(at: now)
            return context
        }
        func deploy(_ command: Deploy.Command, _ id: DeployID) throws -> Decision {
            guard let request = world.deploys[id]?.request else {
                throw LedgerError(.notFound, "unknown deploy \(id): list deploys with shiplog history")
            }
            return try Deploy.decide(
                command, context: context(id, request.environment, request.service), now: now, verifier: verifier)
        }
        switch self {
        case .initialize(let admin, let publicKey, let keyID):
            return try TrustRoot.decide(.initialize(name: admin, publicKey: publicKey, keyID: keyID), state: trustRoot, now: now)
        case .addAdmin(let admin, let publicKey, let keyID):
            return try TrustRoot.decide(
                .addAdmin(name: admin, publicKey: publicKey, keyID: keyID, by: actor), state: trustRoot, now: now)
        case .removeAdmin(let admin, let reason):
            return try TrustRoot.decide(.removeAdmin(name: admin, reason: reason, by: actor), state: trustRoot, now: now)
        case .setCheckpointKey(let origin, let publicKey, let keyID):
            return try TrustRoot.decide(
                .setCheckpointKey(origin: origin, publicKey: publicKey, keyID: keyID, by: actor), state: trustRoot, now: now)
        case .enrollApprover(let name, let publicKey, let keyID, let slackUserID, let environments, let kind):
            for environment in environments {
                _ = try PolicyRecord.requirePolicy(world.policy(environment), for: environment)
            }
            return try ApproverRegistry.decide(
                .enroll(
                    name: name, publicKey: publicKey, keyID: keyID, slackUserID: slackUserID, environments: environments,
                    kind: kind, by: actor),
                state: world.approvers, trustRoot: trustRoot, now: now)
        case .revokeApprover(let name, let reason):
            return try ApproverRegistry.decide(
                .revoke(name: name, reason: reason, by: actor), state: world.approvers, trustRoot: trustRoot, now: now)
        case .setPolicy(let environment, let policy):
            return try PolicyRecord.decide(
                .set(environment: environment, policy: policy, by: actor), state: world.policy(environment),
                trustRoot: trustRoot, now: now)
        case .setTarget(let environment, let service, let target):
            return try ServiceEnvironment.decide(
                .setTarget(environment: environment, service: service, target: target, by: actor),
                state: world.place(environment, service), trustRoot: trustRoot, policy: world.policy(environment), now: now)
        case .issueToken(let id, let label, let tokenHash, let scopes, let expiresAt, let environments):
            for scope in scopes where !Self.tokenScopes.contains(scope) {
                throw LedgerError(
                    .invalidValue,
                    "unknown token scope \(LedgerError.quoted(scope)): use \(Self.tokenScopes.joined(separator: ", "))")
            }
            for environment in environments ?? [] {
                _ = try PolicyRecord.requirePolicy(world.policy(environment), for: environment)
            }
            return try TokenRegistry.decide(
                .issue(
                    id: id, label: label, tokenHash: tokenHash, scopes: scopes, environments: environments,
                    expiresAt: expiresAt, by: actor),
                state: world.tokens, trustRoot: trustRoot, now: now)
        case .revokeToken(let id, let reason):
            return try TokenRegistry.decide(
                .revoke(id: id, reason: reason, by: actor), state: world.tokens, trustRoot: trustRoot, now: now)
        case .recordBuild(let service, let version, let artifact, let commit, let taskDefinition):
            return try BuildCatalog.decide(
                .record(
                    service: service, version: version, artifact: artifact, commit: commit,
                    taskDefinition: taskDefinition, by: actor),
                state: world.builds[service] ?? BuildCatalog.initial, now: now)
        case .recordMigrationApplied(let environment, let name, let checksum, let service):
            return try MigrationLog.decide(
                .recordApplied(environment: environment, name: name, checksum: checksum, service: service, by: actor),
                state: world.migrations[environment] ?? MigrationLog.initial, policy: world.policy(environment), now: now)
        case .recordMigrationFailed(let environment, let name, let checksum, let service, let error):
            return try MigrationLog.decide(
                .recordFailed(
                    environment: environment, name: name, checksum: checksum, service: service, error: error, by: actor),
                state: world.migrations[environment] ?? MigrationLog.initial, policy: world.policy(environment), now: now)
        case .lock(let environment, let service, let reason):
            return try EnvironmentLocks.decide(
                .lock(environment: environment, service: service, reason: reason, by: actor),
                current: world.lock(environment, service), policy: world.policy(environment), trustRoot: trustRoot,
                now: now)
        case .unlock(let environment, let service, let reason):
            return try EnvironmentLocks.decide(
                .unlock(environment: environment, service: service, reason: reason, by: actor),
                current: world.lock(environment, service), policy: world.policy(environment), trustRoot: trustRoot,
                now: now)
        case .raiseAlarm(let alarm, let environment, let service, let reason, let changedAt):
            return try AlarmRecord.decide(
                .raise(alarm: alarm, environment: environment, service: service, reason: reason, changedAt: changedAt),
                state: world.alarms[alarm] ?? AlarmRecord.initial, now: now)
        case .resolveAlarm(let alarm, let reason):
            return try AlarmRecord.decide(
                .resolve(alarm: alarm, reason: reason), state: world.alarms[alarm] ?? AlarmRecord.initial, now: now)
        case .requestDeploy(let id, let service, let environment, let version, let artifact, let reason, let allowUnrecorded):
            let request = DeployRequest(
                id: id, service: service, environment: environment, version: version, artifact: artifact, reason: reason,
                allowUnrecorded: allowUnrecorded, by: actor)
            return try Deploy.decide(
                .request(request), context: context(id, environment, service), now: now, verifier: verifier)
        case .approveDeploy(let statement, let signature):
            return try deploy(
                .approve(deployID: statement.deployID, statement: statement, signature: signature, via: via),
                statement.deployID)
        case .rejectDeploy(let id, let reason):
            return try deploy(.reject(deployID: id, reason: reason, by: actor), id)
        case .cancelDeploy(let id, let reason):
            return try deploy(.cancel(deployID: id, reason: reason, by: actor), id)
        case .startDeploy(let id, let breakGlassReason, let previousTaskDefinition):
            return try deploy(.start(deployID: id, by: actor, breakGlassReason: breakGlassReason, previousTaskDefinition: previousTaskDefinition), id)
        case .succeedDeploy(let id):
            return try deploy(.succeed(deployID: id, by: actor), id)
        case .failDeploy(let id, let reason):
            return try deploy(.fail(deployID: id, reason: reason, by: actor), id)
        case .startRollback(let id, let alarm, let reason, let automatic):
            return try deploy(
                .startRollback(deployID: id, alarm: alarm, reason: reason, automatic: automatic, by: automatic ? nil : actor),
                id)
        case .finishRollback(let id, let succeeded, let reason, let taskDefinition, let ecsCalledAt):
            return try deploy(
                .finishRollback(
                    deployID: id, succeeded: succeeded, reason: reason, by: actor, taskDefinition: taskDefinition,
                    ecsCalledAt: ecsCalledAt), id)
        case .recordRefusal(let evidence, let attempt, let deployID, let reason):
            guard let bot = world.approvers.activeApprover(named: actor.name, at: now), bot.kind == .slackBot,
                bot.keyID == actor.keyID
            else {
                throw LedgerError(.notAuthorized, "only the Slack bot records what it refused; \(actor.name) is not the bot")
            }
            let person = world.approvers.activeApprover(slackUserID: evidence.userID, at: .distantFuture)
            return Decision(
                stream: .refusals(LedgerTime.day(now)),
                events: [
                    .actionRefused(
                        .init(
                            evidence: evidence, person: person?.kind == .person ? person?.name : nil,
                            attempt: try FreeText.required(attempt, what: "the refused attempt"), deployID: deployID,
                            reason: try FreeText.required(reason, what: "the refusal's reason"), recordedBy: actor,
                            refusedAt: now))
                ])
        }
    }
}
