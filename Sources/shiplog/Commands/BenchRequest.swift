import ArgumentParser
import Foundation
import ShiplogCrypto
import ShiplogPostgres

/// `shiplog bench request`: `deploy request` as a whole process on a seeded ledger, beside
/// `status`, in one run.
struct BenchRequest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Time `deploy request` (whole process) beside `status` on a seeded ledger.",
        discussion: """
            Run `shiplog bench seed --events 1000000` first. Each round requests the newest build of \
            one service to prod as the seeded approver alice (whose key the seed derives from her \
            name), then cancels it untimed; `status` runs between requests. The first request on a \
            service reads env-prod-<service> whole and writes alice's signed snapshot of it (cold); \
            every later one reads only what follows (warm). The goal: warm within 10 ms of status. \
            The projector catches up (timed on its own) before each status, so status is timed on \
            caught-up projections.
            """)

    @Option(name: .customLong("database"), help: "The seeded scratch database.") var scratch = BenchDatabase.defaultName
    @Option(
        parsing: .unconditional, help: "Services to request (one cold request each, then warm rounds).",
        transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var services = 8
    @Option(
        parsing: .unconditional, help: "Warm rounds over those services.",
        transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var rounds = 3
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let pool = try await BenchDatabase.open(scratch, from: database, reset: false, maximumConnections: 2)
        let events = try await EventStore(pool: pool).head().position
        guard events > 0 else { throw ValidationError("\(scratch) is empty: run shiplog bench seed --events N first") }
        // Start from no snapshots, so the first request per service is really cold.
        try await pool.withConnection { try await $0.execute(unsafeSQL: "DELETE FROM snapshots") }
        let chosen = (1...services).map { "svc\($0 < 10 ? "0" : "")\($0)" }
        let (versions, lengths) = try await pool.withConnection { connection in
            var versions: [String: String] = [:], lengths: [String: Int64] = [:]
            for service in chosen {
                let rows = try await connection.query(
                    """
                    SELECT payload ->> 'version' FROM events
                     WHERE type = 'BuildRecorded' AND payload ->> 'service' = \(service) ORDER BY position DESC LIMIT 1
                    """)
                guard let row = rows.first else { throw ValidationError("\(service) has no recorded build in \(scratch)") }
                versions[service] = try row.decode(String.self, at: 0)
                lengths[service] = try await connection.query(
                    "SELECT count(*) FROM events WHERE stream = \("env-prod-\(service)")")[0].decode(Int64.self, at: 0)
            }
            return (versions, lengths)
        }
        let directory = FileManager.default.temporaryDirectory.appending(path: "shiplog-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keyPath = directory + "/alice.key"
        try KeyFile.write(LedgerSeeder.key("alice"), to: keyPath, overwrite: true)

        let executable = try BenchLedger.executablePath()
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = try await pool.configuration.connectionString
        environment["SHIPLOG_KEY"] = keyPath
        func run(_ arguments: [String]) throws -> (seconds: Double, output: String) {
            let clock = ContinuousClock()
            let start = clock.now
            let (status, output) = try ChildProcess.run([executable] + arguments, environment: environment)
            let seconds = (clock.now - start).seconds
            guard status == 0 else { throw ValidationError("shiplog \(arguments.joined(separator: " ")) failed: \(output)") }
            return (seconds, output)
        }
        func request(_ service: String) throws -> Double {
            let (seconds, output) = try run([
                "deploy", "request", "--service", service, "--env", "prod", "--version", versions[service]!, "--reason", "bench",
            ])
            let id = output.trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try run(["deploy", "cancel", id, "--reason", "bench"])
            return seconds
        }

        print("ledger: \(events) events in \(scratch); env-prod-<service> holds \(lengths.values.min() ?? 0)–\(lengths.values.max() ?? 0) events\n")
        // Each round: a timed request, its cancel, the projector catching up with both (timed
        // apart: the next query pays it), then a timed status on caught-up projections.
        var statuses: [Double] = [], cold: [Double] = [], warm: [Double] = [], catchUps: [Double] = []
        func round(_ service: String, into requests: inout [Double]) throws {
            requests.append(try request(service))
            catchUps.append(try run(["projections", "catch-up"]).seconds)
            statuses.append(try run(["status"]).seconds)
        }
        _ = try run(["projections", "catch-up"])
        for service in chosen { try round(service, into: &cold) }
        for _ in 0..<rounds {
            for service in chosen { try round(service, into: &warm) }
        }
        let status = median(statuses), warmMedian = median(warm), coldMedian = median(cold)
        var table = Table("measurement (whole process)", "runs", "median", "vs status", "target")
        table.add("status (projections caught up)", "\(statuses.count)", milliseconds(status), "-", "-")
        table.add(
            "deploy request, warm (own snapshot)", "\(warm.count)", milliseconds(warmMedian),
            String(format: "%+.1f ms", (warmMedian - status) * 1000), "within 10 ms of status")
        table.add(
            "deploy request, cold (reads env-prod-<service> whole)", "\(cold.count)", milliseconds(coldMedian),
            String(format: "%+.1f ms", (coldMedian - status) * 1000), "-")
        table.add(
            "projections catch-up after a request and its cancel", "\(catchUps.count)", milliseconds(median(catchUps)),
            String(format: "%+.1f ms", (median(catchUps) - status) * 1000), "-")
        print(table.rendered)
        let met = warmMedian - status <= 0.010
        print("\nwarm deploy request minus status: \(String(format: "%+.1f", (warmMedian - status) * 1000)) ms: the 10 ms goal is \(met ? "met" : "not met")")
    }

    private func milliseconds(_ value: Double) -> String { String(format: "%.1f ms", value * 1000) }
}
