import ArgumentParser
import Foundation
import ShiplogCrypto
import ShiplogLedger
import ShiplogPostgres

/// `shiplog bench receipts`: checkpoint latency, and `receipt` / `receipt verify` as whole
/// processes, on a seeded ledger.
struct BenchReceipts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipts",
        abstract: "Time checkpoints, receipt and receipt verify (whole process) on a seeded ledger.",
        discussion: """
            Run `shiplog bench seed --events 1000000` first. A checkpoint is made in process (the \
            tree's root and the consistency proof from the last checkpoint read from the database, \
            signed, recorded, published to a directory); receipt and receipt verify are timed as \
            whole processes, beside a process that only connects (`events read --limit 1`).
            """)

    @Option(name: .customLong("database"), help: "The seeded scratch database.") var scratch = BenchDatabase.defaultName
    @Option(
        parsing: .unconditional, help: "Runs per measurement; the median is reported.",
        transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var runs = 15
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let pool = try await BenchDatabase.open(scratch, from: database, reset: false, maximumConnections: 2)
        let events = try await EventStore(pool: pool).head().position
        guard events > 0 else { throw ValidationError("\(scratch) is empty: run shiplog bench seed --events N first") }
        print("ledger: \(events) events in \(scratch)\n")
        let folder = FileManager.default.temporaryDirectory.appending(path: "shiplog-bench-receipts-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        // One key for every run, so the checkpoints earlier runs recorded are its own.
        let key = try SigningKey(seed: SHA256.hash(Array("shiplog bench checkpoint key".utf8)))
        let signer = try NoteSigner(name: "bench.shiplog/ledger", key: key)
        let checkpointer = Checkpointer(pool: pool, signer: signer, publishers: [DirectoryPublisher(directory: folder.appending(path: "published").path)])
        // Enrolled by the seeded ledger's admin (`bench seed` derives its keys the same way).
        let ledger = LedgerService(store: LedgerStore(events: EventStore(pool: pool)))
        if try await ledger.trustRoot().checkpointKey?.publicKey.bytes != key.publicKey.bytes {
            let admin = try SigningKey(seed: SHA256.hash(Array("shiplog bench seed admin".utf8)))
            try await ledger.setCheckpointKey(origin: signer.verifierKey.name, publicKey: key.publicKey.base64, key: admin)
        }
        var table = Table("measurement", "median", "p90", "target", "vs target")
        var samples: [Double] = []
        for run in 0...runs {
            let elapsed = try await secondsTaken { _ = try await checkpointer.checkpoint(evenIfUnchanged: true) }
            if run > 0 { samples.append(elapsed) }
        }
        table.add("checkpoint (root, consistency check, sign, record, publish)", ms(median(samples)), ms(p90(samples)), "50 ms", ratio(0.05, median(samples)))

        let id = try await pool.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT payload ->> 'deployID' FROM events
                 WHERE type = 'DeploySucceeded' AND payload ->> 'environment' = 'prod' ORDER BY position DESC LIMIT 1
                """)
            guard !rows.isEmpty else { throw ValidationError("the seeded ledger has no prod deploy that succeeded") }
            return try rows[0].decode(String.self, at: 0)
        }
        let executable = try BenchLedger.executablePath()
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = try await pool.configuration.connectionString
        let receipt = folder.appending(path: "receipt.json").path
        let commands: [(String, [String], String)] = [
            ("process baseline (events read --limit 1)", ["events", "read", "--limit", "1"], "-"),
            ("receipt \(id) --out FILE", ["receipt", id, "--out", receipt], "100 ms"),
            ("receipt verify FILE --ledger-key KEY", ["receipt", "verify", receipt, "--ledger-key", signer.verifierKey.description], "100 ms"),
        ]
        for (name, arguments, target) in commands {
            var samples: [Double] = []
            for run in 0...runs {
                let elapsed = try await secondsTaken {
                    let (status, output) = try ChildProcess.run([executable] + arguments, environment: environment)
                    guard status == 0 else { throw ValidationError("\(arguments.joined(separator: " ")) failed: \(output)") }
                }
                if run > 0 { samples.append(elapsed) }
            }
            table.add(name, ms(median(samples)), ms(p90(samples)), target, target == "-" ? "-" : ratio(0.1, median(samples)))
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: receipt))
        let entries = try Receipt.decode(data).entries.count
        print(table.rendered)
        print("\nthe receipt holds \(entries) events (\(data.count / 1024) KiB); vs target: above 1.00× meets it (target/measured)")
    }

    private func ms(_ value: Double) -> String { String(format: "%.1f ms", value * 1000) }
    private func ratio(_ target: Double, _ measured: Double) -> String { String(format: "%.2f×", target / measured) }
    private func p90(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.9))]
    }
}
