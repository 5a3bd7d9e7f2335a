import Foundation
import Logging
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger

/// `shiplog deploy run`: carries out a requested deploy on ECS, through the one command path.
///
/// 1. Reads the deploy, its build's task definition and the service's target; asks ECS what
///    the service runs now (the rollback point).
/// 2. Records `DeployStarted` with that task definition: the gate check and the start are one
///    decision, so a closed gate stops it here, before AWS is touched.
/// 3. `UpdateService` to the build's task definition, then follows `DescribeServices` until
///    the rollout completes, fails or times out, and records `DeploySucceeded` or
///    `DeployFailed` with the reason. An ECS refusal after the start is recorded as the failure.
/// 4. When the target rolls back automatically and one of its alarms fires while the rollout is
///    in progress, stops following it, records `DeployFailed` ("alarm X fired during the
///    rollout"), and rolls the deploy back to the task definition that ran before (the same
///    path as an alarm after a deploy: `RollbackStarted`, `UpdateService`, the outcome, a lock).
public struct DeployRunner: Sendable {
    public let ledger: LedgerService
    public let ecs: ECSClient
    /// How long a rollout may take before the deploy is recorded as failed.
    public var rolloutLimit: Duration = .seconds(15 * 60)
    /// How often the rollout is asked about.
    public var pollInterval: Duration = .seconds(5)
    public var logger = Logger(label: "shiplog.deploy")

    public init(ledger: LedgerService, ecs: ECSClient) {
        self.ledger = ledger
        self.ecs = ecs
    }

    /// What `run` did.
    public struct Outcome: Sendable, Hashable {
        public var deployID: String
        public var cluster: String
        public var ecsService: String
        /// What ran before (the rollback point) and what runs now, as ECS names them.
        public var previousTaskDefinition: String
        public var taskDefinition: String
        /// Nil when it succeeded; else why it failed.
        public var failure: String?

        public var succeeded: Bool { failure == nil }
    }

    /// A deploy started on the ledger, about to be carried out on ECS.
    public struct Started: Sendable, Hashable {
        public var deployID: DeployID
        public var target: DeployTarget
        public var previousTaskDefinition: String
        public var taskDefinition: String
        /// When it was started here: alarms raised since then count against it.
        public var startedAt: Date
    }

    /// Runs deploy `id`, signing each step with `key` on behalf of `principal`.
    public func run(_ id: String, key: SigningKey, for principal: Principal = .signer) async throws -> Outcome {
        try await finish(try await start(id, key: key, for: principal), key: key, for: principal)
    }

    /// Checks the deploy can run and records its start with ECS's running task definition.
    public func start(_ id: String, key: SigningKey, for principal: Principal = .signer) async throws -> Started {
        let (context, _, _) = try await ledger.deploy(id)
        guard let request = context.deploy.request else { throw LedgerError(.notFound, "unknown deploy \(id)") }
        let deployID = request.deployID
        guard context.deploy.status == nil || context.deploy.status == .requested else {
            throw LedgerError(.wrongState, "deploy \(id) is \(context.deploy.status.map { "\($0)" } ?? "requested"): only a requested deploy can be run")
        }
        guard let taskDefinition = request.taskDefinition else {
            throw LedgerError(
                .invalidValue,
                "deploy \(id) has no ECS task definition: record the build with one (shiplog build record --service \(request.service) --version \(request.version) --task-definition ARN) and request it again")
        }
        guard let target = context.serviceEnvironment.target else {
            throw LedgerError(
                .notFound,
                "\(request.service) has no deploy target on \(request.environment): set one with shiplog target set --env \(request.environment) --service \(request.service) --ecs-cluster C --ecs-service S")
        }
        // Closed gates stop here too; the start below re-decides it with the ledger's own state.
        let gate = ledger.evaluate(context)
        guard gate.allowed else {
            throw LedgerError(.gateClosed, "deploy \(id) may not start: " + gate.reasons.joined(separator: "; "), gate: gate)
        }
        let running = try await ecs.describeService(cluster: target.cluster, service: target.ecsService, region: target.region)
        let startedAt = Date()
        try await ledger.run(
            .startDeploy(id: deployID, breakGlassReason: nil, previousTaskDefinition: running.taskDefinition),
            signedWith: key, for: principal)
        logger.info(
            "deploy started on ECS",
            metadata: ["deploy": "\(id)", "from": "\(running.taskDefinition)", "to": "\(taskDefinition)"])
        return Started(
            deployID: deployID, target: target, previousTaskDefinition: running.taskDefinition, taskDefinition: taskDefinition,
            startedAt: startedAt)
    }

