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

/// The teams of `../shared/seeds/`, with their own names, against a running server,
/// PostgreSQL and moto.
@Suite("Seed stories")
struct SeedScenarioTests {
    /// A team's ledger: an admin, `environment`'s policy, one approving person (with a Slack
    /// user id when given), the pipeline's CI key and the server's key, enrolled.
    struct Team {
        let database: TestDatabase
        let ledger: LedgerService
        let admin = SigningKey.generate(), person = SigningKey.generate(), ci = SigningKey.generate(), server = SigningKey.generate()

        static func make(
            _ environment: String, policy: EnvironmentPolicy = EnvironmentPolicy(approvalsRequired: 1), person: String,
            slackUser: String? = nil, ci: String, server: String = "shiplog-server"
        ) async throws -> Team {
            let database = try await TestDatabase.create()
            let team = Team(database: database, ledger: LedgerService(store: LedgerStore(events: database.store())))
            let ledger = team.ledger, admin = team.admin
            _ = try await ledger.initialize(admin: "admin", key: admin)
            try await ledger.setPolicy(environment: environment, policy: policy, key: admin)
            _ = try await ledger.enrollApprover(
                name: person, publicKey: team.person.publicKey.base64, slackUser: slackUser, environments: [environment],
                kind: .person, key: admin)
            _ = try await ledger.enrollApprover(
                name: ci, publicKey: team.ci.publicKey.base64, slackUser: nil, environments: [environment], kind: .ci, key: admin)
            _ = try await ledger.enrollApprover(
                name: server, publicKey: team.server.publicKey.base64, slackUser: nil, environments: [], kind: .slackBot, key: admin)
            return team
        }
    }

    /// A team's ECS in moto: a cluster (its name and a tag, as tests share one moto), one
    /// revision of `family` per image, and `service` running the first.
    struct ECSService {
        let endpoint: String
        let ecs: ECSClient
        let cluster: String
        let service: String
        /// The revisions, as `family:N`, in the order of the images.
        let revisions: [String]

        static func make(cluster name: String, family: String, container: String, images: [String], service: String) async throws
            -> ECSService
        {
            struct Ignored: Decodable {}
            struct Registered: Decodable {
                struct Definition: Decodable { let taskDefinitionArn: String }
                let taskDefinition: Definition
            }
            let endpoint = try MotoECS.endpoint()
            let ecs = MotoECS.client(endpoint: endpoint)
            let cluster = "\(name)-\(UUID().uuidString.prefix(6).lowercased())"
            let _: Ignored = try await ecs.call("CreateCluster", region: nil, ["clusterName": cluster])
            var revisions: [String] = []
            for image in images {
                let registered: Registered = try await ecs.call(
                    "RegisterTaskDefinition", region: nil,
                    ["family": family, "containerDefinitions": [["name": container, "image": image, "memory": 512]]])
                revisions.append(ECSTaskDefinitionName.short(registered.taskDefinition.taskDefinitionArn))
            }
            let _: Ignored = try await ecs.call(
                "CreateService", region: nil,
                ["cluster": cluster, "serviceName": service, "taskDefinition": revisions[0], "desiredCount": 1])
            return ECSService(endpoint: endpoint, ecs: ecs, cluster: cluster, service: service, revisions: revisions)
        }

        /// What the service runs now.
        func running() async throws -> String {
            ECSTaskDefinitionName.short(try await ecs.describeService(cluster: cluster, service: service, region: nil).taskDefinition)
        }
    }

