import Foundation
import ShiplogTestSupport
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

/// `shiplog serve` over real HTTP and a real PostgreSQL, with requests signed exactly as Slack
/// signs them.
@Suite("The server: /shiplog slash commands")
struct SlashCommandServerTests {
    static let secret = Array("8f742231b10e8888abcd99yyyzzz85a5".utf8)

    /// admin; alice, bob, carol (prod and staging) and dave (staging only), each with a Slack
    /// user; the Slack bot; prod needs 2 approvals; web 1.2.3 is built.
    struct Team {
        let database: TestDatabase
        let ledger: LedgerService
        let bot = SigningKey.generate()
        let admin = SigningKey.generate()

        static func make() async throws -> Team {
            let database = try await TestDatabase.create()
            let team = Team(database: database, ledger: LedgerService(store: LedgerStore(events: database.store())))
            _ = try await team.ledger.initialize(admin: "admin", key: team.admin)
            try await team.ledger.setPolicy(environment: "prod", policy: EnvironmentPolicy(approvalsRequired: 2), key: team.admin)
            try await team.ledger.setPolicy(environment: "staging", policy: EnvironmentPolicy(approvalsRequired: 1), key: team.admin)
            for (name, slack, environments) in [
                ("alice", "U0ALICE", ["prod", "staging"]), ("bob", "U0BOB", ["prod", "staging"]),
                ("carol", "U0CAROL", ["prod", "staging"]), ("dave", "U0DAVE", ["staging"]),
            ] {
                _ = try await team.ledger.enrollApprover(
                    name: name, publicKey: SigningKey.generate().publicKey.base64, slackUser: slack, environments: environments,
                    kind: .person, key: team.admin)
            }
            _ = try await team.ledger.enrollApprover(
                name: "slack-bot", publicKey: team.bot.publicKey.base64, slackUser: nil, environments: [], kind: .slackBot,
                key: team.admin)
            let ci = SigningKey.generate()
            _ = try await team.ledger.enrollApprover(
                name: "ci", publicKey: ci.publicKey.base64, slackUser: nil, environments: [], kind: .ci, key: team.admin)
            try await team.ledger.recordBuild(
                service: "web", version: "1.2.3", artifact: "sha256:" + String(repeating: "ab", count: 32), commit: nil,
                taskDefinition: nil, key: ci)
            return team
        }

        /// The server, answering in the HTTP response (a loaded test machine may take seconds)
        /// (`answerWithin`; the tests of late answers make it 0).
        func application(answerWithin: Duration = .seconds(60)) -> some ApplicationProtocol {
            var configuration = ServerConfiguration(
                host: "127.0.0.1", port: 0, slackSigningSecret: SlashCommandServerTests.secret, botKey: bot)
            configuration.slackAnswerWithin = answerWithin
            return buildApplication(configuration: configuration, pool: database.pool(maximumConnections: 8))
        }

        /// The refusals on the ledger, as `audit` lists them: who (the person, else the bot)
        /// and the Slack user, in log order.
        func refusals() async throws -> [(actor: String, slackUser: String, summary: String)] {
            try await database.connect().query(
                "SELECT actor, payload->'evidence'->>'userID', payload->>'attempt' FROM events WHERE type = 'ActionRefused' ORDER BY position"
            ).map { row in try row.decode((String, String, String).self) }.map { ($0.0, $0.1, $0.2) }
        }

        func count(_ table: String) async throws -> Int64 {
            try await database.connect().query("SELECT count(*) FROM \(unsafeRaw: table)")[0].decode(Int64.self, at: 0)
        }
    }

    /// A slash command's form body, as Slack posts it.
    static func command(_ text: String, user: String, responseURL: String = "https://hooks.slack.com/commands/T0SHIP/1/abc") -> [UInt8] {
        FormBody.encode([
            ("token", "deprecated"), ("team_id", "T0SHIP"), ("team_domain", "ship"), ("channel_id", "C0DEPLOYS"),
            ("channel_name", "deploys"), ("user_id", user), ("user_name", user.lowercased()), ("command", "/shiplog"),
            ("text", text), ("response_url", responseURL),
            ("trigger_id", "13345224609.738474920.\(UUID().uuidString.lowercased())"), ("api_app_id", "A0SHIPLOG"),
        ])
    }

