import Foundation
import ShiplogTestSupport
import HummingbirdTesting
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import ShiplogPostgres
import ShiplogServer
import Testing

/// The real `shiplog serve`, killed with SIGKILL while Slack holds its post's answer: started
/// again, it finds the message in the channel and does not post it twice.
@Suite("The server: an outbox that survives SIGKILL")
struct OutboxRestartTests {
    /// The `shiplog` executable `swift build --build-tests` put beside the tests.
    @Test("SIGKILL in the middle of a delivery: on restart the message is delivered, and posted once")
    func killedMidDelivery() async throws {
        let team = try await SlashCommandServerTests.Team.make()
        let directory = FileManager.default.temporaryDirectory.appending(path: "shiplog-restart-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try KeyFile.write(team.bot, to: directory + "/bot.key")
        let slack = SlackWebAPIStandIn()
        await slack.set(.hold(seconds: 5))
        try await slack.application().test(.live) { slackClient in
            let port = TestProcesses.freePort()
            let settings = [
                "DATABASE_URL": team.database.conninfo,
                "SLACK_SIGNING_SECRET": String(decoding: SlashCommandServerTests.secret, as: UTF8.self),
                "SHIPLOG_BOT_KEY": directory + "/bot.key",
                "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_API_URL": "http://127.0.0.1:\(try #require(slackClient.port))/api",
                "SHIPLOG_SLACK_CHANNEL": "C0DEPLOYS",
                "SHIPLOG_OUTBOX_CLAIM_SECONDS": "1",
            ]
            func serve() throws -> Process { try TestProcesses.serve(port: port, settings) }

            let first = try serve()
            // The CLI's door appends the lock; the server's worker picks its message up.
            let alice = SigningKey.generate()
            _ = try await team.ledger.enrollApprover(
                name: "alice2", publicKey: alice.publicKey.base64, slackUser: nil, environments: ["prod"], kind: .person, key: team.admin)
            try await team.ledger.lock(environment: "prod", service: nil, reason: "incident 7", key: alice)
            #expect(try await OutboxTests.eventually { await slack.calls.count == 1 }, "the post reached Slack")
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            #expect(first.terminationReason == .uncaughtSignal)
            await slack.set(.ok)

            let second = try serve()
            defer {
                second.terminate()
                second.waitUntilExit()
            }
            let outbox = OutboxStore(pool: team.database.pool())
            #expect(try await OutboxTests.eventually(20) { try await outbox.list().first?.state == "delivered" })
            #expect(await slack.delivered("chat.postMessage").count == 1, "posted once")
            #expect(try await outbox.list().first.map { $0.claims >= 2 } == true)
        }
    }
}
