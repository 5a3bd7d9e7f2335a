import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ShiplogAWS
import ShiplogCore
import ShiplogCrypto
import ShiplogHTTP
import ShiplogLedger
import ShiplogPostgres
import ShiplogServer
import ShiplogSlack
import ShiplogTestSupport
import Testing

/// Slack's Web API as a loopback stand-in: records what the bot posts.
actor SlackRecorder {
    private(set) var posted: [String] = []
    private var next = 1

    func record(_ body: String) -> Int {
        posted.append(body)
        next += 1
        return next
    }

    nonisolated func application() -> some ApplicationProtocol {
        let router = Router()
        router.post("api/:method") { request, _ -> Response in
            var request = request
            let body = String(buffer: try await request.collectBody(upTo: 1 << 20))
            let ts = await self.record(body)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"ok":true,"channel":"C0DEPLOYS","ts":"1764331200.\#(String(format: "%06d", ts))"}"#)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }
}

/// The whole alarm path over real HTTP: moto publishes a CloudWatch alarm to an SNS topic,
/// moto's SNS posts it (signed) to `shiplog serve`'s `/hooks/sns`, and the server rolls the
/// deploy back on moto's ECS.
@Suite("The server: alarms through SNS roll deploys back")
struct AlarmHookTests {
    struct Setup {
        let story: DeployRunTests.Story
        let server: SigningKey
        let topic: String
        let sns: MotoSNS
        let id: String
    }

    static func setup() async throws -> Setup {
        let story = try await DeployRunTests.Story.make(alarms: ["prod-web-5xx"], autoRollback: true)
        let id = try await story.deployed()
        let server = SigningKey.generate()
        _ = try await story.ledger.enrollApprover(
            name: "shiplog-server", publicKey: server.publicKey.base64, slackUser: nil, environments: [], kind: .slackBot,
            key: story.admin)
        let sns = try MotoSNS()
        let topic = try await sns.createTopic("alarms-\(UUID().uuidString.prefix(8))")
        return Setup(story: story, server: server, topic: topic, sns: sns, id: id)
    }

    static func application(_ setup: Setup, slackPort: Int? = nil, awsEndpoint: String? = nil) throws -> some ApplicationProtocol {
        var configuration = ServerConfiguration(
            host: "127.0.0.1", port: 0, slackBotToken: slackPort.map { _ in "xoxb-test" },
            slackAPIURL: "http://127.0.0.1:\(slackPort ?? 1)/api", slackChannel: slackPort.map { _ in "C0DEPLOYS" },
            botKey: setup.server)
        configuration.snsTopicArns = [setup.topic]
        configuration.aws = AWSSettings(defaultRegion: "us-east-1", endpoint: try awsEndpoint ?? MotoECS.endpoint())
        let http = HTTPClient()
        configuration.awsCredentials = AWSCredentialSource(AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"), http: http)
        configuration.rolloutPollInterval = .milliseconds(100)
        configuration.outboxPollInterval = .milliseconds(50)
        return buildApplication(configuration: configuration, pool: setup.story.database.pool(maximumConnections: 8))
    }

    static func count(_ setup: Setup, _ type: String) async throws -> Int64 {
        try await setup.story.database.connect().query("SELECT count(*) FROM events WHERE type = \(type)")[0].decode(Int64.self, at: 0)
    }

    static func eventually(_ seconds: Double = 20, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test("a CloudWatch alarm published to the topic rolls the deploy back on ECS, locks the service and tells Slack")
    func alarmRollsBack() async throws {
        let setup = try await Self.setup()
        let slack = SlackRecorder()
        try await slack.application().test(.live) { slackClient in
            try await Self.application(setup, slackPort: try #require(slackClient.port)).test(.live) { client in
                try await setup.sns.subscribe(setup.topic, url: "http://127.0.0.1:\(try #require(client.port))/hooks/sns")
                try await setup.sns.publish(setup.topic, MotoSNS.alarm("prod-web-5xx", at: Self.now()))
                #expect(try await Self.eventually { try await Self.count(setup, "EnvironmentLocked") == 1 })
                #expect(try await setup.story.running() == setup.story.moto.revision(1))
                for type in ["AlarmRaised", "RollbackStarted", "RollbackSucceeded"] {
                    #expect(try await Self.count(setup, type) == 1, "\(type)")
                }
                let told = try await Self.eventually { await slack.posted.contains { $0.lowercased().contains("rolled back") } }
                let posted = await slack.posted
                #expect(told, "\(posted)")
            }
        }
        #expect(try await ChainVerifier(pool: setup.story.database.pool()).verify().ok)

        // `show` tells the whole story: the alarm, when it was received, ECS before and after, the lock.
        let show = try Self.shiplog(["show", setup.id, "--json"], database: setup.story.database.conninfo)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(show.utf8)) as? [String: Any], "\(show)")
        #expect(report["status"] as? String == "rolled back")
        let alarm = try #require(report["alarm"] as? [String: Any])
        #expect(alarm["name"] as? String == "prod-web-5xx" && alarm["stateChangedAt"] is String && alarm["receivedAt"] is String)
        let ecs = try #require(report["ecs"] as? [String: Any])
        #expect((ecs["before"] as? String).map(ECSTaskDefinitionName.short) == setup.story.moto.revision(1))
        #expect((ecs["deployed"] as? String).map(ECSTaskDefinitionName.short) == setup.story.moto.revision(2))
        #expect((ecs["rolledBackTo"] as? String).map(ECSTaskDefinitionName.short) == setup.story.moto.revision(1))
        #expect(ecs["rollbackCalledAt"] is String)
        #expect((report["lock"] as? [String: Any])?["reason"] as? String != nil)
    }

    @Test("AWS unreachable during the rollback: RollbackFailed on the record, the service locked, and a loud Slack message")
    func unreachable() async throws {
        let setup = try await Self.setup()
        let slack = SlackRecorder()
        // Every UpdateService the server sends is answered 500; the rest reaches moto.
        let proxy = FaultyECS(upstream: setup.story.moto.endpoint, faults: [], failing: "UpdateService")
        try await proxy.application().test(.live) { proxyClient in
            try await slack.application().test(.live) { slackClient in
                try await Self.application(
                    setup, slackPort: try #require(slackClient.port), awsEndpoint: "http://127.0.0.1:\(try #require(proxyClient.port))"
                ).test(.live) { client in
                    try await setup.sns.subscribe(setup.topic, url: "http://127.0.0.1:\(try #require(client.port))/hooks/sns")
                    try await setup.sns.publish(setup.topic, MotoSNS.alarm("prod-web-5xx", at: Self.now()))
                    let failed = try await Self.eventually { try await Self.count(setup, "RollbackFailed") == 1 }
                    #expect(failed)
                    let told = try await Self.eventually { await slack.posted.contains { $0.contains("🚨") && $0.contains("rollback failed") } }
                    let posted = await slack.posted
                    #expect(told, "\(posted)")
                }
            }
        }
        #expect(try await Self.count(setup, "EnvironmentLocked") == 1)
        #expect(try await setup.story.running() == setup.story.moto.revision(2))
    }

    @Test("the same alarm delivered to two servers, five times over: exactly one rollback")
    func twoServers() async throws {
        let setup = try await Self.setup()
        try await Self.application(setup).test(.live) { first in
            try await Self.application(setup).test(.live) { second in
                for client in [first, second] {
                    try await setup.sns.subscribe(setup.topic, url: "http://127.0.0.1:\(try #require(client.port))/hooks/sns")
                }
                for _ in 0..<5 { try await setup.sns.publish(setup.topic, MotoSNS.alarm("prod-web-5xx", at: Self.now())) }
                #expect(try await Self.eventually { try await Self.count(setup, "RollbackSucceeded") == 1 })
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await Self.count(setup, "RollbackStarted") == 1)
                #expect(try await Self.count(setup, "AlarmRaised") == 1)
            }
        }
        #expect(try await setup.story.running() == setup.story.moto.revision(1))
    }

    @Test("forged SNS messages are refused and recorded nowhere; an alarm no target knows is recorded and nothing else")
    func forgedAndUnknown() async throws {
        let setup = try await Self.setup()
        let (real, _) = try await SNSVerifierTests.published(MotoSNS.alarm("prod-web-5xx", at: Self.now()))
        try await Self.application(setup).test(.live) { client in
            func post(_ body: [String: Any?]) async throws -> HTTPResponse.Status {
                let data = try JSONSerialization.data(withJSONObject: body.compactMapValues { $0 })
                return try await client.execute(uri: "/hooks/sns", method: .post, body: ByteBuffer(bytes: data)) { $0.status }
            }
            var fields: [String: Any?] = [
                "Type": "Notification", "MessageId": real.messageID, "TopicArn": setup.topic, "Message": real.message,
                "Timestamp": real.timestamp, "SignatureVersion": "2", "Signature": real.signature,
                "SigningCertURL": real.signingCertURL,
            ]
            // Signed for another topic, so its signature cannot hold for ours.
            #expect(try await post(fields) == .forbidden)
            fields["SigningCertURL"] = "https://evil.example/SimpleNotificationService-1.pem"
            #expect(try await post(fields) == .forbidden)
            fields["TopicArn"] = "arn:aws:sns:us-east-1:123456789012:not-ours"
            #expect(try await post(fields) == .forbidden)
            #expect(try await client.execute(uri: "/hooks/sns", method: .post, body: ByteBuffer(string: "{}")) { $0.status } == .badRequest)
            #expect(try await Self.count(setup, "AlarmRaised") == 0)
            let seen = try await setup.story.database.connect().query("SELECT count(*) FROM sns_messages")[0].decode(Int64.self, at: 0)
            #expect(seen == 0)

            try await setup.sns.subscribe(setup.topic, url: "http://127.0.0.1:\(try #require(client.port))/hooks/sns")
            try await setup.sns.publish(setup.topic, MotoSNS.alarm("nobody-watches-this", at: Self.now()))
            #expect(try await Self.count(setup, "AlarmRaised") == 1)
            #expect(try await Self.count(setup, "RollbackStarted") == 0)
        }
    }

    /// Runs the `shiplog` executable built beside this test bundle; its standard output.
    static func shiplog(_ arguments: [String], database: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestProcesses.shiplogExecutable())
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = database
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Now, as CloudWatch writes it.
    static func now() -> String {
        let text = LedgerTime.payloadString(Date())  // 2026-11-28T03:12:45.123456Z
        return String(text.prefix(23)) + "+0000"
    }
}

