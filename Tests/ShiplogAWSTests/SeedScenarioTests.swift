import Foundation
import Hummingbird
import HummingbirdTesting
import ShiplogAWS
import ShiplogCore
import ShiplogCrypto
import ShiplogHTTP
import ShiplogLedger
import ShiplogPostgres
import ShiplogServer
import ShiplogTestSupport
import Testing

/// The teams of `../shared/seeds/`, with their own names, against a running server,
/// PostgreSQL and moto.
@Suite("Seed stories")
struct SeedScenarioTests {
    /// Home Health Aid (`002_…`): the Flask backend runs on ECS as `backend-service`, task
    /// definition family `home-health-aid-backend`; CloudWatch alarm `staging-api-5xx-errors`
    /// watches it; their rollback is "update-service to the previous task-definition revision".
    /// Shiplog does that when the alarm fires after a deploy.
    @Test("Home Health Aid: a 5xx alarm after a staging deploy rolls backend-service back to the previous task-definition revision")
    func homeHealthAid() async throws {
        let database = try await TestDatabase.create()
        let ledger = LedgerService(store: LedgerStore(events: database.store()))
        let admin = SigningKey.generate(), maria = SigningKey.generate(), ci = SigningKey.generate(), server = SigningKey.generate()
        _ = try await ledger.initialize(admin: "admin", key: admin)
        try await ledger.setPolicy(environment: "staging", policy: EnvironmentPolicy(approvalsRequired: 1), key: admin)
        _ = try await ledger.enrollApprover(
            name: "maria", publicKey: maria.publicKey.base64, slackUser: nil, environments: ["staging"], kind: .person, key: admin)
        _ = try await ledger.enrollApprover(
            name: "github-actions", publicKey: ci.publicKey.base64, slackUser: nil, environments: ["staging"], kind: .ci, key: admin)
        _ = try await ledger.enrollApprover(
            name: "shiplog-server", publicKey: server.publicKey.base64, slackUser: nil, environments: [], kind: .slackBot, key: admin)

        // Their ECS: staging-cluster, backend-service, two revisions of home-health-aid-backend.
        let endpoint = try MotoECS.endpoint()
        let ecs = MotoECS.client(endpoint: endpoint)
        let cluster = "staging-cluster-\(UUID().uuidString.prefix(6).lowercased())"
        struct Ignored: Decodable {}
        let _: Ignored = try await ecs.call("CreateCluster", region: nil, ["clusterName": cluster])
        var revisions: [String] = []
        for image in ["home-health-aid-backend:a1b2c3", "home-health-aid-backend:d4e5f6"] {
            struct Registered: Decodable {
                struct Definition: Decodable { let taskDefinitionArn: String }
                let taskDefinition: Definition
            }
            let registered: Registered = try await ecs.call(
                "RegisterTaskDefinition", region: nil,
                ["family": "home-health-aid-backend", "containerDefinitions": [["name": "backend", "image": image, "memory": 1024]]])
            revisions.append(ECSTaskDefinitionName.short(registered.taskDefinition.taskDefinitionArn))
        }
        let _: Ignored = try await ecs.call(
            "CreateService", region: nil,
            ["cluster": cluster, "serviceName": "backend-service", "taskDefinition": revisions[0], "desiredCount": 1])

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
        func running() async throws -> String {
            ECSTaskDefinitionName.short(
                try await ecs.describeService(cluster: cluster, service: "backend-service", region: nil).taskDefinition)
        }
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
}
