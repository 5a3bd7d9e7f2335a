import Foundation
import Testing

@testable import ShiplogCore

@Suite struct MigrationLogTests {
    @Test func appliedMigrationsMustNotChange() throws {
        var story = try Story()
        let policy = story.ledger.state(PolicyRecord.self, .policy(story.prod))
        let name = try MigrationName("0003_add_orders_index.sql")
        let checksum = try MigrationChecksum("9f86d081884c7d65")
        let apply = MigrationLog.Command.recordApplied(
            environment: story.prod, name: name, checksum: checksum, service: story.web, by: story.ci.actor)
        try story.ledger.append(
            MigrationLog.decide(
                apply, state: story.ledger.state(MigrationLog.self, .migrations(story.prod)), policy: policy,
                now: story.now))
        let state = story.ledger.state(MigrationLog.self, .migrations(story.prod))
        #expect(try MigrationLog.decide(apply, state: state, policy: policy, now: story.now).isEmpty)

        let changed = ledgerError {
            _ = try MigrationLog.decide(
                .recordApplied(
                    environment: story.prod, name: name, checksum: try MigrationChecksum("deadbeefdeadbeef"),
                    service: nil, by: story.ci.actor),
                state: state, policy: policy, now: story.now)
        }
        #expect(
            changed?.message
                == "migration 0003_add_orders_index.sql was applied to prod with checksum 9f86d081884c7d65; this one has deadbeefdeadbeef: an applied migration must not change, write a new one"
        )
        let failedAfter = ledgerError {
            _ = try MigrationLog.decide(
                .recordFailed(
                    environment: story.prod, name: name, checksum: checksum, service: nil, error: "timeout",
                    by: story.ci.actor),
                state: state, policy: policy, now: story.now)
        }
        #expect(failedAfter?.code == .wrongState)
        let unknown = ledgerError {
            _ = try MigrationLog.decide(apply, state: state, policy: PolicyRecord.State(), now: story.now)
        }
        #expect(unknown?.code == .notFound)
    }
}
