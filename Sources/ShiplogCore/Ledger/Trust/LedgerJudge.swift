import Foundation

/// Decides whether a recorded command counts: the one rule the gate, every command's decision,
/// the projections and `shiplog verify` share. Readers trust signatures and authority, not the
/// database: anyone holding the database role may write rows, so a row counts only when the
/// ledger itself would have written it for a signed intent.
///
/// A command counts when all of these hold, checked in this order (the first failure is the
/// reason it is skipped):
/// 0. its id has not been judged before (a signed command counts once: a copy appended
///    again, say an old unlock replayed after a new lock, does not);
/// 1. its intent's signature verifies (the caller checks it, with the public key of the
///    signer's key id);
/// 2. every event is on the stream its payload names (`LedgerEvent.homeStream`), and the
///    intent's time is not later than the log recorded it (plus `clockSkew`): a signer cannot
///    date a start past a freeze window or an approval past its expiry;
/// 3. someone may act for it (`LedgerWorld.acting(for:)`): the signer is an admin or holds an
///    enrolled key not revoked at this point of the log (the first `LedgerInitialized` is
///    signed by the key it enrolls); on behalf of a Slack user, the signer is the Slack bot
///    and the user an enrolled person; on behalf of a CI token, the signer is the server's key
///    and the token valid, with the command's scope;
/// 4. an approval's statement is signed by the intent's signer; commands whose events name no
///    one (alarms, automatic rollbacks) are signed by a CI key, the Slack bot, a token or an admin;
/// 5. the domain, asked to decide the intent's command as that actor at the intent's time on
///    the state the log holds just before it, decides exactly these events. This is where
///    authority lives (admins for trust and rules, the approver for an approval, the requester
///    or an admin to cancel, an admin or the locker to unlock, ...), and it is how a start
///    proves its gate: the gate is re-derived from the approvals, locks, freezes and policy
///    before it, and the recorded `approvedBy` and break-glass must be what it gives.
///
/// Step 5 needs every stream the domain reads for that command
/// (`LedgerCommand.contextStreams`). A reader that loaded only some streams (a command, not a
/// full walk) sees the events of other commands that touch its streams (another deploy's
/// `ActiveDeployClosed` on `env-prod-web`); for those it checks 0–4 and that such events come
/// with their deploy's own.
public enum LedgerJudge {
    /// How far a command's own time may be from the database's clock that recorded it.
    public static let clockSkew: TimeInterval = 300

    /// Whether `command` counts in `world`; `signatureIsValid` is the caller's check of its
    /// intent's signature. `verifier` checks approval statements (inside the gate).
    public static func judge(
        _ command: RecordedCommand, signatureIsValid: Bool, in world: LedgerWorld, verifier: some SignatureVerifier
    ) -> Judgment {
        let intent = command.intent
        guard !command.entries.isEmpty else { return .skipped(reason: "an empty command") }
        guard !world.commands.contains(command.id) else {
            return .skipped(
                reason: "it replays command \(command.id.uuidString.lowercased()), which is already recorded: a signed command counts once")
        }
        guard signatureIsValid else {
            return .skipped(
                reason: "its signature does not verify with key \(command.signer): the signed intent was altered or forged")
        }
        for entry in command.entries where entry.event.homeStream != entry.stream {
            return .skipped(
                reason: "\(entry.event.type) belongs on stream \(entry.event.homeStream), not \(entry.stream)")
        }
        if let problem = timeProblem(intent.at, recordedAt: command.recordedAt) {
            return .skipped(reason: "\(intent.command.name) \(problem)")
        }
        if case .initialize(_, _, let keyID) = intent.command, keyID == intent.signer, intent.principal == .signer,
            !world.trustRoot.isInitialized
        {
            // The root of trust signs itself; step 5 checks the rest.
        } else if case .failure(let error) = world.acting(for: intent) {
            return .skipped(reason: error.message)
        }
        if case .approveDeploy(let statement, _) = intent.command, statement.signer != intent.signer {
            return .skipped(
                reason: "an approval whose statement is signed with key \(statement.signer) was submitted under key \(intent.signer)")
        }

        let context = intent.command.contextStreams(at: intent.at) { id in
            world.deploys[id]?.request.map { ($0.environment, $0.service) }
        }
        if context == nil, let id = intent.command.existingDeploy, world.isLoaded(.deploy(id), before: command.position) {
            return .skipped(reason: "\(intent.command.name) names deploy \(id), which was never requested")
        }
        guard let context,
            (context + [.ledger, .approvers, .tokens]).allSatisfy({ world.isLoaded($0, before: command.position) })
        else {
            return companionJudgment(command, in: world)
        }
        do {
            let decided = try decide(intent, in: world, verifier: verifier).appends.flatMap { append in
                append.events.map { (append.stream, $0) }
            }
            let recorded = command.entries.map { ($0.stream, $0.event) }
            guard decided.count == recorded.count, !zip(decided, recorded).contains(where: { $0 != $1 }) else {
                return .skipped(
                    reason: "the ledger would not have recorded these events for \(intent.command.name) here: they differ from what the domain decides for the signed command")
            }
            return .counted
        } catch let error as LedgerError {
            return .skipped(reason: "\(intent.command.name) would have been refused here: \(error.message)")
        } catch {
            return .skipped(reason: "\(intent.command.name) would have been refused here: \(error)")
        }
    }

