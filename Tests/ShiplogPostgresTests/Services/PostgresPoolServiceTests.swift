import Foundation
import ShiplogTestSupport
import Logging
import ServiceLifecycle
import Testing

@testable import ShiplogPostgres

@Suite("The pool as a service")
struct PostgresPoolServiceTests {
    @Test("it lends while the server runs; at graceful shutdown it stops lending and says why")
    func lendsUntilShutdown() async throws {
        let database = try await TestDatabase.create()
        let pool = database.pool()
        let group = ServiceGroup(services: [PostgresPoolService(pool: pool)], logger: Logger(label: "shiplog.test"))
        let running = Task { try await group.run() }

        #expect(try await pool.withConnection { try await $0.query("SELECT 1")[0].decode(Int.self, at: 0) } == 1)
        await group.triggerGracefulShutdown()
        try await running.value
        let error = try await #require(throws: PostgresError.self) {
            try await pool.withConnection { _ in () }
        }
        #expect(error.code == .connectionClosed)
        #expect(error.message.contains("the database pool is shut down"))
    }
}
