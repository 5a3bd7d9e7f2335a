import Foundation
import ShiplogTestSupport
import ShiplogPostgres
import Testing

@Suite("Connection pool")
struct PostgresPoolTests {
    private func backendID(_ pool: PostgresPool) async throws -> Int32 {
        try await pool.withConnection { try await $0.query("SELECT pg_backend_pid()")[0].decode(Int32.self, at: 0) }
    }

    @Test("a connection killed by the server costs one caller; the next gets a fresh connection")
    func brokenConnectionIsReplaced() async throws {
        let database = try await TestDatabase.create(migrated: false)
        let pool = database.pool(maximumConnections: 1)
        let first = try await backendID(pool)
        let admin = try await database.connect()

        #expect(try await admin.query("SELECT pg_terminate_backend(\(first), 60000)")[0].decode(Bool.self, at: 0))
        let error = try await #require(throws: PostgresError.self) { try await backendID(pool) }
        #expect(error.isConnectionProblem)

        let second = try await backendID(pool)
        #expect(second != first)
    }

    @Test("no more than the maximum connections are open, and every caller is served")
    func boundedConnections() async throws {
        let database = try await TestDatabase.create(migrated: false)
        let pool = database.pool(maximumConnections: 3)

        let backends = try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<30 {
                group.addTask {
                    try await pool.withConnection { connection in
                        try await connection.query("SELECT pg_backend_pid() FROM pg_sleep(0.01)")[0].decode(
                            Int32.self,
                            at: 0
                        )
                    }
                }
            }
            return try await group.reduce(into: Set<Int32>()) { $0.insert($1) }
        }

        #expect(backends.count <= 3)
        #expect(!backends.isEmpty)
    }

    @Test("a pool whose server is unreachable fails every caller instead of hanging")
    func unreachableServer() async throws {
        let pool = PostgresPool(
            configuration: try PostgresConfiguration("host=/nonexistent-shiplog-dir user=x dbname=y"),
            maximumConnections: 1
        )
        for _ in 0..<3 {
            let error = try await #require(throws: PostgresError.self) {
                try await pool.withConnection { try await $0.query("SELECT 1") }
            }
            #expect(error.code == .connectionFailed)
        }
    }

    @Test("a caller waiting for a connection stops waiting when cancelled, and the pool still serves")
    func cancelledLease() async throws {
        let database = try await TestDatabase.create(migrated: false)
        let pool = database.pool(maximumConnections: 1)
        let holding = Signal()
        let release = Signal()
        let holder = Task {
            try await pool.withConnection { _ in
                await holding.raise()
                await release.wait()
            }
        }
        await holding.wait()
        let waiter = Task { try await pool.withConnection { _ in "served" } }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        await release.raise()
        try await holder.value
        #expect(try await backendID(pool) > 0)
    }

    @Test("in one transaction, events and the caller's other rows land together, or neither does")
    func appendInsideTheCallersTransaction() async throws {
        let database = try await TestDatabase.create()
        let pool = database.pool(maximumConnections: 2)
        try await database.connect().execute(unsafeSQL: "CREATE TABLE rides_with_events (message text NOT NULL)")
        let request = AppendRequest(stream: "release-d-1", expectedVersion: .noStream, events: [try testEvent()])

        await #expect(throws: PostgresError.self) {
            try await pool.withTransaction { connection in
                _ = try await EventStore.appendAtomically([request], on: connection)
                try await connection.execute(unsafeSQL: "INSERT INTO rides_with_events (message) VALUES (NULL)")
            }
        }
        #expect(try await database.store().head().position == 0, "the append rolled back with the failed insert")

        try await pool.withTransaction { connection in
            _ = try await EventStore.appendAtomically([request], on: connection)
            try await connection.execute(unsafeSQL: "INSERT INTO rides_with_events (message) VALUES ('deploy d-1 requested')")
        }
        #expect(try await database.store().head().position == 1)
        #expect(try await database.connect().query("SELECT count(*) FROM rides_with_events")[0].decode(Int.self, at: 0) == 1)
    }
}