    /// The domain's decision for a signed intent at this point of the log: who acts for it
    /// (`LedgerWorld.acting(for:)`), the command decided as that actor at the intent's time,
    /// and the rule that only a CI key, the Slack bot, a token or an admin acts for the system.
    /// The application layer appends exactly this; the judge re-derives it.
    public static func decide(_ intent: CommandIntent, in world: LedgerWorld, verifier: some SignatureVerifier) throws
        -> Decision
    {
        let actor: LedgerActor, kind: LedgerWorld.SignerKind
        if case .initialize(let name, _, let keyID) = intent.command, !world.trustRoot.isInitialized {
            guard keyID == intent.signer, intent.principal == .signer else {
                throw LedgerError(.notAuthorized, "the first admin's key signs the ledger's initialization itself")
            }
            (actor, kind) = (LedgerActor(name: name, keyID: keyID), .admin)
        } else {
            (actor, kind) = try world.acting(for: intent).get()
        }
        let decision = try intent.command.decide(
            in: world, as: actor, via: intent.principal.approvalChannel, at: intent.at, verifier: verifier)
        let namesSomeone = decision.events.contains { event in
            if case .deployApproved = event { return true }
            return event.actor != nil
        }
        if !decision.isEmpty && !namesSomeone && !kind.actsForSystem {
            throw LedgerError(
                .notAuthorized,
                "\(intent.command.name) acts for the system: only a CI key or token, the Slack bot or an admin may sign it, not \(actor.name)")
        }
        return decision
    }

    /// Step 2's clock rule: why the intent's time `at` cannot count when recorded at
    /// `recordedAt`, or nil when it can. (An intent signed long before it was recorded is
    /// refused at the door, `LedgerService.submit`, not here: history imported or seeded with
    /// its own times stays readable.)
    public static func timeProblem(_ at: Date, recordedAt: Date) -> String? {
        guard at > recordedAt.addingTimeInterval(clockSkew) else { return nil }
        return "says it happened at \(LedgerTime.secondsString(at)), after the log recorded it at \(LedgerTime.secondsString(recordedAt))"
    }

    /// For a command whose context was not loaded, so that it cannot be decided again here: its
    /// events must still be ones its signed command can produce — of its types, about its
    /// deploy, naming the actor who may act for it, dated at its time — and the slot events of
    /// a deploy come with the deploy's own event. `verify` decides it again in full.
    static func companionJudgment(_ command: RecordedCommand, in world: LedgerWorld) -> Judgment {
        let intent = command.intent
        let types = intent.command.eventTypes
        let acting = try? world.acting(for: intent).get()
        for entry in command.entries {
            let event = entry.event
            guard types.contains(event.type) else {
                return .skipped(reason: "\(event.type) is not what \(intent.command.name) records")
            }
            guard event.occurredAt == intent.at else {
                return .skipped(reason: "\(event.type) is dated \(LedgerTime.payloadString(event.occurredAt)), not at its signed command's time")
            }
            if let actor = event.actor, actor != acting?.actor {
                return .skipped(reason: "\(event.type) names \(actor.name) as its actor, who did not sign \(intent.command.name)")
            }
            if let deploy = intent.command.deploy {
                if case .deploy(let id) = entry.stream, id != deploy {
                    return .skipped(reason: "\(event.type) is about deploy \(id), not \(deploy) that the command names")
                }
            }
        }
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
            if !deploys.contains(slot) || (intent.command.deploy.map { $0 != slot } ?? true) {
                return .skipped(reason: "\(entry.event.type) is recorded only with the command of deploy \(slot)")
            }
        }
        return .counted
    }

    /// The streams a command that wrote `event` reads: the projector loads them to judge a
    /// short stretch of the log the way a command would.
    public static func contextStreams(of event: LedgerEvent) -> [LedgerStream] {
        switch event {
        case .ledgerInitialized, .adminAdded, .adminRemoved, .checkpointKeySet: return [.ledger]
        case .approverEnrolled, .approverRevoked: return [.ledger, .approvers]
        case .policySet(let e): return [.ledger, .policy(e.environment)]
        case .targetSet(let e): return [.ledger, .policy(e.environment), .serviceEnvironment(e.environment, e.service)]
        case .tokenIssued(let e): return [.ledger, .tokens] + (e.environments ?? []).map { .policy($0) }
        case .tokenRevoked: return [.ledger, .tokens]
        case .buildRecorded(let e): return [.build(e.service, e.version)]
        case .migrationApplied(let e): return [.migrations(e.environment), .policy(e.environment)]
        case .migrationFailed(let e): return [.migrations(e.environment), .policy(e.environment)]
        case .environmentLocked(let e):
            return [.ledger, .policy(e.environment), EnvironmentLocks.stream(environment: e.environment, service: e.service)]
        case .environmentUnlocked(let e):
            return [.ledger, .policy(e.environment), EnvironmentLocks.stream(environment: e.environment, service: e.service)]
        case .alarmRaised(let e): return [.alarm(e.alarm)]
        case .alarmResolved(let e): return [.alarm(e.alarm)]
        case .actionRefused(let e): return [.ledger, .approvers, .refusals(LedgerTime.day(e.refusedAt))]
        case .deployRequested(let e):
            return Deploy.streams(deployID: e.deployID, environment: e.environment, service: e.service)
                + [.build(e.service, e.version)]
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
}
