import Foundation
import ShiplogAWS
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import ShiplogPostgres
import Testing

/// The watcher's decisions and the rollback itself, against PostgreSQL and moto (the HTTP
/// door in front of them is tested in the server's tests).
@Suite("AWS: alarms and rollbacks against moto_server")
struct RollbackTests {
    static func rollbacks(_ story: DeployRunTests.Story) async throws -> (Rollbacks, [LedgerEvent.TargetSet]) {
        let server = SigningKey.generate()
        _ = try await story.ledger.enrollApprover(
            name: "shiplog-server", publicKey: server.publicKey.base64, slackUser: nil, environments: [], kind: .slackBot,
            key: story.admin)
        var rollbacks = Rollbacks(ledger: story.ledger, ecs: story.moto.client, key: server)
        rollbacks.pollInterval = .milliseconds(100)
        try await Projector(pool: story.database.pool()).catchUp()
        return (rollbacks, try await LedgerQueries(pool: story.database.pool()).targets())
    }

    static func count(_ story: DeployRunTests.Story, _ type: String) async throws -> Int64 {
        try await story.database.connect().query("SELECT count(*) FROM events WHERE type = \(type)")[0].decode(Int64.self, at: 0)
    }

    @Test("an alarm after a deploy rolls it back: the earlier task definition runs, the ledger tells it, the service is locked")
    func alarmRollsBack() async throws {
        let story = try await DeployRunTests.Story.make(alarms: ["prod-web-5xx"], autoRollback: true)
        let id = try await story.deployed()
        let (rollbacks, targets) = try await Self.rollbacks(story)
        let alarm = CloudWatchAlarm(name: "prod-web-5xx", state: "ALARM", reason: "Threshold Crossed", changedAt: Date())
        let effect = try await rollbacks.record(alarm, targets: targets, receivedAt: Date())
        #expect(effect.recorded && effect.rollbacks.map(\.rawValue) == [id])
        let outcome = try await rollbacks.carryOut(try #require(effect.rollbacks.first))
        #expect(outcome.succeeded, "\(outcome)")
        #expect(try await story.running() == story.moto.revision(1))
        let context = try await story.ledger.deploy(id).context
        #expect(context.deploy.status == .rolledBack)
        #expect(context.serviceEnvironment.lock?.reason.contains("alarm prod-web-5xx") == true)
        for type in ["AlarmRaised", "RollbackStarted", "RollbackSucceeded", "EnvironmentLocked"] {
            #expect(try await Self.count(story, type) == 1, "\(type)")
        }
        #expect(try await ChainVerifier(pool: story.database.pool()).verify().ok)
        // Time to restore feeds the DORA metrics.
        try await Projector(pool: story.database.pool()).catchUp()
        let metrics = try #require(
            try await LedgerQueries(pool: story.database.pool()).metrics(environment: "prod", since: Date().addingTimeInterval(-3600)).first)
        #expect(metrics.incidents == 1 && metrics.restoredIncidents == 1, "\(metrics)")
        #expect(metrics.timeToRestoreMedianSeconds != nil)
    }

