import Foundation
import ShiplogPostgres

/// A fresh database of its own for one test, in the throwaway PostgreSQL that
/// `scripts/with-test-postgres.sh` starts (`make test` runs it). Fails, never skips, without it.
struct TestDatabase: Sendable {
    let name: String
    /// libpq `key=value` string for this database, as DATABASE_URL takes it.
    let conninfo: String

    static func create(migrated: Bool = true) async throws -> TestDatabase {
        guard let server = ProcessInfo.processInfo.environment["SHIPLOG_TEST_POSTGRES"],
            !server.trimmingCharacters(in: .whitespaces).isEmpty
        else {
            throw TestDatabaseError(
                "SHIPLOG_TEST_POSTGRES is not set, so there is no PostgreSQL to test against; run the tests with `make test` or scripts/with-test-postgres.sh swift test"
            )
        }
        let admin: PostgresConnection
        do {
            admin = try await PostgresConnection.connect(PostgresConfiguration("\(server) dbname=postgres"))
        } catch {
            throw TestDatabaseError(
                "the test PostgreSQL in SHIPLOG_TEST_POSTGRES (\(server)) is unreachable: \(error); run the tests with `make test` or scripts/with-test-postgres.sh swift test"
            )
        }
        let name = "shiplog_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        try await admin.execute(unsafeSQL: "CREATE DATABASE \(name)")
        let database = TestDatabase(name: name, conninfo: "\(server) dbname=\(name)")
        if migrated { try await Migrator().migrate(on: database.connect()) }
        return database
    }

    func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(PostgresConfiguration(conninfo))
    }

    /// Runs SQL as the superuser with the append-only triggers off, as an attacker would.
    func tamper(_ sql: String) async throws {
        let connection = try await connect()
        try await connection.execute(unsafeSQL: "SET session_replication_role = replica; \(sql)")
    }
}

struct TestDatabaseError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
