/// Applies migrations in order, each in its own transaction, recording name and checksum.
///
/// Two migrators never run at once: they take a session advisory lock first. An applied
/// migration whose text has since changed is refused, and so is a database that has
/// migrations this binary does not know.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    /// Advisory-lock key: the ASCII of "shiplog" as a number.
    static let lockKey: Int64 = 0x73_6869_706c_6f67

    public init(migrations: [Migration] = Migration.bundled) {
        self.migrations = migrations.sorted { $0.name < $1.name }
    }

    /// Applies what is pending and returns it (empty when the schema is current).
    @discardableResult
    public func migrate(on connection: PostgresConnection) async throws -> [Migration] {
        try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))")
        do {
            try await connection.execute(
                unsafeSQL: """
                    CREATE TABLE IF NOT EXISTS shiplog_migrations (
                        name       text PRIMARY KEY,
                        checksum   text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """)
            let pending = try await pendingAfterChecking(on: connection)
            for migration in pending {
                do {
                    try await connection.transaction { connection in
                        try await connection.execute(unsafeSQL: migration.sql)
                        try await connection.query(
                            "INSERT INTO shiplog_migrations (name, checksum) VALUES (\(migration.name), \(migration.checksum))")
                    }
                } catch let error as PostgresError {
                    throw MigrationError(
                        "migration \(migration.name) failed and was rolled back, nothing of it applied: \(error)")
                }
            }
            try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
            return pending
        } catch {
            if connection.isHealthy { _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))") }
            throw error
        }
    }

    /// The migrations not yet applied, after checking the applied ones are unchanged.
    public func pending(on connection: PostgresConnection) async throws -> [Migration] {
        let exists = try await connection.query("SELECT to_regclass('shiplog_migrations') IS NOT NULL")
        guard try exists[0].decode(Bool.self, at: 0) else { return migrations }
        return try await pendingAfterChecking(on: connection)
    }

    /// Fails with "run shiplog migrate" unless the schema is current.
    public func requireCurrent(on connection: PostgresConnection) async throws {
        let pending = try await pending(on: connection)
        guard pending.isEmpty else {
            throw MigrationError(
                "the database at \(connection.endpoint) has \(pending.count) pending migration(s) (\(pending.map(\.name).joined(separator: ", "))); run: shiplog migrate")
        }
    }

    private func pendingAfterChecking(on connection: PostgresConnection) async throws -> [Migration] {
        let applied = try await connection.query("SELECT name, checksum FROM shiplog_migrations ORDER BY name")
            .decode((String, String).self)
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

/// A migration problem, with what to do about it.
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
