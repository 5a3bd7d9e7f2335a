import Foundation
import Testing

@testable import ShiplogCore

/// The signed unit, pinned: every command as an intent's JSON text, in
/// `Golden/Commands/<name>.json`. The intent's bytes are what people sign and what the log
/// keeps; a renamed case or argument, a changed date format or a dropped key fails here
/// instead of turning every recorded signature into one that no longer verifies.
///
/// To change the format on purpose, give it a new format line (`shiplog-intent-v2`) and keep
/// reading v1, then regenerate: `SHIPLOG_WRITE_GOLDEN=1 swift test --filter CommandGoldenTests`.
@Suite struct CommandGoldenTests {
    static let directory = EventGoldenTests.directory.appending(path: "Commands")

    static var samples: [CommandIntent] {
        get throws {
            let root = TestKey("root"), alice = TestKey("alice")
            let request = LedgerEvent.DeployRequested(
                deployID: deployID("d-42"), environment: env("prod"), service: service("web"), version: version("1.2.3"),
                artifact: digest("a"), commit: nil, taskDefinition: nil, reason: nil, allowUnrecorded: false,
                requestedBy: alice.actor, requestedAt: storyStart)
            let statement = ApprovalStatement(approving: request, expiresAt: storyStart.addingTimeInterval(3600), signer: alice.keyID)
            let evidence = SlackEvidence(
                userID: try SlackUserID("U0ALICE"), teamID: "T0TEAM", actionTimestamp: "1795352460.000100",
                requestTimestamp: "1795352460", requestSignature: "v0=" + String(repeating: "ab", count: 32))
            let alarm = try AlarmName("prod-web-5xx")
            let commands: [(LedgerCommand, Principal)] = [
                (.initialize(admin: root.name, publicKey: root.publicKey, keyID: root.keyID), .signer),
                (.addAdmin(admin: name("ops"), publicKey: alice.publicKey, keyID: alice.keyID), .signer),
                (.removeAdmin(admin: name("ops"), reason: "left the team"), .signer),
                (
                    .enrollApprover(
                        name: alice.name, publicKey: alice.publicKey, keyID: alice.keyID, slackUserID: try SlackUserID("U0ALICE"),
                        environments: [env("prod"), env("staging")], kind: .person), .signer
                ),
                (.revokeApprover(name: alice.name, reason: nil), .signer),
                (
                    .setPolicy(
                        environment: env("prod"),
                        policy: EnvironmentPolicy(approvalsRequired: 2, approvalTTLSeconds: 14_400, autoRollback: true)), .signer
                ),
                (
                    .setTarget(
                        environment: env("prod"), service: service("web"),
                        target: DeployTarget(cluster: "prod", ecsService: "web", region: "us-east-1")), .signer
                ),
                (
                    .issueToken(
                        id: try TokenID("gh-web"), label: "GitHub Actions", tokenHash: String(repeating: "0f", count: 32),
                        scopes: ["build", "deploy"], expiresAt: storyStart.addingTimeInterval(86_400)), .signer
                ),
                (.revokeToken(id: try TokenID("gh-web"), reason: "leaked"), .signer),
                (
                    .recordBuild(
                        service: service("web"), version: version("1.2.3"), artifact: digest("a"), commit: "4f2a9c1",
                        taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:42"), .token(try TokenID("gh-web"))
                ),
                (
                    .recordMigrationApplied(
                        environment: env("prod"), name: try MigrationName("0004_backfill.sql"),
                        checksum: try MigrationChecksum("deadbeefdeadbeef"), service: service("web")), .signer
                ),
                (
                    .recordMigrationFailed(
                        environment: env("prod"), name: try MigrationName("0004_backfill.sql"),
                        checksum: try MigrationChecksum("deadbeefdeadbeef"), service: nil, error: "lock timeout"), .signer
                ),
                (.lock(environment: env("prod"), service: service("web"), reason: "incident 42"), .slack(evidence)),
                (.unlock(environment: env("prod"), service: nil, reason: nil), .signer),
                (.raiseAlarm(alarm: alarm, environment: env("prod"), service: service("web"), reason: "Threshold Crossed"), .signer),
                (.resolveAlarm(alarm: alarm, reason: nil), .signer),
                (
                    .requestDeploy(
                        id: deployID("d-42"), service: service("web"), environment: env("prod"), version: version("1.2.3"),
                        artifact: nil, reason: "weekly release", allowUnrecorded: false), .signer
                ),
                (.approveDeploy(statement: statement, signature: alice.sign(statement)), .slack(evidence)),
                (.rejectDeploy(id: deployID("d-42"), reason: "not this week"), .signer),
                (.cancelDeploy(id: deployID("d-42"), reason: nil), .signer),
                (.startDeploy(id: deployID("d-42"), breakGlassReason: "outage"), .signer),
                (.succeedDeploy(id: deployID("d-42")), .token(try TokenID("gh-web"))),
                (.failDeploy(id: deployID("d-42"), reason: "health checks failed"), .signer),
                (.startRollback(id: deployID("d-42"), alarm: alarm, reason: nil, automatic: true), .signer),
                (.finishRollback(id: deployID("d-42"), succeeded: false, reason: "ECS refused"), .signer),
                (
                    .recordRefusal(
                        evidence: evidence, attempt: "/shiplog deploy web 1.2.3 to prod", deployID: nil,
                        reason: "Slack user U0ALICE is not enrolled"), .signer
                ),
            ]
            return commands.map { command, principal in
                CommandIntent(
                    id: UUID(uuidString: "6f1c1b8e-2d4a-4c6b-9a55-1f0e3c2b7a90")!, signer: alice.keyID, principal: principal,
                    at: storyStart, command: command)
            }
        }
    }

    @Test func everyCommandHasAGoldenIntent() throws {
        let samples = try Self.samples
        #expect(Set(samples.map(\.command.name)).count == samples.count, "one sample per command")
        let write = ProcessInfo.processInfo.environment["SHIPLOG_WRITE_GOLDEN"] == "1"
        if write { try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true) }
        for sample in samples {
            let text = try sample.json() + "\n"
            let file = Self.directory.appending(path: "\(sample.command.name).json")
            if write { try text.write(to: file, atomically: true, encoding: .utf8) }
            let golden = try String(contentsOf: file, encoding: .utf8)
            #expect(text == golden, "the \(sample.command.name) intent changed; see this suite's documentation")
            #expect(try CommandIntent.decode(json: String(golden.dropLast())) == sample)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".json") }
        #expect(Set(files.map { String($0.dropLast(5)) }) == Set(samples.map(\.command.name)))
    }

    @Test func theSignedBytesAreTheFormatLineAndTheStoredText() throws {
        let sample = try Self.samples[0]
        let json = try sample.json()
        #expect(CommandIntent.signedBytes(json: json) == Array("shiplog-intent-v1\n\(json)".utf8))
        #expect(json.hasPrefix(#"{"at":"2026-11-22T13:00:00.000000Z","command":{"initialize":{"#))
        #expect(json.hasSuffix(#""for":{"kind":"signer"},"id":"6f1c1b8e-2d4a-4c6b-9a55-1f0e3c2b7a90","signer":"\#(TestKey("alice").keyID)"}"#))
    }
}
