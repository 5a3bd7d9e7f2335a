import ArgumentParser
import Foundation
import ShiplogCore
import ShiplogPostgres
import Synchronization

/// `shiplog bench`: measured performance, with the comparison each goal names run side by side.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (run them from a release build: swift build -c release).",
        subcommands: [AppendBench.self, CommandBench.self, BenchAPI.self, BenchSeed.self, BenchLedger.self, BenchReceipts.self, BenchRequest.self, BenchSlack.self, BenchRollback.self])
}

/// `shiplog bench append`: chained appends against the plain-INSERT ceiling, on one server.
struct AppendBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Compare Shiplog appends with plain INSERTs on the same PostgreSQL.",
        discussion: """
            Runs in a scratch database it creates and drops on the chosen server. Each round runs \
            every scenario once, interleaved; rates are the median over rounds, latencies pooled.
            """)

    @Option(
        parsing: .unconditional, help: "Single-event operations per scenario per round.",
        transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var events = 3000
    @Option(
        parsing: .unconditional, help: "Concurrent writers for the concurrent scenarios.",
        transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var writers = 16
    @Option(
        name: .customLong("batch-size"), parsing: .unconditional, help: "Events per batch in the batch scenario.",
        transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var batchSize = 1000
    @Option(
        parsing: .unconditional, help: "Batches per round in the batch scenario.",
        transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var batches = 10
    @Option(
        parsing: .unconditional, help: "Rounds; the median round is reported.",
        transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var rounds = 3
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard events >= writers else {
            throw ValidationError("--events (\(events)) must be at least --writers (\(writers)): each writer needs events")
        }
    }

    func run() async throws {
        let admin = try await database.open(maximumConnections: 1)
        let scratchName = "shiplog_bench_\(getpid())"
        let settings = try await admin.withConnection { connection in
            try await connection.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(scratchName)")
            try await connection.execute(unsafeSQL: "CREATE DATABASE \(scratchName)")
            return try await connection.query(
                "SELECT version(), current_setting('fsync'), current_setting('synchronous_commit')"
            )[0].decode((String, String, String).self)
        }
        let configuration = try await admin.configuration.replacingDatabase(with: scratchName)
        do {
            try await run(on: configuration, settings: settings)
        } catch {
            try? await admin.withConnection { try await $0.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(scratchName)") }
            throw error
        }
        try await admin.withConnection { try await $0.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(scratchName) WITH (FORCE)") }
    }

    private func run(on configuration: PostgresConfiguration, settings: (String, String, String)) async throws {
        let pool = PostgresPool(configuration: configuration, maximumConnections: writers)
        try await pool.withConnection { connection in
            try await Migrator().migrate(on: connection)
            try await Self.createCeilingTable(on: connection)
        }
        print("server: \(settings.0.split(separator: ",").first ?? "")  fsync=\(settings.1) synchronous_commit=\(settings.2)")
        print("\(rounds) rounds; \(events) single-event operations per scenario per round; \(batches)×\(batchSize)-event batches\n")

        let direct = EventStore(pool: pool)
        let grouped = EventStore(pool: pool, groupCommit: true)
        let groupedMany = EventStore(pool: pool, groupCommit: true)
        let many = writers * 4
        var results: [Measurement] = [
            Measurement(name: "plain INSERT, 1 connection"),
            Measurement(name: "plain INSERT, \(writers) connections"),
            Measurement(name: "shiplog append, 1 writer"),
            Measurement(name: "shiplog append, \(writers) writers, direct"),
            Measurement(name: "shiplog append, \(writers) writers, group commit"),
            Measurement(name: "shiplog batch append, \(batchSize)/batch"),
            Measurement(name: "shiplog append, \(many) writers, group commit"),
            Measurement(name: "shiplog append, \(writers) writers, group commit, no Merkle tree"),
        ]
        var groupSizes: [(groups: Int, units: Int)] = [(0, 0), (0, 0)]
        // Round 0 warms caches and connections and is not reported.
        for round in 0...rounds {
            let events = round == 0 ? min(self.events, writers * 10) : self.events
            let batches = round == 0 ? 1 : self.batches
            if round == 1 { results = results.map { Measurement(name: $0.name) } }
            // Every scenario draws from events made beforehand: what is timed is the store, not
            // the making of random payloads.
            var supply = try Workload.Supply(events)
            try await Measurement.measure(&results[0], operations: events, writers: 1) { [supply] in try await Self.plainInsert(pool, supply.next()) }
            supply = try Workload.Supply(events)
            try await Measurement.measure(&results[1], operations: events, writers: writers) { [supply] in try await Self.plainInsert(pool, supply.next()) }
            supply = try Workload.Supply(events)
            try await Measurement.measure(&results[2], operations: events, writers: 1) { [supply] in
                let (stream, event) = supply.next()
                try await direct.append([event], to: stream)
            }
            supply = try Workload.Supply(events)
            try await Measurement.measure(&results[3], operations: events, writers: writers) { [supply] in
                let (stream, event) = supply.next()
                try await direct.append([event], to: stream)
            }
            // Group commit with the Merkle tree kept (as always) and with its trigger off, one
            // after the other, in alternating order, so neither always follows the same scenario.
            // The tree catches up on the events appended without it afterwards, outside the timing.
            for withTree in round % 2 == 0 ? [true, false] : [false, true] {
                if withTree {
                    let before = (await grouped.batcher?.groups ?? 0, await grouped.batcher?.units ?? 0)
                    supply = try Workload.Supply(events)
                    try await Measurement.measure(&results[4], operations: events, writers: writers) { [supply] in
                        let (stream, event) = supply.next()
                        try await grouped.append([event], to: stream)
                    }
                    if round > 0 {
                        groupSizes[0].groups += (await grouped.batcher?.groups ?? 0) - before.0
                        groupSizes[0].units += (await grouped.batcher?.units ?? 0) - before.1
                    }
                } else {
                    try await pool.withConnection {
                        try await $0.execute(unsafeSQL: "ALTER TABLE events DISABLE TRIGGER events_grow_merkle_tree")
                    }
                    supply = try Workload.Supply(events)
                    try await Measurement.measure(&results[7], operations: events, writers: writers) { [supply] in
                        let (stream, event) = supply.next()
                        try await grouped.append([event], to: stream)
                    }
                    try await pool.withConnection {
                        try await $0.execute(
                            unsafeSQL: "ALTER TABLE events ENABLE TRIGGER events_grow_merkle_tree; SELECT shiplog_merkle_extend()")
                    }
                }
            }
            supply = try Workload.Supply(batches * batchSize)
            try await Measurement.measure(&results[5], operations: batches, writers: 1, eventsPerOperation: batchSize) { [supply] in
                let (stream, first) = supply.next()
                try await direct.append([first] + (1..<batchSize).map { _ in supply.next().event }, to: stream)
            }
            let manyBefore = (await groupedMany.batcher?.groups ?? 0, await groupedMany.batcher?.units ?? 0)
            supply = try Workload.Supply(events)
            try await Measurement.measure(&results[6], operations: events, writers: many) { [supply] in
                let (stream, event) = supply.next()
                try await groupedMany.append([event], to: stream)
            }
            if round > 0 {
                groupSizes[1].groups += (await groupedMany.batcher?.groups ?? 0) - manyBefore.0
                groupSizes[1].units += (await groupedMany.batcher?.units ?? 0) - manyBefore.1
            }
            if round > 0 { FileHandle.standardError.write(Data("round \(round) of \(rounds) done\n".utf8)) }
        }
        let verification = try await ChainVerifier(pool: pool).verify()
        guard verification.ok else { throw ValidationError("the benchmark's ledger does not verify: \(verification.reason ?? "")") }
        await pool.close()
        report(results)
        print(
            String(
                format: "Merkle tree kept on every append: %.2f× the throughput without it (group commit, %d writers)",
                results[4].medianEventsPerSecond / results[7].medianEventsPerSecond, writers))
        for (index, (count, store)) in [(writers, grouped), (many, groupedMany)].enumerated() where groupSizes[index].groups > 0 {
            print(
                String(
                    format: "group commit, %d writers: mean group %.1f appends (%d groups, at most %d in flight at once)", count,
                    Double(groupSizes[index].units) / Double(groupSizes[index].groups), groupSizes[index].groups,
                    await store.batcher?.mostInFlight ?? 0))
        }
    }

    /// The ceiling's table: the events' columns, a primary key, nothing of the log's.
    static func createCeilingTable(on connection: PostgresConnection) async throws {
        try await connection.execute(
            unsafeSQL: """
                CREATE TABLE plain_events (
                    id uuid PRIMARY KEY, stream text NOT NULL, type text NOT NULL, payload json NOT NULL,
                    metadata json NOT NULL, recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(), actor text NOT NULL)
                """)
    }

    static func plainInsert(_ pool: PostgresPool, _ item: (stream: String, event: NewEvent)) async throws {
        let event = item.event
        try await pool.withConnection { connection in
            try await connection.query(
                """
                INSERT INTO plain_events (id, stream, type, payload, metadata, actor)
                VALUES (\(event.id), \(item.stream), \(event.type), \(event.payload)::json, \(event.metadata)::json, \(event.actor))
                """)
        }
    }

    private func report(_ results: [Measurement]) {
        let ceiling = results[1].medianEventsPerSecond
        let single = results[0].medianEventsPerSecond
        var table = Table("scenario", "events", "events/s", "vs ceiling", "vs 1-conn INSERT", "p50 ms", "p99 ms")
        for result in results {
            table.add(
                result.name, String(result.totalEvents), String(format: "%.0f", result.medianEventsPerSecond),
                String(format: "%.2f×", result.medianEventsPerSecond / ceiling),
                String(format: "%.2f×", result.medianEventsPerSecond / single),
                String(format: "%.2f", result.percentile(0.5) * 1000), String(format: "%.2f", result.percentile(0.99) * 1000))
        }
        print(table.rendered)
        print("\nceiling = plain single-row INSERTs with \(writers) connections; latency is per operation (a batch is one operation)")
    }
}

/// Realistic events: deploy-shaped payloads over a few hundred streams. They are not the
/// ledger's own (unsigned, on streams of their own), so the event store is measured alone.
enum Workload {
    static let services = ["web", "api", "auth", "admin", "worker", "billing", "search", "notifications"]
    static let environments = ["dev", "staging", "prod", "prod_eu"]

    static func stream() -> String {
        "release-d-\(Int.random(in: 1...500))"
    }

    /// Events (and their streams) made before a scenario runs, handed out once each.
    final class Supply: Sendable {
        private let items: [(stream: String, event: NewEvent)]
        private let taken = Mutex(0)

        init(_ count: Int) throws {
            items = try (0..<count).map { _ in (Workload.stream(), try Workload.event()) }
        }

        /// The next item; past the end (never, when sized to the scenario), a fresh one.
        func next() -> (stream: String, event: NewEvent) {
            let index = taken.withLock { taken in
                defer { taken += 1 }
                return taken
            }
            if index < items.count { return items[index] }
            return (Workload.stream(), (try? Workload.event())!)
        }
    }

    static func event() throws -> NewEvent {
        let service = services.randomElement()!, environment = environments.randomElement()!
        let digest = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        return try NewEvent(
            type: "ReleaseRequested",
            payload: """
                {"artifact":"sha256:\(digest)","environment":"\(environment)","reason":"release train","requestedBy":"carol","service":"\(service)","version":"1.\(Int.random(in: 0...99)).\(Int.random(in: 0...99))"}
                """,
            metadata: #"{"source":"bench"}"#, actor: "bench")
    }
}
