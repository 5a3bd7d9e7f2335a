import Foundation

extension Deploy {
    /// Decides a deploy command.
    ///
    /// - request: the environment must have a policy; the service must have no active deploy
    ///   there; the version must have a recorded build (or `allowUnrecorded` with an artifact).
    ///   Appends DeployRequested to `deploy-<id>` and ActiveDeployOpened to `env-<env>-<service>`.
    ///   Locks and freeze windows do not stop a request; they close the gate at start.
    /// - approve: checked by `Gate.checkApprovalSubmission`; appends DeployApproved.
    /// - reject (an approver of the environment or an admin), cancel (the requester or an admin):
    ///   only while requested; also close the active slot.
    /// - start: the gate must allow it (`Gate.evaluate`), or an admin breaks glass.
    /// - succeed / fail: only once started; close the active slot (success records the release).
    /// - startRollback / finishRollback: see the command's documentation.
    public static func decide(
        _ command: Command, context: Context, now: Date, verifier: some SignatureVerifier
    ) throws -> Decision {
        switch command {
        case .request(let request):
            return try decideRequest(request, context: context, now: now)

        case .approve(let id, let statement, let signature, let via):
            let (state, request) = try existing(context.deploy, id)
            guard state.status == .requested else {
                throw wrongState(id, state.status, "approved")
            }
            let policy = try PolicyRecord.requirePolicy(context.policy, for: request.environment)
            let approver = try Gate.checkApprovalSubmission(
                statement: statement, signature: signature, signerKeyID: statement.signer, via: via,
                deploy: state, approvers: context.approvers, policy: policy, now: now, verifier: verifier)
            return Decision(
                stream: .deploy(id),
                events: [
                    .deployApproved(
                        .init(
                            deployID: id, approver: approver, statement: statement, signature: signature,
                            signerKeyID: statement.signer, via: via, approvedAt: now))
                ])

        case .reject(let id, let reason, let actor):
            let (state, request) = try existing(context.deploy, id)
            guard state.status == .requested else { throw wrongState(id, state.status, "rejected") }
            let reason = try FreeText.required(reason, what: "the reason for a rejection")
            let mayReject =
                context.trustRoot.isAdmin(actor.keyID)
                || context.approvers.activeApprover(named: actor.name, at: now)?.mayApprove(request.environment) == true
            guard mayReject else {
                throw LedgerError(
                    .notAuthorized,
                    "\(actor.name) may not reject deploys to \(request.environment): only its approvers and admins can")
            }
            return closing(
                request, outcome: .rejected, running: nil, now: now,
                event: .deployRejected(
                    .init(
                        deployID: id, environment: request.environment, service: request.service, reason: reason,
                        rejectedBy: actor, rejectedAt: now)))

        case .cancel(let id, let reason, let actor):
            let (state, request) = try existing(context.deploy, id)
            guard state.status == .requested else {
                let hint =
                    state.status == .started ? ": record its outcome with shiplog deploy succeed or fail" : ""
                throw wrongState(id, state.status, "cancelled", hint: hint)
            }
            let reason = try FreeText.optional(reason, what: "the reason")
            guard actor.name == request.requestedBy.name || context.trustRoot.isAdmin(actor.keyID) else {
                throw LedgerError(
                    .notAuthorized,
                    "only \(request.requestedBy.name), who requested deploy \(id), or an admin can cancel it")
            }
            return closing(
                request, outcome: .cancelled, running: nil, now: now,
                event: .deployCancelled(
                    .init(
                        deployID: id, environment: request.environment, service: request.service, reason: reason,
                        cancelledBy: actor, cancelledAt: now)))

        case .start(let id, let actor, let breakGlassReason, let previousTaskDefinition):
            let (state, request) = try existing(context.deploy, id)
            guard state.status == .requested else { throw wrongState(id, state.status, "started") }
            var breakGlass: BreakGlass?
            if let breakGlassReason {
                let reason = try FreeText.required(breakGlassReason, what: "the reason for breaking glass")
                guard context.trustRoot.isAdmin(actor.keyID) else {
                    throw LedgerError(
                        .notAuthorized,
                        "break-glass needs an admin key: \(actor.name) is not an admin")
                }
                breakGlass = BreakGlass(reason: reason, by: actor)
            }
            let previous = try FreeText.token(previousTaskDefinition, what: "the running task definition", maxLength: 2048)
            let policy = try PolicyRecord.requirePolicy(context.policy, for: request.environment)
            let gate = Gate.evaluate(
                deploy: state, approvers: context.approvers, policy: policy, locks: context.locks, now: now,
                verifier: verifier, breakGlass: breakGlass, migrations: context.migrations)
            guard gate.allowed else {
                throw LedgerError(
                    .gateClosed, "deploy \(id) may not start: " + gate.reasons.joined(separator: "; "), gate: gate)
            }
            return Decision(
                stream: .deploy(id),
                events: [
                    .deployStarted(
                        .init(
                            deployID: id, environment: request.environment, service: request.service,
                            version: request.version, artifact: request.artifact, approvedBy: gate.approvedBy,
                            breakGlass: breakGlass != nil, breakGlassReason: breakGlass?.reason,
                            previousTaskDefinition: previous, startedBy: actor, startedAt: now))
                ])

        case .succeed(let id, let actor):
            let (state, request) = try existing(context.deploy, id)
            guard state.status == .started else { throw wrongState(id, state.status, "marked succeeded") }
            let release = Release(
                deployID: id, version: request.version, artifact: request.artifact,
                deployedBy: state.started?.startedBy ?? actor, deployedAt: now)
            return closing(
                request, outcome: .succeeded, running: release, now: now,
                event: .deploySucceeded(
                    .init(
                        deployID: id, environment: request.environment, service: request.service,
                        version: request.version, artifact: request.artifact, recordedBy: actor, succeededAt: now)))

        case .fail(let id, let reason, let actor):
            let (state, request) = try existing(context.deploy, id)
            guard state.status == .started else { throw wrongState(id, state.status, "marked failed") }
            let reason = try FreeText.optional(reason, what: "the reason")
            return closing(
                request, outcome: .failed, running: nil, now: now,
                event: .deployFailed(
                    .init(
                        deployID: id, environment: request.environment, service: request.service,
                        version: request.version, artifact: request.artifact, reason: reason, recordedBy: actor,
                        failedAt: now)))

        case .startRollback(let id, let alarm, let reason, let automatic, let actor):
            return try decideRollback(
                id, alarm: alarm, reason: reason, automatic: automatic, actor: actor, context: context, now: now)

        case .finishRollback(let id, let succeeded, let reason, let actor, let taskDefinition, let ecsCalledAt):
            let (state, request) = try existing(context.deploy, id)
            guard state.status == .rollingBack, let rollback = state.rollback else {
                throw wrongState(id, state.status, succeeded ? "marked rolled back" : "marked as a failed rollback")
            }
            let reason = try FreeText.optional(reason, what: "the reason")
            let taskDefinition = try FreeText.token(taskDefinition, what: "the task definition", maxLength: 2048)
            let ecsCalledAt = ecsCalledAt.map(LedgerTime.truncatedToMicroseconds)
            if succeeded {
                let release = Release(
                    deployID: rollback.toDeployID, version: rollback.toVersion, artifact: rollback.toArtifact,
                    deployedBy: actor, deployedAt: now)
                return closing(
                    request, outcome: .rolledBack, running: release, now: now,
                    event: .rollbackSucceeded(
                        .init(
                            deployID: id, environment: request.environment, service: request.service,
                            version: rollback.toVersion, artifact: rollback.toArtifact, taskDefinition: taskDefinition,
                            ecsCalledAt: ecsCalledAt, recordedBy: actor, succeededAt: now)))
            }
            return closing(
                request, outcome: .rollbackFailed, running: nil, now: now,
                event: .rollbackFailed(
                    .init(
                        deployID: id, environment: request.environment, service: request.service, reason: reason,
                        taskDefinition: taskDefinition, ecsCalledAt: ecsCalledAt, recordedBy: actor, failedAt: now)))
        }
    }

