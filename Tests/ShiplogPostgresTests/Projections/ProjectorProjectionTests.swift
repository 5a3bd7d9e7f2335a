import Foundation
import ShiplogTestSupport
import ShiplogCore
import ShiplogPostgres
import Testing

@Suite("Projection: the projector")
struct ProjectorProjectionTests {
    @Test("the checkpoint follows the head; nothing new costs nothing and applies nothing")
    func checkpoint() async throws {
        try await ProjectionTestDatabase.withFresh { database in
            let store = EventStore(pool: database.pool)
            let story = ProjectionStory(store: store)
            let projector = Projector(pool: database.pool, batchSize: 7)
            #expect(try await projector.catchUp() == 0)
            #expect(try await projector.position() == ProjectionPosition(checkpoint: 0, head: 0))

            try await story.setUp()
            try await story.recordBuild("web", "1.0.0")
            let head = try await store.head().position
            #expect(try await projector.position().lag == head)
            #expect(try await projector.catchUp() == Int(head))
            #expect(try await projector.position() == ProjectionPosition(checkpoint: head, head: head))
            #expect(try await projector.catchUp() == 0)

            try await story.deploy("d-1", version: "1.0.0")
            let newHead = try await store.head().position
            #expect(try await projector.catchUp() == Int(newHead - head))
            #expect(try await projector.position().checkpoint == newHead)
            #expect(try await projector.catchUp() == 0)
        }
    }

    @Test("rebuilding from zero gives the tables that catching up step by step gave")
    func rebuildMatchesIncremental() async throws {
        try await ProjectionTestDatabase.withFresh { database in
            let story = ProjectionStory(store: EventStore(pool: database.pool))
            let projector = Projector(pool: database.pool, batchSize: 5)
            try await story.setUp()
            try await projector.catchUp()
            // Steps that split deploys, rollbacks, locks and alarms across batches and catch-ups.
            try await story.recordBuild("web", "1.0.0")
            try await story.recordBuild("web", "1.1.0")
            try await story.recordBuild("api", "2.0.0")
            try await story.deploy("d-1", version: "1.0.0")
            try await projector.catchUp()
            try await story.request("d-2", version: "1.1.0", by: story.carol)
            try await story.approve("d-2", by: story.alice)
            try await projector.catchUp()
            try await story.approve("d-2", by: story.bob)
            try await story.start("d-2", by: story.ci)
            try await story.lock("prod", reason: "freeze", by: story.erin)
            try await story.deploy("d-3", "api", to: "staging", version: "2.0.0")
            try await projector.catchUp()
            try await story.succeed("d-2")
            try await story.raiseAlarm("prod-web-5xx", environment: "prod", service: "web")
            try await story.rollback("d-2", alarm: "prod-web-5xx")
            try await projector.catchUp()
            try await story.finishRollback("d-2")
            try await story.unlock("prod", by: story.erin)
            try await story.lock("staging", service: "api", reason: "load test", by: story.alice)
            try await story.request("d-4", "api", to: "staging", version: "2.0.0", by: story.alice)
            try await story.reject("d-4", by: story.carol, reason: "locked anyway")
            try await projector.catchUp()
            let incremental = try await ProjectionSnapshot.take(database.pool)
            #expect(incremental["deploy_history"]?.contains("rolled_back") == true)

            let head = try await EventStore(pool: database.pool).head().position
            #expect(try await projector.rebuild() == Int(head))
            #expect(try await ProjectionSnapshot.take(database.pool) == incremental)
            // One event per batch folds nothing together: the same tables again.
            #expect(try await Projector(pool: database.pool, rebuildBatchSize: 1).rebuild() == Int(head))
            #expect(try await ProjectionSnapshot.take(database.pool) == incremental)
            #expect(try await projector.catchUp() == 0)
        }
    }

    @Test("two projectors catching up at once apply every event exactly once")
    func concurrentCatchUps() async throws {
        try await ProjectionTestDatabase.withFresh(maximumConnections: 6) { database in
            let story = ProjectionStory(store: EventStore(pool: database.pool))
            try await story.setUp()
            for index in 1...12 {
                try await story.recordBuild("web", "1.\(index).0")
                try await story.deploy("d-\(index)", version: "1.\(index).0")
            }
            let head = try await EventStore(pool: database.pool).head().position
            let first = Projector(pool: database.pool, batchSize: 3)
            let second = Projector(pool: database.pool, batchSize: 4)
            async let a = first.catchUp()
            async let b = second.catchUp()
            let applied = try await a + b
            #expect(applied == Int(head))
            let concurrent = try await ProjectionSnapshot.take(database.pool)
            let entry = try #require(try await LedgerQueries(pool: database.pool).deploy(id: "d-12"))
            #expect(entry.approvers == ["alice", "bob"] && entry.approvalCount == 2)

            try await first.rebuild()
            #expect(try await ProjectionSnapshot.take(database.pool) == concurrent)
        }
    }

    @Test("a rebuild and a catch-up at once end caught up and consistent")
    func rebuildDuringCatchUp() async throws {
        try await ProjectionTestDatabase.withFresh(maximumConnections: 6) { database in
            let store = EventStore(pool: database.pool)
            let story = ProjectionStory(store: store)
            try await story.setUp()
            try await story.recordBuild("web", "1.0.0")
            try await story.deploy("d-1", version: "1.0.0")
            let projector = Projector(pool: database.pool, batchSize: 2, rebuildBatchSize: 3)
            async let rebuilt = projector.rebuild()
            async let caughtUp = projector.catchUp()
            let total = try await rebuilt + caughtUp
            let head = try await store.head().position
            #expect(total >= Int(head))
            #expect(try await projector.position().checkpoint == head)
            let snapshot = try await ProjectionSnapshot.take(database.pool)
            try await projector.rebuild()
            #expect(try await ProjectionSnapshot.take(database.pool) == snapshot)
        }
    }

    @Test("without the projection tables, the error says to migrate")
    func missingTables() async throws {
        try await ProjectionTestDatabase.withFresh { database in
            try await database.pool.withConnection { connection in
                try await connection.execute(unsafeSQL: "DROP TABLE projection_checkpoints CASCADE")
            }
            await #expect {
                try await Projector(pool: database.pool).catchUp()
            } throws: { error in
                "\(error)".contains("shiplog migrate")
            }
        }
    }
}
