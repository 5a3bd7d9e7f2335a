import Foundation
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
}
