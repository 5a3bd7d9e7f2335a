import ArgumentParser
import Foundation
import ShiplogPostgres

/// `shiplog bench seed`: a large, realistic, validly signed ledger to measure against.
struct BenchSeed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Fill a scratch ledger database with a realistic, validly signed history.",
        discussion: """
            Creates the database --database (default shiplog_bench) on the chosen server, migrates it \
            and seeds it through the real append path. Refuses a database that already holds events \
            unless --reset. Never touches the ledger you use.
            """)

    @Option(
        parsing: .unconditional, help: "Events to write (at least).",
        transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var events = 100_000
    @Option(name: .customLong("database"), help: "The scratch database to create and fill.") var scratch = BenchDatabase.defaultName
    @Flag(help: "Drop and recreate the scratch database first.") var reset = false
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let pool = try await BenchDatabase.open(scratch, from: database, reset: reset, maximumConnections: 2)
        let existing = try await EventStore(pool: pool).head().position
        guard existing == 0 else {
            throw ValidationError("database \(scratch) already holds \(existing) events; pass --reset to start over")
        }
        var seeder = LedgerSeeder(store: EventStore(pool: pool), events: events)
        let clock = ContinuousClock()
        let start = clock.now
        try await seeder.seed(target: events) { written in
            FileHandle.standardError.write(Data("  \(written) events…\n".utf8))
        }
        let seconds = (clock.now - start).seconds
        print("seeded \(seeder.written) events into \(scratch) in \(String(format: "%.1f", seconds)) s (\(String(format: "%.0f", Double(seeder.written) / seconds)) events/s)")
    }
}

/// The scratch databases benchmarks use, beside the chosen one on the same server.
enum BenchDatabase {
    static let defaultName = "shiplog_bench"

    /// Creates (or with `reset`, recreates) `name` and returns a migrated pool for it.
    static func open(_ name: String, from options: DatabaseOptions, reset: Bool, maximumConnections: Int) async throws -> PostgresPool {
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !name.isEmpty else {
            throw ValidationError("--database must be letters, digits and underscores")
        }
        let admin = try await options.open(maximumConnections: 1)
        try await admin.withConnection { connection in
            if reset { try await connection.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
            let exists = try await connection.query("SELECT 1 FROM pg_database WHERE datname = \(name)")
            if exists.isEmpty { try await connection.execute(unsafeSQL: "CREATE DATABASE \(name)") }
        }
        let pool = PostgresPool(
            configuration: try await admin.configuration.replacingDatabase(with: name), maximumConnections: maximumConnections)
        try await pool.withConnection { try await Migrator().migrate(on: $0) }
        return pool
    }
}
