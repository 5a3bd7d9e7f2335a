import ArgumentParser
import Foundation
import ShiplogCore
import ShiplogLedger
import ShiplogPostgres

/// `shiplog show ID`: one deploy's whole story.
struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A deploy's whole timeline: build, approvals (counted or why not), start, outcome, alarms, rollback.")

    @Argument(help: "The deploy id.") var id: String
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try show(try await database.client().deployReport(id))
    }

    func show(_ report: DeployReport) throws {
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