@Suite("The server: a rollback left in progress is resumed at start")
struct RollbackResumeTests {
    @Test("a server that died after starting a rollback: the next one to start carries it out, once")
    func resumes() async throws {
        let setup = try await AlarmHookTests.setup()
        // What a server killed after recording RollbackStarted leaves behind.
        let rollbacks = Rollbacks(ledger: setup.story.ledger, ecs: setup.story.moto.client, key: setup.server)
        try await Projector(pool: setup.story.database.pool()).catchUp()
        let targets = try await LedgerQueries(pool: setup.story.database.pool()).targets()
        let effect = try await rollbacks.record(
            CloudWatchAlarm(name: "prod-web-5xx", state: "ALARM", changedAt: Date()), targets: targets, receivedAt: Date())
        #expect(effect.rollbacks.count == 1)
        #expect(try await setup.story.running() == setup.story.moto.revision(2))
        try await AlarmHookTests.application(setup).test(.live) { _ in
            let finished = try await AlarmHookTests.eventually { try await AlarmHookTests.count(setup, "RollbackSucceeded") == 1 }
            #expect(finished)
        }
        #expect(try await setup.story.running() == setup.story.moto.revision(1))
        #expect(try await AlarmHookTests.count(setup, "RollbackStarted") == 1)
        #expect(try await AlarmHookTests.count(setup, "EnvironmentLocked") == 1)
    }
}

