import Foundation
import ShiplogTestSupport
import ShiplogPostgres
import Testing

@Suite("Migrations")
struct MigratorTests {
    private func appliedMigrations(_ connection: PostgresConnection) async throws -> [String] {
        try await connection.query("SELECT name FROM shiplog_migrations ORDER BY name").decode(String.self)
    }

    private func exists(_ relation: String, on connection: PostgresConnection) async throws -> Bool {
        try await connection.query("SELECT to_regclass(\(relation)) IS NOT NULL")[0].decode(Bool.self, at: 0)
    }

    /// Whether another session could take the migrators' advisory lock now.
    private func migrationLockIsFree(_ database: TestDatabase) async throws -> Bool {
        let other = try await database.connect()
        let taken = try await other.query("SELECT pg_try_advisory_lock(\(Int64(0x73_6869_706c_6f67)))")[0].decode(
            Bool.self,
            at: 0
        )
        return taken
    }

    @Test("migrating twice applies the bundled migrations once; the second run is a no-op")
    func migrateTwice() async throws {
        let database = try await TestDatabase.create(migrated: false)
        let connection = try await database.connect()
        #expect(try await Migrator().pending(on: connection) == Migration.bundled)

        let first = try await Migrator().migrate(on: connection)
        let second = try await Migrator().migrate(on: connection)

        #expect(first.map(\.name) == (Migration.bundled + Migration.bundledProjections).map(\.name))
        #expect(first.map(\.name).contains("0001_event_store.sql"))
        #expect(second.isEmpty)
        #expect(try await Migrator().pending(on: connection).isEmpty)
        try await Migrator().requireCurrent(on: connection)
        #expect(try await appliedMigrations(connection) == Migration.bundled.map(\.name))
        #expect(try await exists("events", on: connection))
        #expect(try await connection.query("SELECT count(*) FROM shiplog_head")[0].decode(Int.self, at: 0) == 1)
        #expect(try await migrationLockIsFree(database))
    }

    @Test("two migrators at once on two connections both succeed, and the schema is applied once")
    func concurrentMigrators() async throws {
        let database = try await TestDatabase.create(migrated: false)
        let connections = [try await database.connect(), try await database.connect()]

        let applied = try await withThrowingTaskGroup(of: [String].self) { group in
            for connection in connections {
                group.addTask { try await Migrator().migrate(on: connection).map(\.name) }
            }
            return try await group.reduce(into: [[String]]()) { $0.append($1) }
        }

        #expect(applied.sorted { $0.count < $1.count } == [[], (Migration.bundled + Migration.bundledProjections).map(\.name)])
        #expect(try await appliedMigrations(connections[0]) == Migration.bundled.map(\.name))
        #expect(try await connections[0].query("SELECT count(*) FROM shiplog_head")[0].decode(Int.self, at: 0) == 1)
    }

    @Test("the database is refused when an applied migration's SQL was edited since")
    func editedMigrationIsRefused() async throws {
        let database = try await TestDatabase.create()
        let connection = try await database.connect()
        let original = try #require(Migration.bundled.first)
        let edited = Migrator(migrations: [Migration(name: original.name, sql: original.sql + "\n-- a harmless edit\n")]
        )

        let error = try await #require(throws: MigrationError.self) { try await edited.migrate(on: connection) }
        #expect(error.description.contains("was edited"))
        #expect(error.description.contains(original.name))
        let pendingError = try await #require(throws: MigrationError.self) { try await edited.pending(on: connection) }
        #expect(pendingError.description.contains("was edited"))
        #expect(try await migrationLockIsFree(database))
    }

    @Test("a database with a migration this binary does not know is refused")
    func unknownMigrationIsRefused() async throws {
        let database = try await TestDatabase.create()
        let connection = try await database.connect()
        let newer = Migrator(
            migrations: Migration.bundled + [
                Migration(name: "9999_from_the_future.sql", sql: "CREATE TABLE future (x int)")
            ]
        )
        try await newer.migrate(on: connection)

        let error = try await #require(throws: MigrationError.self) { try await Migrator().migrate(on: connection) }
        #expect(error.description.contains("9999_from_the_future.sql"))
        #expect(error.description.contains("does not know"))
    }

    @Test("a failing migration rolls back whole, is not recorded, and can be fixed and rerun")
    func failingMigrationRollsBack() async throws {
        let database = try await TestDatabase.create()
        let connection = try await database.connect()
        let broken = Migration(
            name: "0002_half_done.sql",
            sql: """
                CREATE TABLE half_done (x int);
                INSERT INTO half_done VALUES (1);
                ALTER TABLE events ADD COLUMN extra text;
                SELECT * FROM no_such_table;
                """
        )

        let error = try await #require(throws: MigrationError.self) {
            try await Migrator(migrations: Migration.bundled + [broken]).migrate(on: connection)
        }

        #expect(error.description.contains("0002_half_done.sql"))
        #expect(error.description.contains("rolled back"))
        #expect(error.description.contains("no_such_table"))
        #expect(try await !exists("half_done", on: connection))
        #expect(
            try await connection.query(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'extra'"
            )[0].decode(Int.self, at: 0) == 0
        )
        #expect(try await appliedMigrations(connection) == Migration.bundled.map(\.name))
        #expect(try await migrationLockIsFree(database))

        let fixed = Migration(name: "0002_half_done.sql", sql: "CREATE TABLE half_done (x int);")
        #expect(try await Migrator(migrations: Migration.bundled + [fixed]).migrate(on: connection) == [fixed])
        #expect(try await exists("half_done", on: connection))
    }

    @Test("requireCurrent names the pending migrations and says to run shiplog migrate")
    func requireCurrentOnFreshDatabase() async throws {
        let connection = try await TestDatabase.create(migrated: false).connect()
        let error = try await #require(throws: MigrationError.self) {
            try await Migrator().requireCurrent(on: connection)
        }
        #expect(error.description.contains("0001_event_store.sql"))
        #expect(error.description.contains("shiplog migrate"))
    }

    @Test("a changed projection file is applied again, not refused; until then the schema is not current")
    func changedProjectionCode() async throws {
        let database = try await TestDatabase.create()
        let connection = try await database.connect()
        let original = Migration.bundledProjections
        let edited = original.map { Migration(name: $0.name, sql: $0.sql + "\n-- an edit\n") }
        let migrator = Migrator(projections: edited)

        await #expect(throws: MigrationError.self) { try await migrator.requireCurrent(on: connection) }
        #expect(try await migrator.migrate(on: connection).map(\.name) == edited.map(\.name))
        try await migrator.requireCurrent(on: connection)
        #expect(try await Migrator().migrate(on: connection).map(\.name) == original.map(\.name))
        #expect(try await Migrator().migrate(on: connection).isEmpty)
    }
}
