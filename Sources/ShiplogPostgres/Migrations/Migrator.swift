/// Applies migrations in order, each in its own transaction, recording name and checksum.
///
/// Two migrators never run at once: they take a session advisory lock first. An applied
/// migration whose text has since changed is refused, and so is a database that has
/// migrations this binary does not know.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    /// Re-appliable projection code (`projections/*.sql`), applied after the migrations and
    /// again whenever its text changed.
    public let projections: [Migration]

    /// Advisory-lock key: the ASCII of "shiplog" as a number.
    static let lockKey: Int64 = 0x73_6869_706c_6f67

    public init(migrations: [Migration] = Migration.bundled, projections: [Migration] = Migration.bundledProjections) {
        self.migrations = migrations.sorted { $0.name < $1.name }
        self.projections = projections.sorted { $0.name < $1.name }
    }

    /// Applies what is pending and returns it (empty when the schema is current).
    @discardableResult
    public func migrate(on connection: PostgresConnection) async throws -> [Migration] {
        try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))")
        do {
            // Only when missing: a current schema then needs no privilege beyond reading it,
            // so a role that may not migrate learns that nothing is pending.
            if try await !Self.hasMigrationsTable(on: connection) {
                do {
                    try await connection.execute(
                        unsafeSQL: """
                            CREATE TABLE IF NOT EXISTS shiplog_migrations (
                                name       text PRIMARY KEY,
                                checksum   text NOT NULL,
                                applied_at timestamptz NOT NULL DEFAULT now()
                            )
                            """)
                } catch let error as PostgresError where error.sqlState == "42501" {
                    throw MigrationError("cannot create the migrations table: \(error); \(Self.ownerAdvice)")
                }
            }
            let pending = try await pendingAfterChecking(on: connection)
            for migration in pending {
                do {
                    try await connection.transaction { connection in
                        try await connection.execute(unsafeSQL: migration.sql)
                        try await connection.query(
                            "INSERT INTO shiplog_migrations (name, checksum) VALUES (\(migration.name), \(migration.checksum))")
                    }
                } catch let error as PostgresError {
                    let advice = error.sqlState == "42501" ? "; \(Self.ownerAdvice)" : ""
                    throw MigrationError(
                        "migration \(migration.name) failed and was rolled back, nothing of it applied: \(error)\(advice)")
                }
            }
            let changed = try await changedProjections(on: connection)
            for code in changed {
                do {
                    try await connection.transaction { connection in
                        try await connection.execute(unsafeSQL: code.sql)
                        try await connection.query(
                            """
                            INSERT INTO shiplog_projection_code (name, checksum) VALUES (\(code.name), \(code.checksum))
                            ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()
                            """)
                    }
                } catch let error as PostgresError {
                    let advice = error.sqlState == "42501" ? "; \(Self.ownerAdvice)" : ""
                    throw MigrationError(
                        "projection code \(code.name) failed and was rolled back, nothing of it applied: \(error)\(advice)")
                }
            }
            try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
            return pending + changed
        } catch {
            if connection.isHealthy { _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))") }
            throw error
        }
    }

    /// The migrations not yet applied, after checking the applied ones are unchanged.
    public func pending(on connection: PostgresConnection) async throws -> [Migration] {
        guard try await Self.hasMigrationsTable(on: connection) else { return migrations }
        return try await pendingAfterChecking(on: connection)
    }

    /// The projection files not applied yet in their current text. None before the migration
    /// that records them (0007) is applied: the migrations come first.
    public func changedProjections(on connection: PostgresConnection) async throws -> [Migration] {
        let exists = try await connection.query("SELECT to_regclass('shiplog_projection_code') IS NOT NULL")[0]
            .decode(Bool.self, at: 0)
        guard exists else { return [] }
        let applied = Dictionary(
            uniqueKeysWithValues: try await connection.query("SELECT name, checksum FROM shiplog_projection_code")
                .decode((String, String).self))
        return projections.filter { applied[$0.name] != $0.checksum }
    }

    /// Fails with "run shiplog migrate" unless the schema is current.
    public func requireCurrent(on connection: PostgresConnection) async throws {
        let pending = try await pending(on: connection) + changedProjections(on: connection)
        guard pending.isEmpty else {
            throw MigrationError(
                "the database at \(connection.endpoint) has \(pending.count) pending migration(s) or changed projection file(s) (\(pending.map(\.name).joined(separator: ", "))); run: shiplog migrate")
        }
    }

    private func pendingAfterChecking(on connection: PostgresConnection) async throws -> [Migration] {
        let applied: [(String, String)]
        do {
            applied = try await connection.query("SELECT name, checksum FROM shiplog_migrations ORDER BY name")
                .decode((String, String).self)
        } catch let error as PostgresError where error.sqlState == "42501" {
            // Before 0003_the_door.sql, shiplog_app could not read this table.
            throw MigrationError(
                "cannot tell whether the schema at \(connection.endpoint) is current: \(error); either this login role does not hold shiplog_app (GRANT shiplog_app TO it), or the schema predates 0003_the_door.sql, which lets shiplog_app read the migrations table (run shiplog migrate as the role that owns Shiplog's tables)")
        }
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.name, $0) })
        for (name, checksum) in applied {
            guard let migration = known[name] else {
                throw MigrationError(
                    "the database has migration \(name) applied, which this shiplog does not know; upgrade shiplog to the version that wrote it")
            }
            guard migration.checksum == checksum else {
                throw MigrationError(
                    "migration \(name) was edited after it was applied (checksum recorded \(checksum.prefix(12))…, file now \(migration.checksum.prefix(12))…); restore the original file and put the change in a new migration")
            }
        }
        let appliedNames = Set(applied.map(\.0))
        return migrations.filter { !appliedNames.contains($0.name) }
    }
}

extension Migrator {
    /// What to do when the migrating role lacks a privilege.
    static let ownerAdvice =
        "shiplog migrate must run as the role that owns Shiplog's tables (the one that applied the first migration); a login role that only holds shiplog_app may use the ledger but not change its schema"

    static func hasMigrationsTable(on connection: PostgresConnection) async throws -> Bool {
        try await connection.query("SELECT to_regclass('shiplog_migrations') IS NOT NULL")[0].decode(Bool.self, at: 0)
    }
}

/// A migration problem, with what to do about it.
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