    private static func decideRequest(_ command: DeployRequest, context: Context, now: Date) throws -> Decision {
        let id = command.id
        guard context.deploy.request == nil else {
            throw LedgerError(.alreadyExists, "deploy \(id) already exists")
        }
        _ = try PolicyRecord.requirePolicy(context.policy, for: command.environment)
        if let active = context.serviceEnvironment.active {
            let by = active.openedBy.map { " by \($0.name)" } ?? ""
            let doing = active.purpose == .rollback ? "is being rolled back" : "already has an active deploy"
            throw LedgerError(
                .conflict,
                "\(command.service) on \(command.environment) \(doing): \(active.deployID) (\(active.version), opened\(by) at \(LedgerTime.secondsString(active.openedAt))); finish it or cancel it (shiplog deploy cancel \(active.deployID)) first"
            )
        }
        let reason = try FreeText.optional(command.reason, what: "the reason")
        let artifact: ArtifactDigest
        var build: LedgerEvent.BuildRecorded?
        if let recorded = context.builds.build(version: command.version) {
            if let given = command.artifact, given != recorded.artifact {
                throw LedgerError(
                    .conflict,
                    "\(command.service) \(command.version) was built as \(recorded.artifact), not \(given)")
            }
            artifact = recorded.artifact
            build = recorded
        } else if command.allowUnrecorded {
            guard let given = command.artifact else {
                throw LedgerError(
                    .invalidValue,
                    "\(command.service) \(command.version) has no recorded build: an unrecorded deploy must name its artifact (--artifact sha256:...)"
                )
            }
            artifact = given
        } else {
            throw LedgerError(
                .notFound,
                "\(command.service) \(command.version) has no recorded build: record it with shiplog build record --service \(command.service) --version \(command.version) --artifact sha256:..., or pass --allow-unrecorded"
            )
        }
        let requested = LedgerEvent.DeployRequested(
            deployID: id, environment: command.environment, service: command.service, version: command.version,
            artifact: artifact, commit: build?.commit, taskDefinition: build?.taskDefinition, reason: reason,
            allowUnrecorded: build == nil, requestedBy: command.by, requestedAt: now)
        return Decision([
            .init(stream: .deploy(id), events: [.deployRequested(requested)]),
            .init(
                stream: .serviceEnvironment(command.environment, command.service),
                events: [
                    .activeDeployOpened(
                        .init(
                            deployID: id, environment: command.environment, service: command.service,
                            purpose: .deploy, version: command.version, artifact: artifact, openedBy: command.by,
                            openedAt: now))
                ]),
        ])
    }

