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

/// A loopback stand-in for Slack's Web API: records every call the bot makes, and answers as
/// Slack does, or as Slack does on a bad day.
actor SlackWebAPIStandIn {
    enum Mode: Sendable {
        case ok
        case down
        case rateLimited(retryAfter: Int)
        case error(String)
        /// Takes the message, then answers 502: to the bot, the outcome is unknown.
        case lostAnswer
        /// Takes the message and holds the answer for a while (the server may die meanwhile).
        case hold(seconds: Int)
    }

    struct Call: Sendable {
        var method: String
        var body: String
        var answered: Int
    }

    private(set) var calls: [Call] = []
    private var mode = Mode.ok
    private var nextTS = 1

    func set(_ mode: Mode) { self.mode = mode }

    /// How long to hold the answer now.
    var holding: Int {
        if case .hold(let seconds) = mode { return seconds }
        return 0
    }

    func answer(_ method: String, body: String) -> (status: HTTPResponse.Status, headers: HTTPFields, json: String) {
        switch mode {
        case .down:
            calls.append(Call(method: method, body: body, answered: 503))
            return (.serviceUnavailable, [:], "")
        case .rateLimited(let seconds):
            calls.append(Call(method: method, body: body, answered: 429))
            return (.tooManyRequests, [HTTPField.Name("Retry-After")!: String(seconds)], "")
        case .error(let error):
            calls.append(Call(method: method, body: body, answered: 200))
            return (.ok, [:], #"{"ok":false,"error":"\#(error)"}"#)
        case .lostAnswer:
            calls.append(Call(method: method, body: body, answered: 200))
            nextTS += 1
            return (.badGateway, [:], "")
        case .hold:
            calls.append(Call(method: method, body: body, answered: 200))
            nextTS += 1
            return (.ok, [:], #"{"ok":true,"channel":"C0DEPLOYS","ts":"1764331200.\#(String(format: "%06d", nextTS))"}"#)
        case .ok:
            calls.append(Call(method: method, body: body, answered: 200))
            nextTS += 1
            return (.ok, [:], #"{"ok":true,"channel":"C0DEPLOYS","ts":"1764331200.\#(String(format: "%06d", nextTS))"}"#)
        }
    }

    /// `conversations.history`: every message taken, newest first, with its metadata.
    func history() -> String {
        var messages: [[String: Any]] = []
        for (index, call) in calls.enumerated() where call.method == "chat.postMessage" && call.answered == 200 {
            guard let object = try? JSONSerialization.jsonObject(with: Data(call.body.utf8)) as? [String: Any] else { continue }
            messages.insert(["ts": "1764331200.\(String(format: "%06d", index))", "text": object["text"] ?? "", "metadata": object["metadata"] ?? [:]], at: 0)
        }
        let data = try! JSONSerialization.data(withJSONObject: ["ok": true, "messages": messages])
        return String(decoding: data, as: UTF8.self)
    }

    /// The calls that Slack took.
    func delivered(_ method: String) -> [String] {
        calls.filter { $0.method == method && $0.answered == 200 && !$0.body.isEmpty }.map(\.body)
    }

    nonisolated func application() -> some ApplicationProtocol {
        let router = Router()
        router.get("api/conversations.history") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: await self.history())))
        }
        // An incoming webhook: "ok", or a plain-text error with a 4xx.
        router.post("webhook") { request, _ -> Response in
            var request = request
            let body = String(buffer: try await request.collectBody(upTo: 1 << 20))
            let (status, _, json) = await self.answer("webhook", body: body)
            if status == .ok, json.contains(#""ok":false"#) {
                return Response(status: .notFound, body: .init(byteBuffer: ByteBuffer(string: "channel_not_found")))
            }
            return Response(status: status, body: .init(byteBuffer: ByteBuffer(string: status == .ok ? "ok" : "")))
        }
        router.post("api/:method") { request, context -> Response in
            var request = request
            let body = String(buffer: try await request.collectBody(upTo: 1 << 20))
            let method = context.parameters.get("method") ?? ""
            let hold = await self.holding
            let (status, headers, json) = await self.answer(method, body: body)
            if hold > 0 { try await Task.sleep(for: .seconds(hold)) }
            var fields = headers
            fields[.contentType] = "application/json"
            return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }
}