@Suite("The server: /shiplog run and /shiplog rollback from Slack")
struct SlackDeployTests {
    static let secret = Array("slack-signing-secret-for-tests".utf8)

    @Test("erin runs two approved deploys from Slack, then rolls the second back; each is hers on the ledger")
    func runAndRollBack() async throws {
        let story = try await DeployRunTests.Story.make()
        let server = SigningKey.generate()
        _ = try await story.ledger.enrollApprover(
            name: "slack-bot", publicKey: server.publicKey.base64, slackUser: nil, environments: [], kind: .slackBot, key: story.admin)
        _ = try await story.ledger.enrollApprover(
            name: "erin", publicKey: SigningKey.generate().publicKey.base64, slackUser: "U0ERIN", environments: ["prod"],
            kind: .person, key: story.admin)
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, slackSigningSecret: Self.secret, botKey: server)
        configuration.aws = AWSSettings(defaultRegion: "us-east-1", endpoint: try MotoECS.endpoint())
        configuration.awsCredentials = AWSCredentialSource(
            AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"), http: HTTPClient())
        configuration.rolloutPollInterval = .milliseconds(100)
        configuration.slackAnswerWithin = .seconds(60)
        try await buildApplication(configuration: configuration, pool: story.database.pool(maximumConnections: 8)).test(.live) { client in
            func command(_ text: String) async throws -> [String: Any] {
                let body = FormBody.encode([
                    ("team_id", "T0SHIP"), ("channel_id", "C0DEPLOYS"), ("user_id", "U0ERIN"), ("command", "/shiplog"), ("text", text),
                    ("response_url", "http://127.0.0.1:1/respond"), ("trigger_id", UUID().uuidString),
                ])
                let timestamp = String(Int(Date().timeIntervalSince1970))
                var headers = HTTPFields()
                headers[.contentType] = "application/x-www-form-urlencoded"
                headers[HTTPField.Name("X-Slack-Request-Timestamp")!] = timestamp
                headers[HTTPField.Name("X-Slack-Signature")!] = SlackVerifier(signingSecret: Self.secret).signature(timestamp: timestamp, body: body)
                return try await client.execute(uri: "/slack/commands", method: .post, headers: headers, body: ByteBuffer(bytes: body)) {
                    try #require(try JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as? [String: Any])
                }
            }
            for version in ["1.2.2", "1.2.3"] {
                let id = try await story.request(version: version)
                try await story.ledger.approve(id, key: story.alice)
                try await story.ledger.approve(id, key: story.bob)
                let reply = try await command("run \(id)")
                #expect((reply["text"] as? String)?.contains("erin started \(id) on ECS") == true, "\(reply)")
                let done = try await AlarmHookTests.eventually {
                    try await story.ledger.deploy(id).context.deploy.status == .succeeded
                }
                #expect(done)
                #expect(try await story.ledger.deploy(id).context.deploy.started?.startedBy.name.rawValue == "erin")
            }
            #expect(try await story.running() == story.moto.revision(2))
            let reply = try await command("rollback web prod error rate doubled")
            #expect((reply["text"] as? String)?.contains("erin is rolling back web on prod") == true, "\(reply)")
            let rolledBack = try await AlarmHookTests.eventually {
                try await story.running() == story.moto.revision(1)
            }
            #expect(rolledBack)
            let gone = try await command("run d-nothing")
            #expect(gone["response_type"] as? String == "ephemeral")
        }
        #expect(try await ChainVerifier(pool: story.database.pool()).verify().ok)
    }
}