    /// Updates the service, follows the rollout and records the outcome, signed with `key`
    /// for `principal` (a Slack user's deploy: the server's key, for itself).
    public func finish(_ started: Started, key: SigningKey, for principal: Principal = .signer) async throws -> Outcome {
        let target = started.target, id = started.deployID.rawValue
        var outcome = Outcome(
            deployID: id, cluster: target.cluster, ecsService: target.ecsService, previousTaskDefinition: started.previousTaskDefinition,
            taskDefinition: started.taskDefinition, failure: nil)
        var alarmDuringRollout: AlarmName?
        do {
            try await ecs.updateService(
                cluster: target.cluster, service: target.ecsService, taskDefinition: started.taskDefinition, region: target.region)
            switch try await ecs.followRollout(
                cluster: target.cluster, service: target.ecsService, taskDefinition: started.taskDefinition, region: target.region,
                limit: rolloutLimit, interval: pollInterval, interrupt: alarmCheck(started))
            {
            case .completed: break
            case .failed(let reason): outcome.failure = "the ECS rollout failed: \(reason)"
            case .timedOut: outcome.failure = "the ECS rollout did not finish within \(rolloutLimit)"
            case .interrupted(let name):
                alarmDuringRollout = try AlarmName(name)
                outcome.failure = "alarm \(name) fired during the rollout"
            }
        } catch let error as AWSError {
            outcome.failure = error.message
        }
        if let failure = outcome.failure {
            try await ledger.run(.failDeploy(id: started.deployID, reason: String(failure.prefix(900))), signedWith: key, for: principal)
            logger.warning("deploy failed on ECS", metadata: ["deploy": "\(id)", "reason": "\(failure)"])
        } else {
            try await ledger.run(.succeedDeploy(id: started.deployID), signedWith: key, for: principal)
            logger.info("deploy succeeded on ECS", metadata: ["deploy": "\(id)"])
        }
        if let alarm = alarmDuringRollout {
            // Back to what ran before, as an alarm after a deploy would.
            var rollbacks = Rollbacks(ledger: ledger, ecs: ecs, key: key)
            rollbacks.pollInterval = pollInterval
            rollbacks.rolloutLimit = rolloutLimit
            rollbacks.logger = logger
            do {
                try await ledger.run(
                    .startRollback(id: started.deployID, alarm: alarm, reason: "alarm \(alarm) fired during the rollout", automatic: true),
                    signedWith: key, for: principal)
                let back = try await rollbacks.carryOut(started.deployID)
                outcome.failure = (outcome.failure ?? "")
                    + (back.succeeded
                        ? "; rolled back to \(ECSTaskDefinitionName.short(back.toTaskDefinition ?? started.previousTaskDefinition))"
                        : "; the rollback failed: \(back.failure ?? "unknown")")
            } catch let error as LedgerError {
                // Auto-rollback off in the policy, or someone rolled it back first: say so.
                outcome.failure = (outcome.failure ?? "") + "; not rolled back: \(error.message)"
            }
        }
        return outcome
    }

    /// For a target that rolls back automatically: names one of its alarms raised since the
    /// deploy started, if any.
    func alarmCheck(_ started: Started) -> (@Sendable () async throws -> String?)? {
        let alarms = started.target.alarms ?? []
        guard started.target.rollsBackAutomatically, !alarms.isEmpty else { return nil }
        let ledger = ledger, since = started.startedAt
        return {
            for alarm in alarms {
                let raised = try await ledger.events(of: .alarm(alarm)).contains { event in
                    if case .alarmRaised(let raised) = event { return raised.raisedAt >= since }
                    return false
                }
                if raised { return alarm.rawValue }
            }
            return nil
        }
    }
}
