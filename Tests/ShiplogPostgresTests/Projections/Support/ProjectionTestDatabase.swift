import Foundation
import ShiplogTestSupport
import ShiplogPostgres

/// A fresh, migrated database on the test server (`scripts/with-test-postgres.sh` exports
/// SHIPLOG_TEST_POSTGRES), dropped afterwards. Missing configuration fails the test.
struct ProjectionTestDatabase {
    let pool: PostgresPool
    let configuration: PostgresConfiguration

    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "SHIPLOG_TEST_POSTGRES is not set: run the tests through scripts/with-test-postgres.sh"
        }
    }

    static func withFresh<T: Sendable>(
        maximumConnections: Int = 4,
        _ body: (ProjectionTestDatabase) async throws -> T
    ) async throws -> T {
        guard let base = ProcessInfo.processInfo.environment["SHIPLOG_TEST_POSTGRES"], !base.isEmpty else {
            throw Missing()
        }
        let name = "projection_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let admin = try await PostgresConnection.connect(try PostgresConfiguration(base + " dbname=postgres"))
        try await admin.execute(unsafeSQL: "CREATE DATABASE \(name)")
        let configuration = try PostgresConfiguration(base + " dbname=\(name)")
        let pool = PostgresPool(configuration: configuration, maximumConnections: maximumConnections)
        let result: Result<T, any Error>
        do {
            try await pool.withConnection { try await Migrator().migrate(on: $0) }
            result = .success(try await body(ProjectionTestDatabase(pool: pool, configuration: configuration)))
        } catch {
            result = .failure(error)
        }
        await pool.close()
        // For measuring by hand: keep the database (e.g. a seeded ledger) and say where it is.
        if ProcessInfo.processInfo.environment["SHIPLOG_PROJECTION_KEEP_DATABASE"] != nil {
            print("kept test database \(name)")
        } else {
            try? await admin.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
        return try result.get()
    }
}
