import ArgumentParser
import ShiplogLedger
import ShiplogPostgres

/// `shiplog migrate`: applies pending schema migrations.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending schema migrations and changed projection code (safe to run twice, and twice at once).")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var applied: [String]
        var current: [String]
    }

    func run() async throws {
        let pool = PostgresPool(configuration: try database.configuration(), maximumConnections: 1)
        let applied = try await pool.withConnection { try await Migrator().migrate(on: $0) }
        // `current`: every migration and projection file this binary carries.
        let report = Report(
            applied: applied.map(\.name), current: (Migration.bundled + Migration.bundledProjections).map(\.name))
        if output.json {
            try JSONOutput.print(report)
        } else if applied.isEmpty {
            print("schema is current (\(report.current.count) migration\(report.current.count == 1 ? "" : "s"))")
        } else {
            for name in report.applied { print("applied \(name)") }
        }
    }
}
