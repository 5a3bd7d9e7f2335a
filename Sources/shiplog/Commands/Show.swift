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
        /// Events on the deploy's stream that do not count: never acted on.
        var notCounted: [LoadedStreams.Skipped]
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
            notCounted: skipped)
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
