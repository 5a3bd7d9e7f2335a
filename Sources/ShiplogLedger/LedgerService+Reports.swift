import Foundation
import ShiplogCore
import ShiplogPostgres

/// The reports every door shows: built here once, from the deploy's own streams.
extension LedgerService {
    /// What a person signs to approve deploy `id`.
    public func approvalTerms(_ id: String) async throws -> ApprovalTerms {
        let (_, request) = try await existingDeploy(id)
        let policy = try PolicyRecord.requirePolicy(
            try await store.load([.policy(request.environment)]).world.policy(request.environment), for: request.environment)
        return ApprovalTerms(request, lifetime: policy.approvalTTL)
    }

    /// The gate now, and who may still open it.
    public func gateReport(_ id: String) async throws -> GateReport {
        let (context, _, _) = try await deploy(id)
        let decision = evaluate(context)
        var mayApprove: [String] = []
        if let request = context.deploy.request {
            // People allowed for the environment who have not approved yet.
            let approved = Set(decision.approvedBy)
            let selfApproval = context.policy.policy?.allowSelfApproval == true
            mayApprove = context.approvers.active(at: clock()).filter {
                $0.kind == .person && $0.environments.contains(request.environment) && !approved.contains($0.name)
                    && ($0.name != request.requestedBy.name || selfApproval)
            }.map(\.name.rawValue).sorted()
        }
        return GateReport(
            allowed: decision.allowed, approvals: decision.approvals, required: decision.required, reasons: decision.reasons,
            approvedBy: decision.approvedBy.map(\.rawValue), verdicts: decision.verdicts.map { ApprovalReport($0) },
            status: context.deploy.status.map { "\($0)" } ?? "unknown", mayApprove: mayApprove)
    }

    /// The deploy's whole story: build, approvals (judged as of its start once started),
    /// timeline, what ECS ran, the alarm that rolled it back and the lock that left.
    public func deployReport(_ id: String) async throws -> DeployReport {
        let (context, events, skipped) = try await deploy(id)
        let decision = evaluate(context, at: context.deploy.started?.startedAt)
        guard let request = context.deploy.request else {
            throw LedgerError(.notFound, "unknown deploy \(id): list deploys with shiplog history")
        }
        let build = context.builds.build(version: request.version)
        let expiries = Dictionary(
            context.deploy.approvals.map { ($0.approvedAt, $0.statement.expiresAt) }, uniquingKeysWith: { first, _ in first })
        var report = DeployReport(
            id: request.deployID.rawValue, service: request.service.rawValue, environment: request.environment.rawValue,
            version: request.version.rawValue, artifact: request.artifact.rawValue,
            status: context.deploy.status.map { "\($0)" } ?? "unknown", requester: request.requestedBy.name.rawValue,
            requestedAt: Timestamps.iso8601(request.requestedAt), reason: request.reason,
            allowUnrecorded: request.allowUnrecorded, breakGlass: context.deploy.started?.breakGlass ?? false,
            build: build.map {
                DeployReport.Build(
                    version: $0.version.rawValue, artifact: $0.artifact.rawValue, commit: $0.commit,
                    taskDefinition: $0.taskDefinition, recordedBy: $0.recordedBy.name.rawValue,
                    recordedAt: Timestamps.iso8601($0.recordedAt))
            },
            gate: DeployReport.Gate(
                allowed: decision.allowed, approvals: decision.approvals, required: decision.required, reasons: decision.reasons),
            approvals: decision.verdicts.map { ApprovalReport($0, expiresAt: expiries[$0.approvedAt]) },
            timeline: events.filter { !($0.type.hasPrefix("ActiveDeploy")) }.map {
                DeployReport.Step(
                    at: Timestamps.iso8601($0.occurredAt), event: $0.type,
                    summary: ($0.recordedActorName.map { "\($0) " } ?? "") + $0.summary)
            },
            ecs: Self.ecs(request, events), alarm: nil, lock: nil, notCounted: skipped)
        if let rollback = context.deploy.rollback, let name = rollback.alarm {
            let raised = try await self.events(of: .alarm(name)).compactMap { event -> LedgerEvent.AlarmRaised? in
                if case .alarmRaised(let e) = event, e.raisedAt <= rollback.startedAt { return e }
                return nil
            }.last
            report.alarm = DeployReport.Alarm(
                name: name.rawValue, reason: raised?.reason ?? rollback.reason,
                stateChangedAt: raised?.changedAt.map(Timestamps.iso8601),
                receivedAt: Timestamps.iso8601(raised?.raisedAt ?? rollback.startedAt))
        }
        if let rollback = context.deploy.rollback, let lock = context.serviceEnvironment.lock, lock.lockedAt >= rollback.startedAt {
            report.lock = DeployReport.Lock(
                lockedBy: lock.lockedBy.name.rawValue, reason: lock.reason, since: Timestamps.iso8601(lock.lockedAt))
        }
        return report
    }

    /// The task definitions in the deploy's events.
    static func ecs(_ request: LedgerEvent.DeployRequested, _ events: [LedgerEvent]) -> DeployReport.ECS? {
        var ecs = DeployReport.ECS(before: nil, deployed: request.taskDefinition, rolledBackTo: nil, rollbackCalledAt: nil)
        for event in events {
            switch event {
            case .deployStarted(let e): ecs.before = e.previousTaskDefinition
            case .rollbackSucceeded(let e):
                ecs.rolledBackTo = e.taskDefinition
                ecs.rollbackCalledAt = e.ecsCalledAt.map(Timestamps.iso8601)
            case .rollbackFailed(let e):
                ecs.rolledBackTo = e.taskDefinition
                ecs.rollbackCalledAt = e.ecsCalledAt.map(Timestamps.iso8601)
            default: break
            }
        }
        return ecs.before == nil && ecs.deployed == nil ? nil : ecs
    }
}