    /// `deploy/scripts/shiplog-gate.sh`.
    static let gateScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "deploy/scripts/shiplog-gate.sh").path
    /// Home Health Aid (`002_…`): the Flask backend runs on ECS as `backend-service`, task
    /// definition family `home-health-aid-backend`; CloudWatch alarm `staging-api-5xx-errors`
    /// watches it; their rollback is "update-service to the previous task-definition revision".
    /// Shiplog does that when the alarm fires after a deploy.
    @Test("Home Health Aid: a 5xx alarm after a staging deploy rolls backend-service back to the previous task-definition revision")
    func homeHealthAid() async throws {
        let team = try await Team.make("staging", person: "maria", ci: "github-actions")
        let (database, ledger, admin, maria, ci, server) = (team.database, team.ledger, team.admin, team.person, team.ci, team.server)

        // Their ECS: staging-cluster, backend-service, two revisions of home-health-aid-backend.
        let place = try await ECSService.make(
            cluster: "staging-cluster", family: "home-health-aid-backend", container: "backend",
            images: ["home-health-aid-backend:a1b2c3", "home-health-aid-backend:d4e5f6"], service: "backend-service")
        let (endpoint, ecs, cluster, revisions) = (place.endpoint, place.ecs, place.cluster, place.revisions)

        try await ledger.run(
            .setTarget(
                environment: try Environment("staging"), service: try ServiceName("backend"),
                target: DeployTarget(
                    cluster: cluster, ecsService: "backend-service", region: "us-east-1",
                    alarms: [try AlarmName("staging-api-5xx-errors")], autoRollback: true)),
            signedWith: admin)
        for (version, digest, revision) in [("a1b2c3", "a1", revisions[0]), ("d4e5f6", "d4", revisions[1])] {
            try await ledger.recordBuild(
                service: "backend", version: version, artifact: "sha256:" + String(repeating: digest, count: 32), commit: version,
                taskDefinition: revision, key: ci)
        }
        var runner = DeployRunner(ledger: ledger, ecs: ecs)
        runner.pollInterval = .milliseconds(100)
        runner.rolloutLimit = .seconds(20)
        var last = ""
        for version in ["a1b2c3", "d4e5f6"] {
            last = try await ledger.requestDeploy(
                service: "backend", environment: "staging", version: version, artifact: nil, reason: "push to main",
                allowUnrecorded: false, key: ci
            ).rawValue
            try await ledger.approve(last, key: maria)
            #expect(try await runner.run(last, key: ci).succeeded)
        }
        let running = place.running
        #expect(try await running() == revisions[1])
        let deployed = last

        // The alarm fires through their SNS topic; shiplog serve rolls back.
        let sns = try MotoSNS()
        let topic = try await sns.createTopic("home-health-aid-alarms-\(UUID().uuidString.prefix(6))")
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, botKey: server)
        configuration.snsTopicArns = [topic]
        configuration.aws = AWSSettings(defaultRegion: "us-east-1", endpoint: endpoint)
        configuration.awsCredentials = AWSCredentialSource(
            AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"), http: HTTPClient())
        configuration.rolloutPollInterval = .milliseconds(100)
        let application = buildApplication(configuration: configuration, pool: database.pool(maximumConnections: 8))
        try await application.test(.live) { client in
            try await sns.subscribe(topic, url: "http://127.0.0.1:\(try #require(client.port))/hooks/sns")
            try await sns.publish(topic, MotoSNS.alarm("staging-api-5xx-errors", at: AlarmHookTests.now()))
            let rolledBack = try await AlarmHookTests.eventually {
                try await ledger.deploy(deployed).context.deploy.status == .rolledBack
            }
            #expect(rolledBack, "the deploy of d4e5f6 is rolled back")
        }
        #expect(try await running() == revisions[0], "backend-service runs the previous revision again")
        let report = try await ledger.deployReport(deployed)
        #expect(report.alarm?.name == "staging-api-5xx-errors")
        #expect(report.ecs.map { ECSTaskDefinitionName.short($0.rolledBackTo ?? "") } == revisions[0])
        #expect(report.lock != nil, "backend is locked on staging until someone looks")
        #expect(try await ChainVerifier(pool: database.pool()).verify().ok)
    }

    /// Runs a program to its end: status, standard output and standard error.
    static func run(_ program: String, _ arguments: [String], environment extra: [String: String]) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let folder = FileManager.default.temporaryDirectory.appending(path: "seed-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appending(path: "out"), err = folder.appending(path: "err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SHIPLOG_HOME"] = "/nonexistent/shiplog-home"
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
        return (
            process.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        )
    }

    /// Alva (`000_…`): ECS cluster `alva-staging-cluster`, task definition family
    /// `alva-staging-task`, deployed to staging by a GitHub Actions job (`deploy-staging`) with
    /// "a rollback mechanism in place". Here the job is the pipeline script against the server,
    /// `shiplog deploy run` carries each approved deploy out on ECS, and the rollback path is a
    /// person's `shiplog rollback`.
    @Test("Alva: two staging deploys of alva-staging-task through the pipeline script, then a manual rollback to the first")
    func alva() async throws {
        let team = try await Team.make("staging", person: "priya", ci: "deploy-staging")
        let (database, ledger, admin, priya, ci, server) = (team.database, team.ledger, team.admin, team.person, team.ci, team.server)
        let token = try await ledger.issueToken(
            id: "alva-github", label: "Alva's GitHub Actions", scopes: ["build", "migration", "deploy"], expiresAt: nil,
            environments: ["staging"], key: admin
        ).secret
        let keys = FileManager.default.temporaryDirectory.appending(path: "alva-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: keys) }
        try KeyFile.write(ci, to: keys + "/ci.key")
        try KeyFile.write(priya, to: keys + "/priya.key")

        let place = try await ECSService.make(
            cluster: "alva-staging-cluster", family: "alva-staging-task", container: "web", images: ["alva-web:1.0.0", "alva-web:1.1.0"],
            service: "web")
        let (endpoint, cluster, revisions) = (place.endpoint, place.cluster, place.revisions)
        try await ledger.run(
            .setTarget(
                environment: try Environment("staging"), service: try ServiceName("web"),
                target: DeployTarget(cluster: cluster, ecsService: "web", region: "us-east-1")),
            signedWith: admin)
        let running = place.running
        let releases = [("1.0.0", revisions[0]), ("1.1.0", revisions[1])]

        let script = Self.gateScript
        let shiplog = try TestProcesses.shiplogExecutable()
        let aws = [
            "DATABASE_URL": database.conninfo, "SHIPLOG_AWS_ENDPOINT": endpoint, "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
        ]
        let application = buildApplication(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0, botKey: server), pool: database.pool(maximumConnections: 8))
        let deploys: [String] = try await application.test(.live) { client in
            var deploys: [String] = []
            let url = "http://127.0.0.1:\(try #require(client.port))"
            for (version, revision) in releases {
                // deploy-staging: the script records the build and requests the deploy; priya approves.
                async let pipeline = Self.run(
                    "/bin/bash",
                    [script, "--service", "web", "--env", "staging", "--version", version, "--artifact",
                     "sha256:" + String(repeating: version == "1.0.0" ? "10" : "11", count: 32), "--task-definition", revision,
                     "--interval", "1", "--timeout", "60"],
                    environment: ["SHIPLOG_URL": url, "SHIPLOG_TOKEN": token])
                var requested: String?
                for _ in 0..<100 where requested == nil {
                    let history = try await DirectLedgerClient(ledger: ledger, pool: database.pool()).history(
                        HistoryFilter(environment: "staging", service: "web", outcome: .requested))
                    requested = history.first { $0.version == version }?.id
                    if requested == nil { try await Task.sleep(for: .milliseconds(100)) }
                }
                let id = try #require(requested, "the script requested \(version)")
                try await ledger.approve(id, key: priya)
                let finished = try await pipeline
                #expect(finished.status == 0, "\(finished)")
                #expect(finished.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == id)
                // Then the job carries it out on ECS.
                let run = try await Self.run(shiplog, ["deploy", "run", id, "--poll", "1", "--key", keys + "/ci.key"], environment: aws)
                #expect(run.status == 0, "\(run)")
                #expect(try await running() == revision)
                deploys.append(id)
            }
            return deploys
        }

        // The rollback path: priya rolls staging back by hand.
        let rollback = try await Self.run(
            shiplog, ["rollback", "--env", "staging", "--service", "web", "--reason", "checkout broken on staging", "--key", keys + "/priya.key"],
            environment: aws)
        #expect(rollback.status == 0, "\(rollback)")
        #expect(try await running() == revisions[0], "alva-staging-task is back at its first revision")
        let report = try await ledger.deployReport(try #require(deploys.last))
        #expect(report.status == "rolled back")
        #expect(report.timeline.contains { $0.summary.contains("priya") && $0.event == "RollbackStarted" })
        #expect(report.build?.recordedBy == "token-alva-github", "the pipeline's token recorded the build")
        #expect(try await ChainVerifier(pool: database.pool()).verify().ok)
    }

    /// PicklesApp (`003_…`): a Lightsail container service `picklesapp-prod`, deployed by GitHub
    /// Actions with "deployment to prod (manual approval)". Here the pipeline asks Shiplog's
    /// gate, the team sees the approval request in Slack, one of them presses Approve, the
    /// pipeline goes on, and the channel hears how it went.
    @Test("PicklesApp: a prod deploy waits for an approval pressed in Slack, and the team is told in the channel")
    func picklesApp() async throws {
        let team = try await Team.make("prod", person: "sam", slackUser: "U0SAM", ci: "picklesapp-ci", server: "picklesapp-bot")
        let (database, ledger, admin, bot) = (team.database, team.ledger, team.admin, team.server)
        let token = try await ledger.issueToken(
            id: "picklesapp-github", label: "PicklesApp deploys", scopes: ["build", "deploy"], expiresAt: nil, environments: ["prod"],
            key: admin
        ).secret
        let secret = Array("picklesapp-signing-secret".utf8)
        let script = Self.gateScript

        let slack = SlackRecorder()
        try await slack.application().test(.live) { slackClient in
            var configuration = ServerConfiguration(
                host: "127.0.0.1", port: 0, slackSigningSecret: secret, slackBotToken: "xoxb-picklesapp",
                slackAPIURL: "http://127.0.0.1:\(try #require(slackClient.port))/api", slackChannel: "C0PICKLES", botKey: bot)
            configuration.outboxPollInterval = .milliseconds(50)
            configuration.slackAnswerWithin = .seconds(60)
            let application = buildApplication(configuration: configuration, pool: database.pool(maximumConnections: 8))
            try await application.test(.live) { client in
                let url = "http://127.0.0.1:\(try #require(client.port))"
                let marker = FileManager.default.temporaryDirectory.appending(path: "picklesapp-deployed-\(UUID().uuidString)").path
                defer { try? FileManager.default.removeItem(atPath: marker) }
                // deploy-prod: the pipeline records the image, requests, and waits at the gate.
                async let pipeline = Self.run(
                    "/bin/bash",
                    [script, "--service", "picklesapp", "--env", "prod", "--version", "2026.11.28", "--artifact",
                     "sha256:" + String(repeating: "9c", count: 32), "--reason", "release train", "--interval", "1", "--timeout", "60",
                     "--", "/bin/sh", "-c", "echo create-container-service-deployment picklesapp-prod > \(marker)"],
                    environment: ["SHIPLOG_URL": url, "SHIPLOG_TOKEN": token])

                // The team sees the approval request, with its buttons, in the channel.
                let asked = try await AlarmHookTests.eventually {
                    await slack.posted.contains { $0.contains("approve") && $0.contains("picklesapp") }
                }
                let posted = await slack.posted
                #expect(asked, "\(posted)")
                let history = try await DirectLedgerClient(ledger: ledger, pool: database.pool()).history(
                    HistoryFilter(environment: "prod", service: "picklesapp", outcome: .requested))
                let id = try #require(history.first?.id)
                #expect(!FileManager.default.fileExists(atPath: marker), "nothing deployed before the approval")

                // sam presses Approve.
                let payload: [String: Any] = [
                    "type": "block_actions", "user": ["id": "U0SAM", "username": "sam", "team_id": "T0PICKLES"],
                    "team": ["id": "T0PICKLES", "domain": "pickles"], "channel": ["id": "C0PICKLES", "name": "deploys"],
                    "container": ["type": "message", "message_ts": "1764331200.000002", "channel_id": "C0PICKLES"],
                    "trigger_id": "1337.42.\(UUID().uuidString.lowercased())", "response_url": "http://127.0.0.1:1/respond",
                    "actions": [
                        [
                            "action_id": "approve", "block_id": "approval-\(id)", "value": id, "type": "button",
                            "action_ts": String(format: "%.6f", Date().timeIntervalSince1970),
                        ]
                    ],
                ]
                let body = FormBody.encode([
                    ("payload", String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self))
                ])
                let timestamp = String(Int(Date().timeIntervalSince1970))
                var headers = HTTPFields()
                headers[.contentType] = "application/x-www-form-urlencoded"
                headers[HTTPField.Name("X-Slack-Request-Timestamp")!] = timestamp
                headers[HTTPField.Name("X-Slack-Signature")!] = SlackVerifier(signingSecret: secret).signature(timestamp: timestamp, body: body)
                try await client.execute(uri: "/slack/interactions", method: .post, headers: headers, body: ByteBuffer(bytes: body)) {
                    #expect($0.status == .ok)
                }

                let finished = try await pipeline
                #expect(finished.status == 0, "\(finished)")
                #expect(FileManager.default.fileExists(atPath: marker), "the pipeline deployed once sam approved")
                let report = try await ledger.deployReport(id)
                #expect(report.status == "succeeded")
                #expect(report.approvals.map(\.approver) == ["sam"] && report.approvals.first?.via == "slack")
                // And the channel hears it.
                let told = try await AlarmHookTests.eventually {
                    await slack.posted.contains { $0.contains(id) && $0.lowercased().contains("succeeded") }
                }
                let heard = await slack.posted
                #expect(told, "\(heard)")
            }
        }
        #expect(try await ChainVerifier(pool: database.pool()).verify().ok)
    }

    /// Alva's review (`001_…`): four services (web, api, auth, admin) share one database, whose
    /// migrations run first as the one-off task `alva-migrations`. With a staging policy that
    /// requires migrations, the task's outcome is recorded before the services deploy, and a
    /// failed migration keeps every one of them from starting, saying which and why, until it is
    /// recorded applied.
    @Test("Alva review: the migration task's outcome comes first; a failed migration stops all four services' deploys, with the reason")
    func alvaReview() async throws {
        let team = try await Team.make(
            "staging", policy: EnvironmentPolicy(approvalsRequired: 1, requireMigrations: true), person: "priya", ci: "deploy-staging")
        let (database, ledger, admin, priya, ci, server) = (team.database, team.ledger, team.admin, team.person, team.ci, team.server)
        let token = try await ledger.issueToken(
            id: "alva-github", label: "Alva", scopes: ["build", "migration", "deploy"], expiresAt: nil, environments: ["staging"], key: admin
        ).secret
        let services = ["web", "api", "auth", "admin"]
        func release(_ version: String) async throws -> [String] {
            var ids: [String] = []
            for (index, service) in services.enumerated() {
                try await ledger.recordBuild(
                    service: service, version: version, artifact: "sha256:" + String(repeating: "\(index)\(version.count)", count: 32),
                    commit: nil, taskDefinition: "alva-staging-\(service):\(version.count)", key: ci)
                let id = try await ledger.requestDeploy(
                    service: service, environment: "staging", version: version, artifact: nil, reason: nil, allowUnrecorded: false, key: ci)
                try await ledger.approve(id.rawValue, key: priya)
                ids.append(id.rawValue)
            }
            return ids
        }

        // Release 1: alva-migrations applies 0007; the four services start.
        try await ledger.recordMigration(
            environment: "staging", name: "0007_add_orgs", checksum: "0007abcdef", service: nil, failed: false, error: nil, key: ci)
        for id in try await release("1.0.0") {
            try await ledger.start(id, breakGlassReason: nil, key: ci)
            try await ledger.succeed(id, key: ci)
        }

        // Release 2: alva-migrations fails on 0008; none of the four may start, and each says why.
        try await ledger.recordMigration(
            environment: "staging", name: "0008_split_users", checksum: "0008abcdef", service: nil, failed: true,
            error: "duplicate key value violates unique constraint", key: ci)
        let blocked = try await release("1.1.0")
        for id in blocked {
            let gate = try await ledger.gate(id)
            #expect(!gate.allowed)
            #expect(
                gate.reasons.contains {
                    $0.hasPrefix("migration 0008_split_users failed on staging") && $0.contains("duplicate key value")
                        && $0.contains("record it applied")
                }, "\(gate.reasons)")
            await #expect(throws: LedgerError.self) { try await ledger.start(id, breakGlassReason: nil, key: ci) }
        }
        // The pipeline says so too, through the server: it waits, then fails with the reason.
        let script = Self.gateScript
        try await ledger.cancel(blocked[0], reason: "retried by the pipeline", key: ci)
        let application = buildApplication(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0, botKey: server), pool: database.pool(maximumConnections: 8))
        try await application.test(.live) { client in
            let run = try await Self.run(
                "/bin/bash",
                [script, "--service", "web", "--env", "staging", "--version", "1.1.0", "--artifact",
                 "sha256:" + String(repeating: "05", count: 32), "--interval", "1", "--timeout", "2"],
                environment: ["SHIPLOG_URL": "http://127.0.0.1:\(try #require(client.port))", "SHIPLOG_TOKEN": token])
            #expect(run.status == 3, "\(run)")
            #expect(run.stderr.contains("migration 0008_split_users failed on staging"), "\(run.stderr)")
        }

        // Fixed and applied: the deploys go.
        try await ledger.recordMigration(
            environment: "staging", name: "0008_split_users", checksum: "0008abcdef", service: nil, failed: false, error: nil, key: ci)
        for id in blocked.dropFirst() {
            #expect(try await ledger.gate(id).allowed)
            try await ledger.start(id, breakGlassReason: nil, key: ci)
        }
        #expect(try await ChainVerifier(pool: database.pool()).verify().ok)
        let verify = try await Self.run(
            try TestProcesses.shiplogExecutable(), ["verify", "--json"], environment: ["DATABASE_URL": database.conninfo])
        #expect(verify.status == 0, "every command, the refusals' neighbours included, is judged as decided: \(verify)")
    }

    /// CalStack (`004_…`): ECS Fargate behind an ALB whose health checks watch the app, "easy
    /// rollbacks: ECS service updates", automatic rollback when health checks fail. Here the ALB
    /// health check's alarm fires while the new task definition is still rolling out: the runner
    /// stops following it, records the deploy failed, and rolls it back to what ran before.
    @Test("CalStack: a failed health-check alarm during a production rollout rolls the deploy back automatically")
    func calStack() async throws {
        let team = try await Team.make("production", person: "lead", ci: "calstack-ci")
        let (database, ledger, admin, lead, ci, server) = (team.database, team.ledger, team.admin, team.person, team.ci, team.server)

        let place = try await ECSService.make(
            cluster: "calstack-production", family: "calstack-app", container: "app", images: ["calstack-app:41", "calstack-app:42"],
            service: "calstack-app")
        let (endpoint, ecs, cluster, revisions) = (place.endpoint, place.ecs, place.cluster, place.revisions)
        try await ledger.run(
            .setTarget(
                environment: try Environment("production"), service: try ServiceName("app"),
                target: DeployTarget(
                    cluster: cluster, ecsService: "calstack-app", region: "us-east-1",
                    alarms: [try AlarmName("calstack-alb-unhealthy-hosts")], autoRollback: true)),
            signedWith: admin)
        for (version, revision) in [("41", revisions[0]), ("42", revisions[1])] {
            try await ledger.recordBuild(
                service: "app", version: version, artifact: "sha256:" + String(repeating: version, count: 32), commit: nil,
                taskDefinition: revision, key: ci)
        }
        func approved(_ version: String) async throws -> String {
            let id = try await ledger.requestDeploy(
                service: "app", environment: "production", version: version, artifact: nil, reason: nil, allowUnrecorded: false, key: ci
            ).rawValue
            try await ledger.approve(id, key: lead)
            return id
        }
        var runner = DeployRunner(ledger: ledger, ecs: ecs)
        runner.pollInterval = .milliseconds(100)
        runner.rolloutLimit = .seconds(20)
        let first = try await runner.run(try await approved("41"), key: ci)
        #expect(first.succeeded, "\(first)")

        // 42 rolls out, and stays in progress (the proxy says so) while the ALB finds it unhealthy.
        let before = revisions[0]
        let proxy = FaultyECS(upstream: endpoint, faults: [])
        await proxy.keepRolloutInProgress(of: ":" + (revisions[1].split(separator: ":").last.map(String.init) ?? "2"))
        let id = try await approved("42")
        try await proxy.application().test(.live) { proxyClient in
            var slow = DeployRunner(ledger: ledger, ecs: MotoECS.client(endpoint: "http://127.0.0.1:\(try #require(proxyClient.port))"))
            slow.pollInterval = .milliseconds(100)
            slow.rolloutLimit = .seconds(20)
            let running = Task { try await slow.run(id, key: ci) }
            let inFlight = try await AlarmHookTests.eventually {
                try await ledger.deploy(id).context.deploy.status == .started
            }
            #expect(inFlight)
            try await Task.sleep(for: .milliseconds(300))
            // The alarm, as the server records it from SNS.
            try await ledger.run(
                .raiseAlarm(
                    alarm: try AlarmName("calstack-alb-unhealthy-hosts"), environment: try Environment("production"),
                    service: try ServiceName("app"), reason: "UnHealthyHostCount >= 1 for 2 datapoints", changedAt: Date()),
                signedWith: server)
            let outcome = try await running.value
            #expect(!outcome.succeeded)
            #expect(outcome.failure?.contains("alarm calstack-alb-unhealthy-hosts fired during the rollout") == true, "\(outcome)")
            #expect(outcome.failure?.contains("rolled back to \(before)") == true, "\(outcome)")
        }
        #expect(try await place.running() == revisions[0], "calstack-app runs the previous revision again")
        let report = try await ledger.deployReport(id)
        #expect(report.status == "rolled back")
        #expect(report.alarm?.name == "calstack-alb-unhealthy-hosts")
        #expect(report.timeline.map(\.event).contains("DeployFailed"))
        #expect(report.lock != nil, "app is locked on production until someone looks")
        #expect(try await ChainVerifier(pool: database.pool()).verify().ok)
    }
}
