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
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let pool = try await BenchDatabase.open(scratch, from: database, reset: false, maximumConnections: 2)
        let events = try await EventStore(pool: pool).head().position
        guard events > 0 else { throw ValidationError("\(scratch) is empty: run shiplog bench seed --events N first") }
        print("ledger: \(events) events in \(scratch)\n")
        var table = Table("measurement", "median", "rate", "target", "vs target")

        var rebuilds: [Double] = []
        for _ in 0..<repeats {
            rebuilds.append(try await secondsTaken { _ = try await Projector(pool: pool).rebuild() })
        }
        let rebuild = median(rebuilds)
        table.add("projections rebuild", seconds(rebuild), rate(events, rebuild), "100000 events/s", ratio(Double(events) / rebuild, 100_000))

        var chains: [Double] = []
        for _ in 0..<repeats {
            chains.append(try await secondsTaken {
                let result = try await ChainVerifier(pool: pool).verify(chainOnly: true)
                guard result.ok else { throw ValidationError("the seeded ledger's chain does not verify: \(result.reason ?? "")") }
            })
        }
        let chain = median(chains)
        table.add("verify --chain-only", seconds(chain), rate(events, chain), "100000 events/s", ratio(Double(events) / chain, 100_000))

        // verify judges every command: its signature, its signer's authority, and the domain's
        // decision at that point; beside it, in the same run, libsodium alone on every core.
        var verifies: [Double] = [], ceilings: [Double] = []
        var judged: ChainVerification?
        for _ in 0..<repeats {
            ceilings.append(await SignatureCeiling.measure())
            verifies.append(try await secondsTaken {
                let result = try await ChainVerifier(pool: pool).verify()
                guard result.ok else { throw ValidationError("the seeded ledger does not verify: \(result.reason ?? "")") }
                judged = result
            })
        }
        let verify = median(verifies), ceiling = median(ceilings)
        let judgedCommands = Double(judged?.commands ?? 0), signatures = Double(judged?.signatures ?? 0)
        table.add("verify (every signature and authority)", seconds(verify), rate(events, verify), "-", "-")
        table.add(
            "  commands judged", String(format: "%.0f", judgedCommands), String(format: "%.0f commands/s", judgedCommands / verify),
            String(format: "%.0f (0.8× ceiling)", 0.8 * ceiling), ratio(judgedCommands / verify, ceiling))
        table.add(
            "  signatures checked", String(format: "%.0f", signatures), String(format: "%.0f sigs/s", signatures / verify),
            String(format: "%.0f (0.8× ceiling)", 0.8 * ceiling), ratio(signatures / verify, ceiling))
        table.add("bare libsodium Ed25519 loop, all cores (ceiling)", "-", String(format: "%.0f sigs/s", ceiling), "-", "1.00×")

        let executable = try Self.executablePath()
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = try await pool.configuration.connectionString
        // A command's read path: the newest deploy's whole context, loaded and judged (what
        // `deploy request`, `approve` and `start` read before deciding).
        let newest = try await pool.withConnection { connection in
            try await connection.query(
                "SELECT payload ->> 'deployID' FROM events WHERE type = 'DeployRequested' ORDER BY position DESC LIMIT 1"
            )[0].decode(String.self, at: 0)
        }
        let commands: [(String, [String], String)] = [
            ("process baseline (events read --limit 1)", ["events", "read", "--limit", "1"], "-"),
            ("history --env prod --limit 50", ["history", "--env", "prod", "--limit", "50"], "100 ms"),
            ("history --actor alice --limit 50", ["history", "--actor", "alice", "--limit", "50"], "100 ms"),
            ("history --service svc07 --json", ["history", "--service", "svc07", "--json"], "100 ms"),
            ("status", ["status"], "100 ms"),
            ("deploy gate (a command's load and judgment)", ["deploy", "gate", newest], "-"),
        ]
        for (name, arguments, target) in commands {
            var samples: [Double] = []
            for _ in 0..<runs {
                samples.append(try await secondsTaken {
                    let (status, output) = try ChildProcess.run([executable] + arguments, environment: environment)
                    // `deploy gate` answers 3 for a closed gate: an answer, not a failure.
                    guard status == 0 || (arguments.first == "deploy" && status == 3) else {
                        throw ValidationError("\(arguments.joined(separator: " ")) failed: \(output)")
                    }
                })
            }
            let value = median(samples)
            table.add(name, String(format: "%.1f ms", value * 1000), "-", target, target == "-" ? "-" : ratio(0.1, value))
        }
        print(table.rendered)
        print("\nvs target: above 1.00× meets it (rates: measured/target; times: target/measured);")
        print("for verify the ratio is to the ceiling measured in this run (target 0.80×)")
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