    /// Headers Slack sends with `body`, signed at `time` (or with `signature` given).
    static func headers(_ body: [UInt8], at time: Date = Date(), signature: String? = nil) -> HTTPFields {
        let timestamp = String(Int(time.timeIntervalSince1970))
        var fields = HTTPFields()
        fields[.contentType] = "application/x-www-form-urlencoded"
        fields[HTTPField.Name("X-Slack-Request-Timestamp")!] = timestamp
        fields[HTTPField.Name("X-Slack-Signature")!] =
            signature ?? SlackVerifier(signingSecret: secret).signature(timestamp: timestamp, body: body)
        return fields
    }

    struct Reply: Decodable {
        var response_type: String
        var text: String
    }

    static func post(_ client: some TestClientProtocol, _ text: String, as user: String) async throws -> Reply {
        let body = command(text, user: user)
        return try await client.execute(
            uri: "/slack/commands", method: .post, headers: headers(body), body: ByteBuffer(bytes: body)
        ) { response in
            #expect(response.status == .ok, "\(text): \(String(buffer: response.body))")
            return try JSONDecoder().decode(Reply.self, from: Data(buffer: response.body))
        }
    }

    @Test("carol requests from Slack; her own and dave's approvals are refused; alice's and bob's open the gate")
    func approvalsFromSlack() async throws {
        let team = try await Team.make()
        try await team.application().test(.live) { client in
            let requested = try await Self.post(client, "deploy web 1.2.3 to prod weekly release", as: "U0CAROL")
            #expect(requested.response_type == "in_channel")
            #expect(requested.text.hasPrefix("carol asks to deploy web 1.2.3 to prod (d-"), "\(requested.text)")
            let id = try #require(
                requested.text.split(separator: " ").first { $0.hasPrefix("(d-") }.map { String($0.dropFirst().dropLast(2)) })
            #expect(requested.text.contains("0 of 2 approvals"))

            let own = try await Self.post(client, "approve \(id)", as: "U0CAROL")
            #expect(own.response_type == "ephemeral")
            #expect(own.text.contains("carol"), "\(own.text)")
            let staging = try await Self.post(client, "approve \(id)", as: "U0DAVE")
            #expect(staging.response_type == "ephemeral")
            #expect(staging.text.contains("prod"), "\(staging.text)")

            let first = try await Self.post(client, "approve \(id)", as: "U0ALICE")
            #expect(first.text.contains("alice approved \(id)") && first.text.contains("1 of 2"), "\(first.text)")
            let second = try await Self.post(client, "approve \(id)", as: "U0BOB")
            #expect(second.text.contains("the gate is open (2 of 2 approvals)"), "\(second.text)")
            let again = try await Self.post(client, "approve \(id)", as: "U0BOB")
            #expect(again.response_type == "ephemeral", "a second approval by bob changes nothing: \(again.text)")

            let gate = try await team.ledger.gate(id)
            #expect(gate.allowed)
            #expect(Set(gate.approvedBy.map(\.rawValue)) == ["alice", "bob"])
            let context = try await team.ledger.deploy(id).context
            #expect(context.deploy.request?.requestedBy.name.rawValue == "carol")
            #expect(context.deploy.approvals.allSatisfy { if case .slack = $0.via { true } else { false } })

            let status = try await Self.post(client, "status prod", as: "U0ALICE")
            #expect(status.response_type == "ephemeral")
            let help = try await Self.post(client, "deplyo web", as: "U0ALICE")
            #expect(help.text.contains("did you mean deploy?"))
            let stranger = try await Self.post(client, "deploy web 1.2.3 to staging", as: "U0NOBODY")
            #expect(stranger.response_type == "ephemeral" && stranger.text.contains("Shiplog does not know you (U0NOBODY)"))
        }
        // Every refusal of who was asking is on the ledger: carol's own approval, dave's, bob's
        // second, and the stranger's deploy, under the bot (no person maps to U0NOBODY).
        let refusals = try await team.refusals()
        #expect(refusals.map(\.actor) == ["carol", "dave", "bob", "slack-bot"], "\(refusals)")
        #expect(refusals.last?.slackUser == "U0NOBODY" && refusals.last?.summary == "/shiplog deploy web 1.2.3 to staging")
        let daves = try await LedgerQueries(pool: team.database.pool()).audit(actor: "dave")
        #expect(daves.contains { $0.type == "ActionRefused" && $0.summary.contains("approve d-") }, "\(daves)")
        let verification = try await ChainVerifier(pool: team.database.pool()).verify()
        #expect(verification.ok, "\(verification.reason ?? "")")
    }

    @Test("unsigned, wrongly signed, stale, future, altered and replayed requests get 401 and write nothing; 413 above 64 KiB")
    func refusedRequests() async throws {
        let team = try await Team.make()
        try await team.application().test(.live) { client in
            let body = Self.command("lock prod incident 42", user: "U0ALICE")
            let events = try await team.count("events")
            func status(_ headers: HTTPFields, _ body: [UInt8] = body) async throws -> HTTPResponse.Status {
                try await client.execute(uri: "/slack/commands", method: .post, headers: headers, body: ByteBuffer(bytes: body)) {
                    $0.status
                }
            }
            var unsigned = Self.headers(body)
            unsigned[HTTPField.Name("X-Slack-Signature")!] = nil
            #expect(try await status(unsigned) == .unauthorized)
            #expect(try await status(Self.headers(body, signature: "v0=" + String(repeating: "0", count: 64))) == .unauthorized)
            #expect(try await status(Self.headers(body, at: Date().addingTimeInterval(-310))) == .unauthorized)
            #expect(try await status(Self.headers(body, at: Date().addingTimeInterval(310))) == .unauthorized)
            var altered = body
            altered.append(contentsOf: Array("&text=unlock+prod".utf8))
            #expect(try await status(Self.headers(body), altered) == .unauthorized)
            let big = [UInt8](repeating: UInt8(ascii: "a"), count: 65 * 1024)
            #expect(try await status(Self.headers(big), big) == .contentTooLarge)
            #expect(try await team.count("events") == events)
            #expect(try await team.count("slack_requests") == 0)

            // The real one lands once; the same signed request again is refused.
            let signed = Self.headers(body)
            #expect(try await status(signed) == .ok)
            #expect(try await status(signed) == .unauthorized)
            var recased = signed
            recased[HTTPField.Name("X-Slack-Signature")!] = "v0=" + signed[HTTPField.Name("X-Slack-Signature")!]!.dropFirst(3).uppercased()
            #expect(try await status(recased) == .unauthorized, "the same signature in capitals is the same request")
            #expect(try await team.count("slack_requests") == 1)
            #expect(try await team.ledger.deploy(try await requestStaging(team)).context.locks.map(\.reason) == ["incident 42"])

            let check = Array("ssl_check=1&token=deprecated".utf8)
            #expect(try await status([.contentType: "application/x-www-form-urlencoded"], check) == .ok)
        }
    }

    @Test("healthz, readyz and metrics")
    func health() async throws {
        let team = try await Team.make()
        try await team.application().test(.live) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""ready":true"#))
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                let metrics = String(buffer: response.body)
                #expect(metrics.contains("shiplog_projector_lag_events"))
                #expect(metrics.contains(#"shiplog_commands_read{from="judged_trust"}"#), "\(metrics)")
                #expect(metrics.contains("shiplog_trust_streams_judged"))
            }
        }
    }

    /// A prod deploy of web requested through the ledger directly, to read prod's locks.
    private func requestStaging(_ team: Team) async throws -> String {
        let carol = SigningKey.generate()
        _ = try await team.ledger.enrollApprover(
            name: "carol2", publicKey: carol.publicKey.base64, slackUser: nil, environments: ["prod"], kind: .person, key: team.admin)
        return try await team.ledger.requestDeploy(
            service: "web", environment: "prod", version: "1.2.3", artifact: nil, reason: nil, allowUnrecorded: false, key: carol
        ).rawValue
    }
}
