import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import ShiplogPostgres
import ShiplogServer
import ShiplogSlack
import Testing

/// What Slack's side of a button press sees: a loopback stand-in for `response_url` records
/// every reply the bot sends.
actor SlackStandIn {
    /// Each reply's JSON text, in order.
    private(set) var replies: [String] = []

    func record(_ body: ByteBuffer) { replies.append(String(buffer: body)) }

    nonisolated func application() -> some ApplicationProtocol {
        let router = Router()
        router.post("respond") { request, _ -> Response in
            var request = request
            await self.record(try await request.collectBody(upTo: 1 << 20))
            return Response(status: .ok)
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }
}

@Suite("The server: approval buttons")
struct ApprovalButtonTests {
    /// A `block_actions` press as Slack posts it.
    static func press(_ action: String, deploy: String, user: String, respondingTo port: Int) -> [UInt8] {
        let payload: [String: Any] = [
            "type": "block_actions",
            "user": ["id": user, "username": user.lowercased(), "team_id": "T0SHIP"],
            "team": ["id": "T0SHIP", "domain": "ship"],
            "channel": ["id": "C0DEPLOYS", "name": "deploys"],
            "container": ["type": "message", "message_ts": "1764331200.000100", "channel_id": "C0DEPLOYS"],
            "trigger_id": "1337.42.\(UUID().uuidString.lowercased())",
            "response_url": "http://127.0.0.1:\(port)/respond",
            "actions": [
                [
                    "action_id": action, "block_id": "approval-\(deploy)", "value": deploy, "type": "button",
                    "action_ts": String(format: "%.6f", Date().timeIntervalSince1970) + "\(Int.random(in: 0..<1000))",
                ]
            ],
        ]
        let json = String(decoding: try! JSONSerialization.data(withJSONObject: payload), as: UTF8.self)
        return FormBody.encode([("payload", json)])
    }

    @Test("carol's own press and dave's are refused to them alone; alice's and bob's count and the message says the gate is open")
    func pressingApprove() async throws {
        let team = try await SlashCommandServerTests.Team.make()
        let standIn = SlackStandIn()
        try await standIn.application().test(.live) { slack in
            let port = try #require(slack.port)
            try await team.application().test(.live) { client in
                // carol's request posts the approval message, with both buttons, to the channel.
                let body = SlashCommandServerTests.command("deploy web 1.2.3 to prod weekly release", user: "U0CAROL")
                let message = try await client.execute(
                    uri: "/slack/commands", method: .post, headers: SlashCommandServerTests.headers(body),
                    body: ByteBuffer(bytes: body)
                ) { try JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as! [String: Any] }
                #expect(message["response_type"] as? String == "in_channel")
                let text = try #require(message["text"] as? String)
                let id = try #require(text.split(separator: " ").first { $0.hasPrefix("(d-") }.map { String($0.dropFirst().dropLast(2)) })
                let blocks = try #require(message["blocks"] as? [[String: Any]])
                let buttons = (blocks.last?["elements"] as? [[String: Any]])?.compactMap { $0["action_id"] as? String }
                #expect(buttons == ["approve", "reject"])

                func press(_ user: String) async throws -> [String: Any] {
                    let before = await standIn.replies.count
                    let body = Self.press("approve", deploy: id, user: user, respondingTo: port)
                    try await client.execute(
                        uri: "/slack/interactions", method: .post, headers: SlashCommandServerTests.headers(body),
                        body: ByteBuffer(bytes: body)
                    ) { #expect($0.status == .ok) }
                    let replies = await standIn.replies
                    #expect(replies.count == before + 1)
                    let last = try #require(replies.last)
                    return try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
                }
                let own = try await press("U0CAROL")
                #expect(own["response_type"] as? String == "ephemeral" && own["replace_original"] as? Bool == false)
                #expect((own["text"] as? String)?.contains("does not count") == true, "\(own)")
                let staging = try await press("U0DAVE")
                #expect(staging["response_type"] as? String == "ephemeral")

                let first = try await press("U0ALICE")
                #expect(first["replace_original"] as? Bool == true)
                #expect((first["text"] as? String)?.contains("1 of 2 approvals (alice), 1 still needed") == true, "\(first)")
                let second = try await press("U0BOB")
                #expect((second["text"] as? String)?.contains("approved 2 of 2 (alice, bob): the gate is open") == true, "\(second)")
                #expect((second["blocks"] as? [[String: Any]])?.contains { $0["type"] as? String == "actions" } == false)
                let twice = try await press("U0BOB")
                #expect(twice["response_type"] as? String == "ephemeral", "a second press changes nothing")

                let gate = try await team.ledger.gate(id)
                #expect(gate.allowed && gate.approvals == 2)
                // The presses that could not count are recorded for audit, under each person.
                let refused = try await team.refusals()
                #expect(refused.map(\.actor) == ["carol", "dave", "bob"], "\(refused)")
                #expect(refused.allSatisfy { $0.summary == "approve \(id)" })
            }
        }
        #expect(try await ChainVerifier(pool: team.database.pool()).verify().ok)
    }

    @Test("an answer not ready within the budget: the command is acknowledged with an empty 200 and answered at its response_url")
    func lateAnswers() async throws {
        let team = try await SlashCommandServerTests.Team.make()
        let standIn = SlackStandIn()
        try await standIn.application().test(.live) { slack in
            let responseURL = "http://127.0.0.1:\(try #require(slack.port))/respond"
            try await team.application(answerWithin: .zero).test(.live) { client in
                for (text, user) in [("deploy web 1.2.3 to prod weekly release", "U0CAROL"), ("status prod", "U0ALICE")] {
                    let body = SlashCommandServerTests.command(text, user: user, responseURL: responseURL)
                    try await client.execute(
                        uri: "/slack/commands", method: .post, headers: SlashCommandServerTests.headers(body),
                        body: ByteBuffer(bytes: body)
                    ) { response in
                        #expect(response.status == .ok)
                        #expect(response.body.readableBytes == 0, "acknowledged at once, answered later")
                    }
                }
                #expect(try await OutboxTests.eventually { await standIn.replies.count == 2 })
                // In whichever order they were ready.
                let replies = try await standIn.replies.map {
                    try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
                }
                let request = try #require(replies.first { $0["response_type"] as? String == "in_channel" })
                #expect((request["text"] as? String)?.hasPrefix("carol asks to deploy web 1.2.3 to prod (d-") == true, "\(request)")
                let status = try #require(replies.first { $0["response_type"] as? String == "ephemeral" })
                #expect((status["text"] as? String)?.contains("prod") == true, "\(status)")
            }
        }
        #expect(try await team.count("events WHERE type = 'DeployRequested'") == 1)
    }
}
