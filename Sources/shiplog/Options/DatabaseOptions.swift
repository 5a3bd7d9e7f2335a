import ArgumentParser
import Foundation
import ShiplogPostgres

/// Where the ledger lives: `--database-url`, else `$DATABASE_URL`, else the embedded cluster.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: "PostgreSQL URL (default: $DATABASE_URL; without either, the embedded database in $SHIPLOG_HOME).")
    var databaseURL: String?

    /// The URL the user chose, or nil for the embedded default.
    var chosenURL: String? {
        if let databaseURL { return databaseURL }
        if let environment = ProcessInfo.processInfo.environment["DATABASE_URL"], !environment.isEmpty { return environment }
        return nil
    }

    /// Connects (starting the embedded cluster when it is the default) and checks the schema.
    /// The embedded database is ours, so it is migrated on the way; a server of the user's
    /// must be migrated with `shiplog migrate`.
    func open(maximumConnections: Int = 4, migrate: Bool = false) async throws -> PostgresPool {
        let embedded = chosenURL == nil
        if embedded, let server = ProcessInfo.processInfo.environment["SHIPLOG_URL"], !server.isEmpty {
            throw ValidationError(
                "SHIPLOG_URL is set, but this command works on the database itself, not through the server: pass --database-url (or set DATABASE_URL), or unset SHIPLOG_URL to use the embedded database")
        }
        let pool = PostgresPool(configuration: try configuration(), maximumConnections: maximumConnections)
        try await pool.withConnection { connection in
            let migrator = Migrator()
            if migrate {
                try await migrator.migrate(on: connection)
            } else if embedded {
                // One read when current; the lock and DDL only when something is pending.
                let pending = try await migrator.pending(on: connection)
                let changed = try await migrator.changedProjections(on: connection)
                if !pending.isEmpty || !changed.isEmpty { try await migrator.migrate(on: connection) }
            } else {
                try await migrator.requireCurrent(on: connection)
            }
        }
        return pool
    }
}

extension DatabaseOptions {
    /// The chosen server, or the embedded cluster (created and started if need be).
    func configuration() throws -> PostgresConfiguration {
        if let url = chosenURL { return try PostgresConfiguration(url) }
        return try EmbeddedPostgres(home: EmbeddedPostgres.defaultHome()).start()
    }
}

/// `--json`: print one JSON document instead of text for people.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON with stable field names instead of text.")
    var json = false
}
