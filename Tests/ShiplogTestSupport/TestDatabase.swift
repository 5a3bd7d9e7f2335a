import Foundation
import ShiplogPostgres

/// A fresh, empty database of its own for one test, in the throwaway PostgreSQL that
/// `scripts/with-test-postgres.sh` starts (`make test` runs it). Tests run in parallel, so none
/// shares a database with another.
public struct TestDatabase: Sendable {
    public let name: String
    /// libpq `key=value` string for this database; the user is the cluster's superuser.
    public let conninfo: String
    public let configuration: PostgresConfiguration

    /// Creates `shiplog_test_<random>` and, unless told otherwise, applies the bundled migrations.
    /// Fails (never skips) when the test server is not configured or not reachable.
    public static func create(migrated: Bool = true) async throws -> TestDatabase {
        let server = try serverConninfo()
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
        let conninfo = "\(server) dbname=\(name)"
        let database = TestDatabase(name: name, conninfo: conninfo, configuration: try PostgresConfiguration(conninfo))
        if migrated {
            let connection = try await database.connect()
            try await Migrator().migrate(on: connection)
        }
        return database
    }

    /// The `SHIPLOG_TEST_POSTGRES` prefix (host and user, no dbname).
    public static func serverConninfo() throws -> String {
        guard let server = ProcessInfo.processInfo.environment["SHIPLOG_TEST_POSTGRES"],
            !server.trimmingCharacters(in: .whitespaces).isEmpty
        else {
            throw TestDatabaseError(
                "SHIPLOG_TEST_POSTGRES is not set, so there is no PostgreSQL to test against; run the tests with `make test` or scripts/with-test-postgres.sh swift test"
            )
        }
        return server
    }

    public func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(configuration)
    }

    public func pool(maximumConnections: Int = 4) -> PostgresPool {
        PostgresPool(configuration: configuration, maximumConnections: maximumConnections)
    }

    public func store(maximumConnections: Int = 4, groupCommit: Bool = false) -> EventStore {
        EventStore(pool: pool(maximumConnections: maximumConnections), groupCommit: groupCommit)
    }

    /// A new login role holding shiplog_app and nothing else, which is the whole set-up the
    /// README asks for a user, and this database's settings for connecting as it. Roles are
    /// cluster-wide and the tests run in parallel, so each call makes a role of its own.
    public func applicationLogin(holdingApplicationRole: Bool = true) async throws -> PostgresConfiguration {
        let role = "shiplog_login_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let admin = try await connect()
        try await admin.execute(unsafeSQL: "CREATE ROLE \(role) LOGIN")
        if holdingApplicationRole { try await admin.execute(unsafeSQL: "GRANT shiplog_app TO \(role)") }
        return try PostgresConfiguration("\(conninfo) user=\(role)")
    }

    /// A superuser connection on which the append-only triggers do not fire: how an attacker
    /// with the database's superuser password would rewrite history.
    public func tamperingConnection() async throws -> PostgresConnection {
        let connection = try await connect()
        try await connection.execute(unsafeSQL: "SET session_replication_role = replica")
        return connection
    }
}

/// The test database could not be made; says how to run the tests.
public struct TestDatabaseError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
