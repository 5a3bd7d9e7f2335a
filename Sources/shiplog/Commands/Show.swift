import ArgumentParser
import Foundation
import ShiplogCore
import ShiplogPostgres

/// `shiplog show ID`: one deploy's whole story.
struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A deploy's whole timeline: build, approvals (counted or why not), start, outcome, alarms, rollback.")

    @Argument(help: "The deploy id.") var id: String
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        struct Build: Encodable {
            var version: String
            var artifact: String
            var commit: String?
            var taskDefinition: String?
            var recordedBy: String
            var recordedAt: String
        }
        struct Step: Encodable {
            var at: String
            var event: String
            var summary: String
        }
        var id: String
        var service: String
        var environment: String
        var version: String
        var artifact: String
        var status: String
        var requester: String
        var requestedAt: String
        var reason: String?
        var allowUnrecorded: Bool
        var breakGlass: Bool
        var build: Build?
        var gate: Gate
        var approvals: [ApprovalReport]
        var timeline: [Step]
        /// Where it ran on ECS and what ECS ran before and after (nil when never run by Shiplog).
        var ecs: ECS?
        /// The alarm that rolled it back, when one did.
        var alarm: Alarm?
        /// The lock the rollback left, while it holds.
        var lock: Lock?
        /// Events on the deploy's stream that do not count: never acted on.
        var notCounted: [LoadedStreams.Skipped]
    }

    struct ECS: Encodable {
        /// What ran when the deploy started (the rollback point), and what it deployed.
        var before: String?
        var deployed: String?
        /// What a rollback returned the service to, and when ECS was asked to.
        var rolledBackTo: String?
        var rollbackCalledAt: String?
    }

    struct Alarm: Encodable {
        var name: String
        var reason: String?
        /// CloudWatch's state change time; when Shiplog recorded the alarm.
        var stateChangedAt: String?
        var receivedAt: String
    }

    struct Lock: Encodable {
        var lockedBy: String
        var reason: String
        var since: String
    }

    struct Gate: Encodable {
        var allowed: Bool
        var approvals: Int
        var required: Int
        var reasons: [String]
    }

    func run() async throws {
        let ledger = try await database.ledger()
        let (context, events, skipped) = try await ledger.deploy(id)
        let decision = ledger.evaluate(context, at: context.deploy.started?.startedAt)
        guard let request = context.deploy.request else { throw ValidationError("unknown deploy \(id)") }
        let build = context.builds.build(version: request.version)
        let expiries = Dictionary(
            context.deploy.approvals.map { ($0.approvedAt, $0.statement.expiresAt) }, uniquingKeysWith: { first, _ in first })
        let report = Report(
            id: request.deployID.rawValue, service: request.service.rawValue, environment: request.environment.rawValue,
            version: request.version.rawValue, artifact: request.artifact.rawValue,
            status: context.deploy.status.map { "\($0)" } ?? "unknown", requester: request.requestedBy.name.rawValue,
            requestedAt: Timestamps.iso8601(request.requestedAt), reason: request.reason,
            allowUnrecorded: request.allowUnrecorded, breakGlass: context.deploy.started?.breakGlass ?? false,
            build: build.map {
                Report.Build(
                    version: $0.version.rawValue, artifact: $0.artifact.rawValue, commit: $0.commit,
                    taskDefinition: $0.taskDefinition, recordedBy: $0.recordedBy.name.rawValue,
                    recordedAt: Timestamps.iso8601($0.recordedAt))
            },
            gate: Gate(allowed: decision.allowed, approvals: decision.approvals, required: decision.required, reasons: decision.reasons),
            approvals: decision.verdicts.map { ApprovalReport($0, expiresAt: expiries[$0.approvedAt]) },
            timeline: events.filter { !($0.type.hasPrefix("ActiveDeploy")) }.map {
                Report.Step(
                    at: Timestamps.iso8601($0.occurredAt), event: $0.type,
                    summary: ($0.recordedActorName.map { "\($0) " } ?? "") + $0.summary)
            },
            ecs: nil, alarm: nil, lock: nil, notCounted: skipped)
        var full = report
        full.ecs = Self.ecs(request, events)
        if let rollback = context.deploy.rollback, let name = rollback.alarm {
            let raised = try await ledger.events(of: .alarm(name)).compactMap { event -> LedgerEvent.AlarmRaised? in
                if case .alarmRaised(let e) = event, e.raisedAt <= rollback.startedAt { return e }
                return nil
            }.last
            full.alarm = Alarm(
                name: name.rawValue, reason: raised?.reason ?? rollback.reason,
                stateChangedAt: raised?.changedAt.map(Timestamps.iso8601),
                receivedAt: Timestamps.iso8601(raised?.raisedAt ?? rollback.startedAt))
        }
        if context.deploy.rollback != nil, let lock = context.serviceEnvironment.lock, lock.lockedAt >= context.deploy.rollback!.startedAt {
            full.lock = Lock(lockedBy: lock.lockedBy.name.rawValue, reason: lock.reason, since: Timestamps.iso8601(lock.lockedAt))
        }
        try show(full)
    }

    /// The task definitions in the deploy's events.
    static func ecs(_ request: LedgerEvent.DeployRequested, _ events: [LedgerEvent]) -> ECS? {
        var ecs = ECS(before: nil, deployed: request.taskDefinition, rolledBackTo: nil, rollbackCalledAt: nil)
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

    func show(_ report: Report) throws {
        if output.json { return try JSONOutput.print(report) }

        // Every line holds text from the ledger (reasons, commits, event summaries).
        func say(_ line: String = "") { print(TerminalText.escaped(line)) }
        say("deploy \(report.id): \(report.service) \(report.version) → \(report.environment)  [\(report.status)]\(report.breakGlass ? "  BREAK-GLASS" : "")\(report.allowUnrecorded ? "  UNRECORDED ARTIFACT" : "")")
        say("artifact  \(report.artifact)")
        if let build = report.build {
            say("build     recorded by \(build.recordedBy) at \(build.recordedAt)\(build.commit.map { ", commit \($0)" } ?? "")")
        } else {
            say("build     none recorded for this artifact")
        }
        say()
        say("approvals (\(report.gate.approvals) of \(report.gate.required) counted):")
        for approval in report.approvals {
            say("  \(approval.counted ? "✓" : "✗") \(approval.approver) at \(approval.approvedAt) via \(approval.via)\(approval.reason.map { " — \($0)" } ?? "")")
        }
        if report.approvals.isEmpty { say("  none") }
        say()
        say("timeline:")
        for step in report.timeline { say("  \(step.at)  \(step.summary)") }
        if let ecs = report.ecs {
            say()
            say("ECS:")
            if let before = ecs.before { say("  ran before   \(before)  (the rollback point)") }
            if let deployed = ecs.deployed { say("  deployed     \(deployed)") }
            if let back = ecs.rolledBackTo {
                say("  rolled back  to \(back)\(ecs.rollbackCalledAt.map { ", UpdateService called at \($0)" } ?? "")")
            }
        }
        if let alarm = report.alarm {
            say()
            say("alarm \(alarm.name): \(alarm.reason ?? "no reason given")")
            if let changed = alarm.stateChangedAt { say("  state changed at  \(changed) (CloudWatch)") }
            say("  received at       \(alarm.receivedAt) (Shiplog)")
        }
        if let lock = report.lock {
            say()
            say("locked by \(lock.lockedBy) since \(lock.since): \(lock.reason)  (shiplog unlock to lift it)")
        }
        if !report.notCounted.isEmpty {
            say()
            say("not counted (recorded, but not by a key allowed to; never acted on):")
            for event in report.notCounted { say("  ✗ position \(event.position) \(event.type): \(event.reason)") }
        }
        if !report.gate.allowed && report.status == "requested" {
            say()
            say("gate closed: " + report.gate.reasons.joined(separator: "; "))
        }
    }
}
