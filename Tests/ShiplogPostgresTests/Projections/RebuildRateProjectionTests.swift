import Foundation
import ShiplogTestSupport
import ShiplogCore
import ShiplogPostgres
import Testing

@Suite("Projection: a seeded ledger")
struct RebuildRateProjectionTests {
    /// A realistic mix (50 services, 4 environments); SHIPLOG_PROJECTION_EVENTS sets its size
    /// (default 20,000) to measure the rebuild rate by hand. The rate is printed, not asserted.
    @Test("rebuild agrees with the seeded story and reports its rate")
    func seededLedger() async throws {
        let target = ProcessInfo.processInfo.environment["SHIPLOG_PROJECTION_EVENTS"].flatMap { Int($0) } ?? 20_000
        try await ProjectionTestDatabase.withFresh { database in
            let story = ProjectionStory(store: EventStore(pool: database.pool))
            let seeding = ContinuousClock.now
            try await story.seed(events: target)
            let seeded = ContinuousClock.now - seeding
            let head = try await EventStore(pool: database.pool).head().position
            #expect(head == Int64(story.eventCount))

            let projector = Projector(pool: database.pool)
            let clock = ContinuousClock()
            let started = clock.now
            let applied = try await projector.rebuild()
            let elapsed = clock.now - started
            #expect(applied == Int(head))
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(
                "projection rebuild: \(applied) events in \(String(format: "%.2f", seconds)) s = \(Int(Double(applied) / seconds)) events/s (seeded in \(seeded))"
            )

            // The tables agree with the log.
            let counts = try await database.pool.withConnection { connection in
                try await connection.query(
                    """
                    SELECT (SELECT count(*) FROM events WHERE type = 'DeployRequested'),
                           (SELECT count(*) FROM deploy_history),
                           (SELECT count(*) FROM events WHERE type = 'DeploySucceeded'),
                           (SELECT count(*) FROM deploy_history WHERE succeeded_at IS NOT NULL),
                           (SELECT count(*) FROM events WHERE type = 'RollbackSucceeded'),
                           (SELECT count(*) FROM deploy_history WHERE outcome = 'rolled_back'),
                           (SELECT count(*) FROM deploy_history WHERE outcome IN ('requested', 'started', 'rolling_back')),
                           (SELECT count(*) FROM active_alarms) + (SELECT count(*) FROM environment_locks)
                    """
                )[0].decode((Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64).self)
            }
            #expect(counts.0 == counts.1 && counts.0 > 0)
            #expect(counts.2 == counts.3)
            #expect(counts.4 == counts.5)
            #expect(counts.6 == 0 && counts.7 == 0)

            // Every service's running release matches the domain's own fold of its stream.
            let status = try await LedgerQueries(pool: database.pool).status()
            for row in status {
                let place = story.state(
                    ServiceEnvironment.self,
                    .serviceEnvironment(try Environment(row.environment), try ServiceName(row.service))
                )
                #expect(row.deployID == place.running?.deployID?.rawValue, "\(row.environment)/\(row.service)")
                #expect(row.version == place.running?.version.rawValue)
                #expect(row.lastKnownGood?.version == place.lastKnownGood?.version.rawValue)
                #expect(row.deployedAt == place.running?.deployedAt)
                #expect(row.deployedBy == place.running?.deployedBy?.name.rawValue)
                #expect(row.inFlight == nil)
            }

            // Catching up from zero in small batches gives the same tables.
            let rebuilt = try await ProjectionSnapshot.take(database.pool)
            try await database.pool.withConnection { try await $0.query("SELECT shiplog_projection_reset('ledger')") }
            #expect(try await Projector(pool: database.pool, batchSize: 997).catchUp() == Int(head))
            #expect(try await ProjectionSnapshot.take(database.pool) == rebuilt)
        }
    }
}