    @Test("five copies of the alarm and five different alarms at once: exactly one rollback")
    func exactlyOnce() async throws {
        let names = (1...5).map { "prod-web-alarm-\($0)" }
        let story = try await DeployRunTests.Story.make(alarms: names, autoRollback: true)
        let id = try await story.deployed()
        let (rollbacks, targets) = try await Self.rollbacks(story)
        let alarms = Array(repeating: names[0], count: 5) + names
        let started = try await withThrowingTaskGroup(of: [DeployID].self) { group in
            for name in alarms {
                group.addTask {
                    try await rollbacks.record(
                        CloudWatchAlarm(name: name, state: "ALARM", changedAt: Date()), targets: targets, receivedAt: Date()
                    ).rollbacks
                }
            }
            return try await group.reduce([], +)
        }
        #expect(started.map(\.rawValue) == [id])
        #expect(try await Self.count(story, "RollbackStarted") == 1)
        #expect(try await Self.count(story, "AlarmRaised") == 5, "one per alarm, however many copies")
        try await rollbacks.carryOut(try #require(started.first))
        #expect(try await story.running() == story.moto.revision(1))
    }

    @Test("an alarm outside the watch window, or one no target knows: recorded, and nothing else")
    func recordedOnly() async throws {
        let story = try await DeployRunTests.Story.make(alarms: ["prod-web-5xx"], autoRollback: true, watch: 600)
        _ = try await story.deployed()
        let (rollbacks, targets) = try await Self.rollbacks(story)
        let late = try await rollbacks.record(
            CloudWatchAlarm(name: "prod-web-5xx", state: "ALARM", changedAt: Date().addingTimeInterval(3600)), targets: targets,
            receivedAt: Date())
        #expect(late.recorded && late.rollbacks.isEmpty)
        let unknown = try await rollbacks.record(
            CloudWatchAlarm(name: "someone-elses-alarm", state: "ALARM", changedAt: Date()), targets: targets, receivedAt: Date())
        #expect(unknown.recorded && unknown.rollbacks.isEmpty)
        #expect(try await Self.count(story, "AlarmRaised") == 2)
        #expect(try await Self.count(story, "RollbackStarted") == 0)
        #expect(try await story.running() == story.moto.revision(2))
        let ok = try await rollbacks.record(CloudWatchAlarm(name: "prod-web-5xx", state: "OK"), targets: targets, receivedAt: Date())
        #expect(ok.recorded)
        #expect(try await Self.count(story, "AlarmResolved") == 1)
    }

    @Test("a person rolls back: the earlier task definition runs and the service is locked in their name")
    func manual() async throws {
        let story = try await DeployRunTests.Story.make()
        let id = try await story.deployed()
        let (rollbacks, _) = try await Self.rollbacks(story)
        let outcome = try await rollbacks.rollBack(
            environment: try Environment("prod"), service: try ServiceName("web"), reason: "error rate up", key: story.alice)
        #expect(outcome.succeeded && outcome.deployID.rawValue == id, "\(outcome)")
        #expect(try await story.running() == story.moto.revision(1))
        let context = try await story.ledger.deploy(id).context
        #expect(context.serviceEnvironment.lock?.lockedBy.name.rawValue == "alice")
    }

    @Test("ECS throttling and 500s during a rollback are retried; AWS unreachable ends in RollbackFailed, and the lock")
    func faults() async throws {
        for (faults, failing, succeeds) in [(["ThrottlingException", "500", "ThrottlingException"], nil, true), ([], "UpdateService", false)] {
            let story = try await DeployRunTests.Story.make(alarms: ["prod-web-5xx"], autoRollback: true)
            let id = try await story.deployed()
            let (watching, targets) = try await Self.rollbacks(story)
            let proxy = FaultyECS(upstream: story.moto.endpoint, faults: faults, failing: failing)
            try await proxy.application().test(.live) { client in
                var rollbacks = Rollbacks(
                    ledger: story.ledger, ecs: MotoECS.client(endpoint: "http://127.0.0.1:\(try #require(client.port))"),
                    key: watching.key)
                rollbacks.pollInterval = .milliseconds(100)
                let effect = try await rollbacks.record(
                    CloudWatchAlarm(name: "prod-web-5xx", state: "ALARM", changedAt: Date()), targets: targets, receivedAt: Date())
                let outcome = try await rollbacks.carryOut(try #require(effect.rollbacks.first))
                #expect(outcome.succeeded == succeeds, "\(outcome)")
            }
            let context = try await story.ledger.deploy(id).context
            #expect(context.deploy.status == (succeeds ? .rolledBack : .rollbackFailed))
            #expect(context.serviceEnvironment.lock?.reason.contains(succeeds ? "rolled back" : "FAILED to roll back") == true)
            #expect(try await story.running() == story.moto.revision(succeeds ? 1 : 2))
        }
    }
}