    private static func decideRollback(
        _ id: DeployID, alarm: AlarmName?, reason: String?, automatic: Bool, actor: LedgerActor?, context: Context,
        now: Date
    ) throws -> Decision {
        let (state, request) = try existing(context.deploy, id)
        guard state.status == .succeeded || state.status == .failed else {
            throw wrongState(id, state.status, "rolled back")
        }
        let reason = try FreeText.optional(reason, what: "the reason")
        let place = context.serviceEnvironment
        let policy = try PolicyRecord.requirePolicy(context.policy, for: request.environment)
        if automatic && !policy.autoRollback {
            throw LedgerError(
                .notAuthorized,
                "auto-rollback is off for \(request.environment): a person must roll deploy \(id) back")
        }
        if let active = place.active, active.deployID != id {
            throw LedgerError(
                .conflict,
                "\(request.service) on \(request.environment) has an active deploy \(active.deployID); finish or cancel it before rolling back \(id)"
            )
        }
        let target: Release
        if state.status == .succeeded {
            guard place.running?.deployID == id else {
                let now = place.running?.deployID.map { " (\($0) runs there now)" } ?? ""
                throw LedgerError(
                    .conflict,
                    "deploy \(id) no longer runs on \(request.environment)\(now): roll back the latest deploy instead")
            }
            guard let previous = place.lastKnownGood else {
                throw LedgerError(
                    .notFound,
                    "there is no earlier release of \(request.service) on \(request.environment) to roll back to")
            }
            target = previous
        } else {
            guard let running = place.running else {
                throw LedgerError(
                    .notFound,
                    "there is no earlier release of \(request.service) on \(request.environment) to roll back to")
            }
            target = running
        }
        return Decision([
            .init(
                stream: .deploy(id),
                events: [
                    .rollbackStarted(
                        .init(
                            deployID: id, environment: request.environment, service: request.service,
                            fromVersion: request.version, fromArtifact: request.artifact, toVersion: target.version,
                            toArtifact: target.artifact, toDeployID: target.deployID, alarm: alarm,
                            automatic: automatic, reason: reason, startedBy: actor, startedAt: now))
                ]),
            .init(
                stream: .serviceEnvironment(request.environment, request.service),
                events: [
                    .activeDeployOpened(
                        .init(
                            deployID: id, environment: request.environment, service: request.service,
                            purpose: .rollback, version: target.version, artifact: target.artifact, openedBy: actor,
                            openedAt: now))
                ]),
        ])
    }

    /// The event on the deploy's stream, plus ActiveDeployClosed on its service's stream.
    private static func closing(
        _ request: LedgerEvent.DeployRequested, outcome: DeployOutcome, running: Release?, now: Date,
        event: LedgerEvent
    ) -> Decision {
        Decision([
            .init(stream: .deploy(request.deployID), events: [event]),
            .init(
                stream: .serviceEnvironment(request.environment, request.service),
                events: [
                    .activeDeployClosed(
                        .init(
                            deployID: request.deployID, environment: request.environment, service: request.service,
                            outcome: outcome, running: running, closedAt: now))
                ]),
        ])
    }

    private static func existing(_ state: State, _ id: DeployID) throws -> (State, LedgerEvent.DeployRequested) {
        guard let request = state.request, request.deployID == id else {
            throw LedgerError(.notFound, "unknown deploy \(id): see shiplog history for deploy ids")
        }
        return (state, request)
    }

    private static func wrongState(_ id: DeployID, _ status: DeployStatus?, _ verb: String, hint: String = "")
        -> LedgerError
    {
        let phrase = status?.phrase ?? "does not exist"
        return LedgerError(.wrongState, "deploy \(id) \(phrase); it cannot be \(verb)\(hint)")
    }
}