@Suite("The server: alarms from EventBridge, with an API token")
struct EventBridgeHookTests {
    static func event(_ name: String, id: String = UUID().uuidString) -> String {
        let now = LedgerTime.payloadString(Date())
        return #"""
            {"version":"0","id":"\#(id)","detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch",
             "account":"123456789012","time":"\#(now.prefix(19))Z","region":"us-east-1",
             "resources":["arn:aws:cloudwatch:us-east-1:123456789012:alarm:\#(name)"],
             "detail":{"alarmName":"\#(name)","state":{"value":"ALARM","reason":"Threshold Crossed","timestamp":"\#(now.prefix(23))+0000"},
                       "previousState":{"value":"OK","reason":"","timestamp":"\#(now.prefix(23))+0000"},"configuration":{"metrics":[]}}}
            """#
    }

    @Test("an alarm-scoped token's event rolls back, once per event id; no token, a wrong one or one without the scope: refused")
    func eventBridge() async throws {
        let setup = try await AlarmHookTests.setup()
        let (_, secret) = try await setup.story.ledger.issueToken(
            id: "cloudwatch", label: "EventBridge API destination", scopes: ["alarm"], expiresAt: nil, key: setup.story.admin)
        let (_, builds) = try await setup.story.ledger.issueToken(
            id: "builds", label: "CI", scopes: ["build"], expiresAt: nil, key: setup.story.admin)
        try await AlarmHookTests.application(setup).test(.live) { client in
            func post(_ body: String, token: String?) async throws -> HTTPResponse.Status {
                var headers = HTTPFields()
                if let token { headers[.authorization] = "Bearer \(token)" }
                return try await client.execute(uri: "/hooks/eventbridge", method: .post, headers: headers, body: ByteBuffer(string: body)) {
                    $0.status
                }
            }
            let event = Self.event("prod-web-5xx", id: "ev-1")
            #expect(try await post(event, token: nil) == .unauthorized)
            #expect(try await post(event, token: "shiplog_wrong") == .unauthorized)
            #expect(try await post(event, token: builds) == .forbidden)
            #expect(try await post("{}", token: secret) == .badRequest)
            #expect(try await AlarmHookTests.count(setup, "AlarmRaised") == 0)
            #expect(try await post(event, token: secret) == .ok)
            #expect(try await post(event, token: secret) == .ok)
            let rolledBack = try await AlarmHookTests.eventually { try await AlarmHookTests.count(setup, "RollbackSucceeded") == 1 }
            #expect(rolledBack)
        }
        #expect(try await AlarmHookTests.count(setup, "RollbackStarted") == 1)
        // An alarm is observed, not done by anyone; the signed intent says which token brought it.
        let intent = try await setup.story.database.connect().query(
            "SELECT metadata->>'intent' FROM events WHERE type = 'AlarmRaised'")[0].decode(String.self, at: 0)
        #expect(intent.contains(#""kind":"token""#) && intent.contains("cloudwatch"), "\(intent)")
        #expect(try await setup.story.running() == setup.story.moto.revision(1))
        #expect(try await ChainVerifier(pool: setup.story.database.pool()).verify().ok)
    }
}

@Suite("The server: SIGKILL in the middle of a rollback")
struct RollbackKillTests {
    @Test("the real shiplog serve, killed while ECS holds its UpdateService: on restart the rollback is carried out, once")
    func killedMidRollback() async throws {
        let setup = try await AlarmHookTests.setup()
        let directory = FileManager.default.temporaryDirectory.appending(path: "shiplog-rollback-kill-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try KeyFile.write(setup.server, to: directory + "/server.key")
        let proxy = FaultyECS(upstream: setup.story.moto.endpoint, faults: [])
        await proxy.hold(true)
        try await proxy.application().test(.live) { proxyClient in
            let port = TestProcesses.freePort()
            let settings = [
                "DATABASE_URL": setup.story.database.conninfo,
                "SHIPLOG_BOT_KEY": directory + "/server.key",
                "SHIPLOG_SNS_TOPIC_ARNS": setup.topic,
                "SHIPLOG_AWS_ENDPOINT": "http://127.0.0.1:\(try #require(proxyClient.port))",
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": "us-east-1",
            ]
            func serve() throws -> Process { try TestProcesses.serve(port: port, settings) }
            func ready() async throws -> Bool {
                try await AlarmHookTests.eventually(30) {
                    let http = HTTPClient()
                    return (try? await http.send(ShiplogHTTP.HTTPRequest(url: "http://127.0.0.1:\(port)/healthz"), retry: .never))?.status == 200
                }
            }

            let first = try serve()
            #expect(try await ready())
            try await setup.sns.subscribe(setup.topic, url: "http://127.0.0.1:\(port)/hooks/sns")
            try await setup.sns.publish(setup.topic, MotoSNS.alarm("prod-web-5xx", at: AlarmHookTests.now()))
            let inFlight = try await AlarmHookTests.eventually { await proxy.held == 1 }
            #expect(inFlight, "the server called UpdateService")
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            #expect(first.terminationReason == .uncaughtSignal)
            #expect(try await AlarmHookTests.count(setup, "RollbackStarted") == 1)
            #expect(try await AlarmHookTests.count(setup, "RollbackSucceeded") == 0)

            await proxy.hold(false)
            let second = try serve()
            defer {
                kill(second.processIdentifier, SIGTERM)
                second.waitUntilExit()
            }
            // The lock is the rollback's last step.
            let resumed = try await AlarmHookTests.eventually { try await AlarmHookTests.count(setup, "EnvironmentLocked") == 1 }
            #expect(resumed)
            #expect(try await AlarmHookTests.count(setup, "RollbackSucceeded") == 1)
            #expect(try await AlarmHookTests.count(setup, "RollbackStarted") == 1)
        }
        #expect(try await setup.story.running() == setup.story.moto.revision(1))
    }
}
