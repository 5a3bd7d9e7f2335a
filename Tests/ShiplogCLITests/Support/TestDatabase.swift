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

    /// A new login role holding shiplog_app and nothing else (`CREATE ROLE ... LOGIN; GRANT
    /// shiplog_app TO ...`, the README's whole set-up for a user), and the libpq string for
    /// this database as that role. Roles are cluster-wide and tests run in parallel: each call
    /// makes a role of its own, and shiplog_app is created if no migration has made it yet.
    func applicationLogin() async throws -> String {
        let role = "shiplog_deployer_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let admin = try await connect()
        try await admin.execute(
            unsafeSQL: """
                DO $$
                BEGIN
                    CREATE ROLE shiplog_app NOLOGIN;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                END
                $$;
                CREATE ROLE \(role) LOGIN;
                GRANT shiplog_app TO \(role);
                """)
        return "\(conninfo) user=\(role)"
    }

    /// Hands this database to a new login role that is no superuser and may create roles (the
    /// owner the README sets up), and returns the libpq string for this database as that role.
    func ownerLogin() async throws -> String {
        let role = "shiplog_owner_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try await connect().execute(unsafeSQL: "CREATE ROLE \(role) LOGIN CREATEROLE; ALTER DATABASE \(name) OWNER TO \(role)")
        return "\(conninfo) user=\(role)"
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
