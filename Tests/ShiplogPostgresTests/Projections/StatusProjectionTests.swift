import Foundation
import ShiplogTestSupport
import ShiplogCore
import ShiplogPostgres
import Testing

@Suite("Projection: environment status")
struct StatusProjectionTests {
    @Test("a succeeded deploy runs; the next one makes it the last known good")
    func runningAndLastKnownGood() async throws {
        try await ProjectionTestDatabase.withFresh { database in
            let story = ProjectionStory(store: EventStore(pool: database.pool))
            let projector = Projector(pool: database.pool)
            let queries = LedgerQueries(pool: database.pool)
            try await story.setUp()
            try await story.recordBuild("web", "1.2.2")
            try await story.recordBuild("web", "1.2.3")
            try await story.deploy("d-1", version: "1.2.2")
            let firstDeployedAt = story.now

            try await projector.catchUp()
            let first = try #require(try await queries.status(environment: "prod").first)
            #expect(first.environment == "prod" && first.service == "web")
            #expect(first.version == "1.2.2")
            #expect(first.artifact == ProjectionStory.artifact("web", "1.2.2").rawValue)
            #expect(first.deployID == "d-1")
            #expect(first.deployedBy == "ci")
            #expect(first.deployedAt == firstDeployedAt)
            #expect(first.approvers == ["alice", "bob"])
            #expect(first.lastKnownGood == nil)
            #expect(first.inFlight == nil)
            #expect(first.activeAlarms.isEmpty && first.locks.isEmpty)

            story.advance(3600)
            try await story.request("d-2", version: "1.2.3", by: story.carol)
            try await projector.catchUp()
            var row = try #require(try await queries.status(environment: "prod").first)
            #expect(row.version == "1.2.2")
            #expect(row.inFlight?.deployID == "d-2")
            #expect(row.inFlight?.status == .requested)
            #expect(row.inFlight?.purpose == "deploy")
            #expect(row.inFlight?.version == "1.2.3")
            #expect(row.inFlight?.openedBy == "carol")

            try await story.approve("d-2", by: story.alice)
            try await story.approve("d-2", by: story.erin)
            try await story.start("d-2", by: story.ci)
            try await projector.catchUp()
            row = try #require(try await queries.status(environment: "prod").first)
            #expect(row.inFlight?.status == .started)

            story.advance(300)
            try await story.succeed("d-2")
            try await projector.catchUp()
            row = try #require(try await queries.status(environment: "prod").first)
            #expect(row.version == "1.2.3")
            #expect(row.deployID == "d-2")
            #expect(row.approvers == ["alice", "erin"])
            #expect(row.inFlight == nil)
            #expect(row.lastKnownGood?.deployID == "d-1")
            #expect(row.lastKnownGood?.version == "1.2.2")
            #expect(row.lastKnownGood?.deployedAt == firstDeployedAt)
            #expect(try await queries.status(environment: "staging").isEmpty)
        }
    }

    @Test("an alarm shows while raised; its rollback brings the last known good back")
    func alarmAndRollback() async throws {
        try await ProjectionTestDatabase.withFresh { database in
            let story = ProjectionStory(store: EventStore(pool: database.pool))
            let projector = Projector(pool: database.pool)
            let queries = LedgerQueries(pool: database.pool)
            try await story.setUp()
            try await story.recordBuild("web", "1.0.0")
            try await story.recordBuild("web", "1.1.0")
            try await story.recordBuild("api", "3.0.0")
            try await story.deploy("d-1", version: "1.0.0")
            try await story.deploy("d-2", version: "1.1.0")
            try await story.deploy("d-3", "api", version: "3.0.0")

            try await story.raiseAlarm("prod-web-5xx", environment: "prod", service: "web")
            try await story.raiseAlarm("prod-latency", environment: "prod", service: nil)
            try await story.rollback("d-2", alarm: "prod-web-5xx")
            try await projector.catchUp()
            var rows = try await queries.status(environment: "prod")
            #expect(rows.map(\.service) == ["api", "web"])
            #expect(rows[0].activeAlarms == ["prod-latency"])
            #expect(rows[1].activeAlarms == ["prod-latency", "prod-web-5xx"])
            #expect(rows[1].inFlight?.purpose == "rollback")
            #expect(rows[1].inFlight?.status == .rollingBack)
            #expect(rows[1].inFlight?.version == "1.0.0")

            story.advance(90)
            try await story.finishRollback("d-2")
            try await story.resolveAlarm("prod-web-5xx")
            try await projector.catchUp()
            rows = try await queries.status(environment: "prod")
            #expect(rows[1].version == "1.0.0")
            #expect(rows[1].deployID == "d-1")
            #expect(rows[1].lastKnownGood == nil)
            #expect(rows[1].inFlight == nil)
            #expect(rows[1].activeAlarms == ["prod-latency"])
            #expect(try await queries.deploy(id: "d-2")?.outcome == .rolledBack)

            try await story.resolveAlarm("prod-latency")
            try await projector.catchUp()
            rows = try await queries.status(environment: "prod")
            #expect(rows.allSatisfy { $0.activeAlarms.isEmpty })
        }
    }

    @Test("an environment-wide lock applies to every service there; a service lock to one")
    func locksAppearAndDisappear() async throws {
        try await ProjectionTestDatabase.withFresh { database in
            let story = ProjectionStory(store: EventStore(pool: database.pool))
            let projector = Projector(pool: database.pool)
            let queries = LedgerQueries(pool: database.pool)
            try await story.setUp()
            for service in ["web", "api"] {
                try await story.recordBuild(service, "1.0.0")
                try await story.deploy("d-\(service)prod", service, version: "1.0.0")
                try await story.deploy("d-\(service)stg", service, to: "staging", version: "1.0.0")
            }

            try await story.lock("prod", reason: "incident 123", by: story.erin)
            let lockedAt = story.now
            try await projector.catchUp()
            var rows = try await queries.status()
            #expect(
                rows.map { "\($0.environment)/\($0.service)" } == [
                    "prod/api", "prod/web", "staging/api", "staging/web",
                ]
            )
            for row in rows where row.environment == "prod" {
                #expect(row.locks.count == 1)
                #expect(row.locks.first?.scope == .environment)
                #expect(row.locks.first?.lockedBy == "erin")
                #expect(row.locks.first?.reason == "incident 123")
                #expect(row.locks.first?.since == lockedAt)
            }
            #expect(rows.filter { $0.environment == "staging" }.allSatisfy { !$0.isLocked })

            story.advance(60)
            try await story.lock("prod", service: "web", reason: "schema change", by: story.alice)
            try await story.lock("staging", service: "search", reason: "not ready", by: story.alice)
            try await projector.catchUp()
            rows = try await queries.status()
            let prodWeb = try #require(rows.first { $0.environment == "prod" && $0.service == "web" })
            #expect(prodWeb.locks.map(\.scope) == [.environment, .service])
            #expect(prodWeb.locks.last?.lockedBy == "alice")
            #expect(prodWeb.locks.last?.reason == "schema change")
            let search = try #require(rows.first { $0.service == "search" })
            #expect(search.environment == "staging" && search.version == nil && search.locks.count == 1)

            try await story.unlock("prod", by: story.erin)
            try await projector.catchUp()
            rows = try await queries.status(environment: "prod")
            #expect(rows.first { $0.service == "api" }?.locks == [])
            #expect(rows.first { $0.service == "web" }?.locks.map(\.scope) == [.service])

            try await story.unlock("prod", service: "web", by: story.alice)
            try await projector.catchUp()
            #expect(try await queries.status(environment: "prod").allSatisfy { $0.locks.isEmpty })
        }
    }
}
