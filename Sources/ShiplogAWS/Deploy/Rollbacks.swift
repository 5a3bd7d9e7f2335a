import Foundation
import Logging
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger

/// Rolling a deploy back on ECS, by a person (`shiplog rollback`) or by an alarm (the watcher),
/// through the one command path.
///
/// Starting a rollback is a ledger decision: the deploy aggregate allows one `RollbackStarted`
/// per deploy, so five copies of an alarm, five alarms, or two servers given the same alarm
/// race on the deploy's stream and exactly one wins; the others are told the deploy is already
/// rolling back and do nothing. Carrying it out — `UpdateService` back to the task definition
/// that ran before the deploy, following the rollout, recording `RollbackSucceeded` or
/// `RollbackFailed`, then locking the service with the reason — is repeatable: a server that
/// died half way resumes it on restart (`carryOut` on every deploy still rolling back).
public struct Rollbacks: Sendable {
    public let ledger: LedgerService
    public let ecs: ECSClient
    /// The key the watcher signs with (the server's); a person's rollback signs with theirs.
    public let key: SigningKey
    public var rolloutLimit: Duration = .seconds(15 * 60)
    public var pollInterval: Duration = .seconds(5)
    public var logger = Logger(label: "shiplog.rollback")

    public init(ledger: LedgerService, ecs: ECSClient, key: SigningKey) {
        self.ledger = ledger
        self.ecs = ecs
        self.key = key
    }

    /// What a rollback did.
    public struct Outcome: Sendable, Hashable {
        public var deployID: DeployID
        public var environment: Environment
        public var service: ServiceName
        public var fromTaskDefinition: String?
        public var toTaskDefinition: String?
        /// Nil when the service runs the earlier release again; else why not.
        public var failure: String?
        public var succeeded: Bool { failure == nil }
    }

    // MARK: Alarms

    /// What an alarm caused: the deploys whose rollback it started (to carry out next).
    public struct AlarmEffect: Sendable, Hashable {
        public var recorded: Bool
        public var rollbacks: [DeployID]
    }

    /// Records `alarm` and starts the rollbacks it calls for, quickly (an SNS delivery waits on
    /// it): `ALARM` records `AlarmRaised` and, for each target it watches with auto-rollback
    /// whose last deploy finished within the watch window, starts that deploy's rollback; `OK`
    /// records `AlarmResolved`. An alarm no target knows, or one outside the window, is recorded
    /// and does nothing else.
    /// `principal`: on whose behalf the alarm itself is recorded (an EventBridge rule's API
    /// token); the rollbacks are the server's own.
    public func record(
        _ alarm: CloudWatchAlarm, targets: [LedgerEvent.TargetSet], receivedAt: Date, for principal: Principal = .signer
    ) async throws -> AlarmEffect {
        let name = try AlarmName(alarm.name)
        let watched = targets.filter { $0.target.isWatched(by: name, dimensions: alarm.dimensions) }
        let reason = alarm.reason.map { String($0.prefix(900)) }
        switch alarm.state {
        case "ALARM":
            let only = watched.count == 1 ? watched.first : nil
            let receipt = try await ledger.run(
                .raiseAlarm(alarm: name, environment: only?.environment, service: only?.service, reason: reason, changedAt: alarm.changedAt),
                signedWith: key, for: principal)
            var started: [DeployID] = []
            let time = alarm.changedAt ?? receivedAt
            for match in watched where match.target.rollsBackAutomatically {
                let (place, policy) = try await ledger.serviceEnvironment(match.environment, match.service)
                guard policy.policy?.autoRollback ?? false, let running = place.running, let id = running.deployID,
                    running.deployedAt.addingTimeInterval(TimeInterval(match.target.watch)) >= time,
                    running.deployedAt <= time.addingTimeInterval(300)
                else {
                    logger.info(
                        "alarm recorded; no rollback (no deploy within the watch window, or auto-rollback off)",
                        metadata: ["alarm": "\(name)", "environment": "\(match.environment)", "service": "\(match.service)"])
                    continue
                }
                do {
                    try await ledger.run(
                        .startRollback(id: id, alarm: name, reason: reason ?? "alarm \(name)", automatic: true), signedWith: key)
                    started.append(id)
                    logger.notice("rollback started by an alarm", metadata: ["alarm": "\(name)", "deploy": "\(id)"])
                } catch let error as LedgerError where [.wrongState, .conflict, .notFound, .notAuthorized].contains(error.code) {
                    // Another copy of the alarm (or another alarm, or another server) got there first.
                    logger.info("no rollback started", metadata: ["deploy": "\(id)", "reason": "\(error.message)"])
                }
            }
            return AlarmEffect(recorded: !receipt.appended.isEmpty, rollbacks: started)
        case "OK":
            let receipt = try await ledger.run(.resolveAlarm(alarm: name, reason: reason), signedWith: key, for: principal)
            return AlarmEffect(recorded: !receipt.appended.isEmpty, rollbacks: [])
        default:
            return AlarmEffect(recorded: false, rollbacks: [])
        }
    }