@Suite("The server: notifications through the outbox")
struct OutboxTests {
    static func application(_ team: SlashCommandServerTests.Team, slackPort: Int) -> some ApplicationProtocol {
        var configuration = ServerConfiguration(
            host: "127.0.0.1", port: 0, slackSigningSecret: SlashCommandServerTests.secret, slackBotToken: "xoxb-test",
            slackAPIURL: "http://127.0.0.1:\(slackPort)/api", slackChannel: "C0DEPLOYS", botKey: team.bot)
        configuration.outboxPollInterval = .milliseconds(50)
        configuration.slackAnswerWithin = .seconds(60)
        return buildApplication(configuration: configuration, pool: team.database.pool(maximumConnections: 8))
    }

    /// Waits up to `seconds` for `condition`.
    static func eventually(_ seconds: Double = 15, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test("a request posts one approval message; each approval updates it in place, until it says the gate is open")
    func oneMessageUpdatedInPlace() async throws {
        let team = try await SlashCommandServerTests.Team.make()
        let slack = SlackWebAPIStandIn()
        try await slack.application().test(.live) { slackClient in
            try await Self.application(team, slackPort: try #require(slackClient.port)).test(.live) { client in
                _ = try await SlashCommandServerTests.post(client, "deploy web 1.2.3 to prod", as: "U0CAROL")
                #expect(try await Self.eventually { await slack.delivered("chat.postMessage").count == 1 })
                let posted = try #require(await slack.delivered("chat.postMessage").first)
                #expect(posted.contains(#""channel":"C0DEPLOYS""#) && posted.contains(#""action_id":"approve""#))
                #expect(posted.contains(#""event_type":"shiplog_outbox""#))
                let id = try #require(posted.firstMatch(of: /Deploy (d-[a-z0-9]+)/)?.1).description

                _ = try await SlashCommandServerTests.post(client, "approve \(id)", as: "U0ALICE")
                _ = try await SlashCommandServerTests.post(client, "approve \(id)", as: "U0BOB")
                #expect(try await Self.eventually { await slack.delivered("chat.update").last?.contains("the gate is open") == true })
                #expect(await slack.delivered("chat.postMessage").count == 1, "one message per deploy, updated in place")
                #expect(await slack.delivered("chat.update").allSatisfy { $0.contains(#""ts":"1764331200."#) })
                #expect(try await Self.eventually { try await OutboxStore(pool: team.database.pool()).depth().pending == 0 })
            }
        }
    }

    @Test("Slack down, then rate limiting with Retry-After: the message is delivered once it recovers, exactly once")
    func deliveredOnceSlackRecovers() async throws {
        let team = try await SlashCommandServerTests.Team.make()
        let slack = SlackWebAPIStandIn()
        await slack.set(.down)
        try await slack.application().test(.live) { slackClient in
            try await Self.application(team, slackPort: try #require(slackClient.port)).test(.live) { client in
                _ = try await SlashCommandServerTests.post(client, "lock prod incident 42", as: "U0ALICE")
                #expect(try await Self.eventually { await slack.calls.count >= 1 })
                await slack.set(.rateLimited(retryAfter: 1))
                #expect(try await Self.eventually { await slack.calls.contains { $0.answered == 429 } })
                await slack.set(.ok)
                #expect(try await Self.eventually { await slack.delivered("chat.postMessage").count == 1 })
                try await Task.sleep(for: .milliseconds(500))
                let delivered = await slack.delivered("chat.postMessage")
                #expect(delivered.count == 1 && delivered[0].contains("locked prod"), "\(delivered)")
                let entry = try #require(try await OutboxStore(pool: team.database.pool()).list().first)
                #expect(entry.state == "delivered" && entry.attempts >= 3, "\(entry)")
            }
        }
    }

    @Test("Slack took the message but its answer was lost: the next attempt finds it in the channel and does not post it again")
    func unknownOutcomeIsLookedUp() async throws {
        let team = try await SlashCommandServerTests.Team.make()
        let slack = SlackWebAPIStandIn()
        await slack.set(.lostAnswer)
        try await slack.application().test(.live) { slackClient in
            try await Self.application(team, slackPort: try #require(slackClient.port)).test(.live) { client in
                _ = try await SlashCommandServerTests.post(client, "lock prod incident 42", as: "U0ALICE")
                #expect(try await Self.eventually { await slack.calls.count >= 1 })
                await slack.set(.ok)
                let outbox = OutboxStore(pool: team.database.pool())
                #expect(try await Self.eventually { try await outbox.list().first?.state == "delivered" })
                #expect(await slack.delivered("chat.postMessage").count == 1, "posted once")
            }
        }
    }

    @Test("channel_not_found is recorded, shown as failed, and not retried")
    func permanentFailure() async throws {
        let team = try await SlashCommandServerTests.Team.make()
        let slack = SlackWebAPIStandIn()
        await slack.set(.error("channel_not_found"))
        try await slack.application().test(.live) { slackClient in
            try await Self.application(team, slackPort: try #require(slackClient.port)).test(.live) { client in
                _ = try await SlashCommandServerTests.post(client, "lock prod incident 42", as: "U0ALICE")
                let outbox = OutboxStore(pool: team.database.pool())
                #expect(try await Self.eventually { try await outbox.list(failedOnly: true).count == 1 })
                try await Task.sleep(for: .seconds(2))
                #expect(await slack.calls.count == 1, "never retried")
                let failed = try #require(try await outbox.list(failedOnly: true).first)
                #expect(failed.lastError?.contains("channel_not_found") == true)
                #expect(try await outbox.depth() == (pending: 0, failed: 1))
            }
        }
    }

    @Test("Reject opens a dialog; its reason rejects the deploy for the person; a refusal shows in the dialog")
    func rejectDialog() async throws {
        let team = try await SlashCommandServerTests.Team.make()
        let slack = SlackWebAPIStandIn()
        try await slack.application().test(.live) { slackClient in
            try await Self.application(team, slackPort: try #require(slackClient.port)).test(.live) { client in
                let requested = try await SlashCommandServerTests.post(client, "deploy web 1.2.3 to prod", as: "U0CAROL")
                #expect(requested.text.hasPrefix("carol requested web 1.2.3 to prod: d-"), "the message itself comes from the outbox")
                let id = try #require(requested.text.firstMatch(of: /d-[a-z0-9]+/)).description
                let press = ApprovalButtonTests.press("reject", deploy: id, user: "U0ALICE", respondingTo: try #require(slackClient.port))
                try await client.execute(
                    uri: "/slack/interactions", method: .post, headers: SlashCommandServerTests.headers(press), body: ByteBuffer(bytes: press)
                ) { #expect($0.status == .ok) }
                let dialog = try #require(await slack.delivered("views.open").first)
                #expect(dialog.contains(#""callback_id":"reject""#) && dialog.contains(#""private_metadata":"\#(id)""#))

                func submit(_ user: String, _ reason: String) async throws -> String {
                    let payload: [String: Any] = [
                        "type": "view_submission", "user": ["id": user, "team_id": "T0SHIP"], "team": ["id": "T0SHIP"],
                        "view": [
                            "callback_id": "reject", "private_metadata": id,
                            "state": ["values": ["reason": ["reason": ["type": "plain_text_input", "value": reason]]]],
                        ] as [String: Any],
                    ]
                    let body = FormBody.encode([("payload", String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self))])
                    return try await client.execute(
                        uri: "/slack/interactions", method: .post, headers: SlashCommandServerTests.headers(body), body: ByteBuffer(bytes: body)
                    ) { response in
                        #expect(response.status == .ok)
                        return String(buffer: response.body)
                    }
                }
                let refused = try await submit("U0DAVE", "not mine to say")
                #expect(refused.contains(#""response_action":"errors""#) && refused.contains("prod"), "\(refused)")
                #expect(try await submit("U0ALICE", "not this week").isEmpty)
                let rejected = try await team.ledger.deploy(id).context.deploy.rejected
                #expect(rejected?.rejectedBy.name.rawValue == "alice" && rejected?.reason == "not this week")
            }
        }
    }

    @Test("with only an incoming webhook, notices go there as text; a webhook's 4xx is permanent")
    func webhookOnly() async throws {
        let team = try await SlashCommandServerTests.Team.make()
        let slack = SlackWebAPIStandIn()
        try await slack.application().test(.live) { slackClient in
            var configuration = ServerConfiguration(
                host: "127.0.0.1", port: 0, slackSigningSecret: SlashCommandServerTests.secret,
                slackWebhookURL: "http://127.0.0.1:\(try #require(slackClient.port))/webhook", botKey: team.bot)
            configuration.outboxPollInterval = .milliseconds(50)
            configuration.slackAnswerWithin = .seconds(60)
            try await buildApplication(configuration: configuration, pool: team.database.pool(maximumConnections: 8)).test(.live) { client in
                _ = try await SlashCommandServerTests.post(client, "lock prod incident 42", as: "U0ALICE")
                #expect(try await Self.eventually { await slack.delivered("webhook").count == 1 })
                #expect(await slack.delivered("webhook").first?.contains("locked prod") == true)
                await slack.set(.error("channel_not_found"))
                _ = try await SlashCommandServerTests.post(client, "unlock prod", as: "U0ALICE")
                let outbox = OutboxStore(pool: team.database.pool())
                #expect(try await Self.eventually { try await outbox.list(failedOnly: true).first?.lastError?.contains("HTTP 404") == true })
            }
        }
    }
}
