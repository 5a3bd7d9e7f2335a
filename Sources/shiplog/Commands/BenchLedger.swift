import ArgumentParser
import Foundation
import ShiplogPostgres

/// `shiplog bench ledger`: the read side and verification on a seeded ledger.
struct BenchLedger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Measure history/status (whole process), projections rebuild and verify on a seeded ledger.",
        discussion: """
            Run `shiplog bench seed --events 1000000` first. history and status are timed as whole \
            processes (start, connect, catch up, query, print), beside a process that only connects \
            and checks the schema (`events read --limit 1`), so the start-up share is visible.
            """)

    @Option(name: .customLong("database"), help: "The seeded scratch database.") var scratch = BenchDatabase.defaultName
    @Option(
        parsing: .unconditional, help: "Whole-process runs per query; the median is reported.",
        transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var runs = 15
    @Option(
        parsing: .unconditional, help: "Rebuild and verify repetitions; the median is reported.",
        transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var repeats = 3
    @Flag(name: .customLong("skip-all-signatures"), help: "Skip the slow --all-signatures verify.") var skipAllSignatures = false
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let pool = try await BenchDatabase.open(scratch, from: database, reset: false, maximumConnections: 2)
        let events = try await EventStore(pool: pool).head().position
        guard events > 0 else { throw ValidationError("\(scratch) is empty: run shiplog bench seed --events N first") }
        print("ledger: \(events) events in \(scratch)\n")
        var table = Table("measurement", "median", "rate", "target", "vs target")

        var rebuilds: [Double] = []
        for _ in 0..<repeats {
            rebuilds.append(try await time { _ = try await Projector(pool: pool).rebuild() })
        }
        let rebuild = median(rebuilds)
        table.add("projections rebuild", seconds(rebuild), rate(events, rebuild), "100000 events/s", ratio(Double(events) / rebuild, 100_000))

        var verifies: [Double] = []
        for _ in 0..<repeats {
            verifies.append(try await time {
                let result = try await ChainVerifier(pool: pool).verify(signatures: .approvalsAndTrust)
                guard result.ok else { throw ValidationError("the seeded ledger does not verify: \(result.reason ?? "")") }
            })
        }
        let verify = median(verifies)
        table.add("verify (chain + approvals + trust)", seconds(verify), rate(events, verify), "100000 events/s", ratio(Double(events) / verify, 100_000))
        if !skipAllSignatures {
            let all = try await time { _ = try await ChainVerifier(pool: pool).verify(signatures: .everything) }
            table.add("verify --all-signatures", seconds(all), rate(events, all), "-", "-")
        }

        let executable = try Self.executablePath()
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = try await pool.configuration.connectionString
        let commands: [(String, [String], String)] = [
            ("process baseline (events read --limit 1)", ["events", "read", "--limit", "1"], "-"),
            ("history --env prod --limit 50", ["history", "--env", "prod", "--limit", "50"], "100 ms"),
            ("history --actor alice --limit 50", ["history", "--actor", "alice", "--limit", "50"], "100 ms"),
            ("history --service svc07 --json", ["history", "--service", "svc07", "--json"], "100 ms"),
            ("status", ["status"], "100 ms"),
        ]
        for (name, arguments, target) in commands {
            var samples: [Double] = []
            for _ in 0..<runs {
                samples.append(try await time {
                    let (status, output) = try ChildProcess.run([executable] + arguments, environment: environment)
                    guard status == 0 else { throw ValidationError("\(arguments.joined(separator: " ")) failed: \(output)") }
                })
            }
            let value = median(samples)
            table.add(name, String(format: "%.1f ms", value * 1000), "-", target, target == "-" ? "-" : ratio(0.1, value))
        }
        print(table.rendered)
        print("\nvs target: above 1.00× meets it (rates: measured/target; times: target/measured)")
    }

    private func time(_ body: () async throws -> Void) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try await body()
        return (clock.now - start).seconds
    }

    private func seconds(_ value: Double) -> String { String(format: "%.2f s", value) }
    private func rate(_ events: Int64, _ seconds: Double) -> String { String(format: "%.0f events/s", Double(events) / seconds) }
    private func ratio(_ measured: Double, _ target: Double) -> String { String(format: "%.2f×", measured / target) }

    static func executablePath() throws -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { throw ValidationError("cannot find the shiplog executable to time") }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
