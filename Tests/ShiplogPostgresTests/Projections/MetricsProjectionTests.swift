import Foundation
import ShiplogTestSupport
import ShiplogCore
import ShiplogPostgres
import Testing

@Suite("Projection: DORA metrics")
struct MetricsProjectionTests {
    /// Web on prod over one day (t in seconds after the start):
    ///
    /// - t=0 build 1.0.0; d-1 requested at 3600, succeeds at 3900: lead time 3900.
    /// - t=7500 build 1.1.0; d-2 succeeds at 9000: lead time 1500. An alarm at 9600 rolls it
    ///   back automatically; the rollback succeeds at 9720: restored in 120.
    /// - t=10800 build 1.2.0; d-3 fails at 11100; d-4 (same version) succeeds at 12300:
    ///   lead time 1500, restored in 1200.
    /// - d-5, web on staging, succeeds at 12500: lead time 1700. d-6 on prod is cancelled.
    ///
    /// Prod: 3 deploys (d-2 did succeed), lead time median 1500, 4 finished of which 2 failed
    /// (d-3) or were rolled back (d-2): 0.5; 2 incidents restored in 120 and 1200: mean and
    /// median 660.
    @Test("a known story gives exact numbers")
    func knownStory() async throws {
        try await ProjectionTestDatabase.withFresh { database in
            let story = ProjectionStory(store: EventStore(pool: database.pool))
            try await story.setUp()
            let start = story.now
            func at(_ seconds: TimeInterval) { story.now = start.addingTimeInterval(seconds) }
            func straight(
                _ id: String,
                to environment: String = "prod",
                version: String,
                requestedAt: TimeInterval,
                endsAt: TimeInterval,
                fails: Bool = false
            ) async throws {
                at(requestedAt)
                try await story.request(id, to: environment, version: version, by: story.carol)
                for approver in environment == "prod" ? [story.alice, story.bob] : [story.alice] {
                    try await story.approve(id, by: approver)
                }
                try await story.start(id, by: story.ci)
                at(endsAt)
                if fails { try await story.fail(id) } else { try await story.succeed(id) }
            }

            at(0)
            try await story.recordBuild("web", "1.0.0")
            try await straight("d-1", version: "1.0.0", requestedAt: 3600, endsAt: 3900)
            at(7500)
            try await story.recordBuild("web", "1.1.0")
            try await straight("d-2", version: "1.1.0", requestedAt: 8700, endsAt: 9000)
            at(9600)
            try await story.raiseAlarm("prod-web-5xx", environment: "prod", service: "web")
            try await story.rollback("d-2", alarm: "prod-web-5xx")
            at(9720)
            try await story.finishRollback("d-2")
            at(10800)
            try await story.recordBuild("web", "1.2.0")
            try await straight("d-3", version: "1.2.0", requestedAt: 10800, endsAt: 11100, fails: true)
            try await straight("d-4", version: "1.2.0", requestedAt: 12000, endsAt: 12300)
            try await straight("d-5", to: "staging", version: "1.2.0", requestedAt: 12400, endsAt: 12500)
            at(12600)
            try await story.request("d-6", version: "1.0.0", by: story.carol)
            try await story.cancel("d-6", by: story.carol)

            try await Projector(pool: database.pool).catchUp()
            let queries = LedgerQueries(pool: database.pool)
            let metrics = try await queries.metrics(since: start, until: start.addingTimeInterval(86_400))
            #expect(metrics.map(\.environment) == ["prod", "staging"])

            let prod = metrics[0]
            #expect(prod.days == 1)
            #expect(prod.deploys == 3)
            #expect(prod.deployFrequencyPerDay == 3)
            #expect(prod.leadTimeMedianSeconds == 1500)
            #expect(prod.leadTimeSamples == 3)
            #expect(prod.finishedDeploys == 4)
            #expect(prod.failedDeploys == 2)
            #expect(prod.changeFailureRate == 0.5)
            #expect(prod.incidents == 2)
            #expect(prod.restoredIncidents == 2)
            #expect(prod.timeToRestoreMeanSeconds == 660)
            #expect(prod.timeToRestoreMedianSeconds == 660)

            let staging = metrics[1]
            #expect(staging.deploys == 1 && staging.leadTimeMedianSeconds == 1700)
            #expect(staging.finishedDeploys == 1 && staging.changeFailureRate == 0)
            #expect(staging.incidents == 0 && staging.timeToRestoreMeanSeconds == nil)

            // A window that ends before d-4 restores the failure of d-3 leaves it open.
            let early = try await queries.metrics(
                environment: "prod",
                since: start,
                until: start.addingTimeInterval(12_000)
            )
            #expect(early.count == 1)
            #expect(early[0].deploys == 2)
            #expect(early[0].finishedDeploys == 3 && early[0].failedDeploys == 2)
            #expect(early[0].incidents == 2 && early[0].restoredIncidents == 1)
            #expect(early[0].timeToRestoreMeanSeconds == 120)

            // Nothing in the window: zero deploys, no rates.
            let later = try await queries.metrics(
                environment: "staging",
                since: start.addingTimeInterval(86_400),
                until: start.addingTimeInterval(2 * 86_400)
            )
            #expect(later.count == 1 && later[0].deploys == 0 && later[0].deployFrequencyPerDay == 0)
            #expect(later[0].leadTimeMedianSeconds == nil && later[0].changeFailureRate == nil)

            #expect(try await queries.metrics(environment: "nowhere", since: start).isEmpty)
        }
    }
}
