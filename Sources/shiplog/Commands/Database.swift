import ArgumentParser
import ShiplogLedger
import ShiplogPostgres

/// `shiplog db`: the embedded PostgreSQL that serves when no DATABASE_URL is set.
struct Database: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the embedded PostgreSQL in $SHIPLOG_HOME.",
        subcommands: [Status.self, Start.self, Stop.self])
}

extension Database {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether the embedded database exists and runs.")
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let cluster = EmbeddedPostgres(home: EmbeddedPostgres.defaultHome())
            let status = cluster.status()
            if output.json {
                try JSONOutput.print(status)
                return
            }
            let state = status.running ? "running (pid \(status.pid ?? 0))" : status.initialized ? "stopped" : "not created yet"
            print(
                """
                embedded PostgreSQL: \(state)
                data:   \(status.dataDirectory)
                socket: \(status.socketDirectory)
                log:    \(status.logFile)
                """)
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create (first time) and start the embedded database, and apply migrations.")

        func run() async throws {
            let cluster = EmbeddedPostgres(home: EmbeddedPostgres.defaultHome())
            let pool = PostgresPool(configuration: try cluster.start(), maximumConnections: 1)
            try await pool.withConnection { try await Migrator().migrate(on: $0) }
            print("embedded PostgreSQL running; socket in \(cluster.socketDirectory.path)")
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the embedded database (its data stays).")

        func run() async throws {
            let cluster = EmbeddedPostgres(home: EmbeddedPostgres.defaultHome())
            let wasRunning = cluster.status().running
            try cluster.stop()
            print(wasRunning ? "embedded PostgreSQL stopped" : "embedded PostgreSQL was not running")
        }
    }
}