    // MARK: By a person

    /// Rolls back what runs as `service` on `environment` (its last deploy), signed with `key`
    /// for `principal`: starts it, then carries it out.
    public func rollBack(
        environment: Environment, service: ServiceName, reason: String, key: SigningKey, for principal: Principal = .signer
    ) async throws -> Outcome {
        let id = try await start(environment: environment, service: service, reason: reason, key: key, for: principal)
        // A person's own key records the rest too; for a Slack user the server's key does.
        return try await carryOut(id, signedWith: principal == .signer ? key : nil)
    }

    /// Records the start of a person's rollback of `service` on `environment`; returns the
    /// deploy being rolled back (`carryOut` does the rest).
    public func start(
        environment: Environment, service: ServiceName, reason: String, key: SigningKey, for principal: Principal = .signer
    ) async throws -> DeployID {
        let (place, _) = try await ledger.serviceEnvironment(environment, service)
        guard let id = place.active?.deployID ?? place.running?.deployID else {
            throw LedgerError(.notFound, "nothing Shiplog deployed runs as \(service) on \(environment): there is no deploy to roll back")
        }
        try await ledger.run(.startRollback(id: id, alarm: nil, reason: reason, automatic: false), signedWith: key, for: principal)
        return id
    }

    // MARK: Carrying it out

    /// Carries out deploy `id`'s started rollback on ECS and records how it ended, then locks
    /// the service with the reason (unlocking is a deliberate act). A rollback already finished
    /// is left alone.
    @discardableResult
    public func carryOut(_ id: DeployID, signedWith key: SigningKey? = nil) async throws -> Outcome {
        let key = key ?? self.key
        let (context, events, _) = try await ledger.deploy(id.rawValue)
        guard let request = context.deploy.request else { throw LedgerError(.notFound, "unknown deploy \(id)") }
        var outcome = Outcome(
            deployID: id, environment: request.environment, service: request.service, fromTaskDefinition: request.taskDefinition,
            toTaskDefinition: nil, failure: nil)
        guard context.deploy.status == .rollingBack, let rollback = context.deploy.rollback else {
            outcome.failure = context.deploy.status == .rolledBack ? nil : "deploy \(id) is not rolling back"
            return outcome
        }
        let started = events.compactMap { if case .deployStarted(let e) = $0 { e } else { nil } }.last
        var to = started?.previousTaskDefinition
        if to == nil, let earlier = rollback.toDeployID {
            to = try? await ledger.deploy(earlier.rawValue).context.deploy.request?.taskDefinition
        }
        outcome.toTaskDefinition = to
        var ecsCalledAt: Date?
        if let target = context.serviceEnvironment.target, let to {
            do {
                ecsCalledAt = Date()
                logger.notice("rolling back on ECS", metadata: ["deploy": "\(id)", "to": "\(to)"])
                try await ecs.updateService(cluster: target.cluster, service: target.ecsService, taskDefinition: to, region: target.region)
                switch try await ecs.followRollout(
                    cluster: target.cluster, service: target.ecsService, taskDefinition: to, region: target.region,
                    limit: rolloutLimit, interval: pollInterval)
                {
                case .completed: break
                case .failed(let reason): outcome.failure = "the ECS rollout back failed: \(reason)"
                case .timedOut: outcome.failure = "the ECS rollout back did not finish within \(rolloutLimit)"
                case .interrupted(let reason): outcome.failure = reason
                }
            } catch let error as AWSError {
                outcome.failure = error.message
            }
        } else {
            outcome.failure =
                context.serviceEnvironment.target == nil
                ? "\(request.service) has no deploy target on \(request.environment)"
                : "no task definition is known for the release to roll back to"
        }
        do {
            try await ledger.run(
                .finishRollback(
                    id: id, succeeded: outcome.succeeded, reason: outcome.failure.map { String($0.prefix(900)) },
                    taskDefinition: to, ecsCalledAt: ecsCalledAt),
                signedWith: key)
        } catch let error as LedgerError where error.code == .wrongState {
            logger.info("the rollback was already finished", metadata: ["deploy": "\(id)"])
        }
        let why =
            (rollback.alarm.map { "alarm \($0)" } ?? "rolled back")
            + ": \(id) \(outcome.succeeded ? "rolled back" : "FAILED to roll back")"
            + (rollback.reason.map { " (\($0.prefix(300)))" } ?? "")
        do {
            try await ledger.run(
                .lock(environment: request.environment, service: request.service, reason: why), signedWith: key)
        } catch let error as LedgerError where error.code == .wrongState {
            // Locked already (by an earlier alarm, or a person): that lock stands.
        }
        if let failure = outcome.failure {
            logger.error("rollback failed", metadata: ["deploy": "\(id)", "reason": "\(failure)"])
        } else {
            logger.notice("rolled back", metadata: ["deploy": "\(id)"])
        }
        return outcome
    }
}
