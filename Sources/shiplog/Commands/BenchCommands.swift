import ArgumentParser
import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import ShiplogPostgres

/// `shiplog bench commands`: ledger commands with group commit, beside the same commands one
/// at a time and beside plain INSERTs, in one run.
struct CommandBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commands",
        abstract: "Compare concurrent ledger commands with group commit, one at a time, and plain INSERTs.",
        discussion: """
            Runs in a scratch database (shiplog_bench_commands) it creates and drops. A command is \
            what `shiplog deploy request`, `deploy approve` or `deploy cancel` does: load and judge \
            its streams, decide, sign, append atomically guarding every stream it read. Each \
            writer repeats: request a deploy (of a service of its own), two approvals, cancel. \
            Rates are medians over rounds; each round runs every scenario once.
            """)

    @Option(
        parsing: .unconditional, help: "Commands per scenario per round (a multiple of 4).",
        transform: { try WholeNumberArgument.parse($0, atLeast: 4) })
    var commands = 640
    @Option(
        parsing: .unconditional, help: "Concurrent writers.", transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var writers = 16
    @Option(
        parsing: .unconditional, help: "Rounds; the median round is reported.",
        transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var rounds = 3
    @Option(
        parsing: .unconditional,
        help: "Approvers enrolled besides the three who sign (a larger team: more trust events every command judges).",
        transform: { try WholeNumberArgument.parse($0, atLeast: 0) })
    var approvers = 0
    @OptionGroup var database: DatabaseOptions

    static let scratch = "shiplog_bench_commands"

    func run() async throws {
        let pool = try await BenchDatabase.open(Self.scratch, from: database, reset: true, maximumConnections: writers + 1)
        let team = try await Team.enroll(on: pool, others: approvers)
        try await pool.withConnection { try await AppendBench.createCeilingTable(on: $0) }
        let direct = LedgerService(store: LedgerStore(events: EventStore(pool: pool)))
        let grouped = LedgerService(store: LedgerStore(events: EventStore(pool: pool, groupCommit: true)))
        // As the server runs them: group commit, and the trust streams kept judged between commands.
        let trust = TrustCache()
        let server = LedgerService(store: LedgerStore(events: EventStore(pool: pool, groupCommit: true), trust: trust))
        let cycles = Counter()
        var results = [
            Measurement(name: "plain INSERT, \(writers) connections (ceiling)"),
            Measurement(name: "ledger commands, one at a time"),
            Measurement(name: "ledger commands, \(writers) writers, direct"),
            Measurement(name: "ledger commands, \(writers) writers, group commit"),
            Measurement(name: "ledger commands, \(writers) writers, group commit, judged trust kept"),
        ]
        print(
            "\(rounds) rounds; \(commands) commands per scenario per round (request, approve, approve, cancel); \(approvers + 3) approvers\n")
        // Round 0 warms caches and connections and is not reported.
        for round in 0...rounds {
            let commands = round == 0 ? writers * 4 : self.commands
            if round == 1 { results = results.map { Measurement(name: $0.name) } }
            let supply = try Workload.Supply(commands)
            try await Measurement.measure(&results[0], operations: commands, writers: writers) {
                try await AppendBench.plainInsert(pool, supply.next())
            }
            try await Measurement.measure(&results[1], operations: commands / 4, writers: 1, eventsPerOperation: 4) {
                try await team.cycle(on: direct, number: await cycles.next())
            }
            try await Measurement.measure(&results[2], operations: commands / 4, writers: writers, eventsPerOperation: 4) {
                try await team.cycle(on: direct, number: await cycles.next())
            }
            try await Measurement.measure(&results[3], operations: commands / 4, writers: writers, eventsPerOperation: 4) {
                try await team.cycle(on: grouped, number: await cycles.next())
            }
            try await Measurement.measure(&results[4], operations: commands / 4, writers: writers, eventsPerOperation: 4) {
                try await team.cycle(on: server, number: await cycles.next())
            }
            if round > 0 { FileHandle.standardError.write(Data("round \(round) of \(rounds) done\n".utf8)) }
        }
        let verification = try await ChainVerifier(pool: pool).verify()
        guard verification.ok else { throw ValidationError("the benchmark's ledger does not verify: \(verification.reason ?? "")") }
        await pool.close()
        let admin = try await database.open(maximumConnections: 1)
        try await admin.withConnection { try await $0.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(Self.scratch) WITH (FORCE)") }

        let ceiling = results[0].medianEventsPerSecond
        let single = results[1].medianEventsPerSecond
        var table = Table("scenario", "per second", "vs ceiling", "vs one at a time", "p50 ms", "p99 ms")
        for result in results {
            table.add(
                result.name, String(format: "%.0f", result.medianEventsPerSecond),
                String(format: "%.2f×", result.medianEventsPerSecond / ceiling),
                String(format: "%.2f×", result.medianEventsPerSecond / single),
                String(format: "%.2f", result.percentile(0.5) * 1000), String(format: "%.2f", result.percentile(0.99) * 1000))
        }
        print(table.rendered)
        print(
            "\nper second: commands (INSERTs for the ceiling, one transaction each); latency: per INSERT, per cycle of four commands")
        let counts = trust.counts
        print(
            String(
                format: "judged trust kept: %.2f× the commands a second of group commit without it; %d commands went on from it, %d were judged from the start",
                results[4].medianEventsPerSecond / results[3].medianEventsPerSecond, counts.continued, counts.fromTheStart))
    }

    /// The people the commands are signed by.
    struct Team: Sendable {
        let admin = SigningKey.generate(), alice = SigningKey.generate(), bob = SigningKey.generate()
        let carol = SigningKey.generate()

        static func enroll(on pool: PostgresPool, others: Int = 0) async throws -> Team {
            let team = Team()
            let ledger = LedgerService(store: LedgerStore(events: EventStore(pool: pool)))
            _ = try await ledger.initialize(admin: "admin", key: team.admin)
            try await ledger.setPolicy(environment: "prod", policy: EnvironmentPolicy(approvalsRequired: 2), key: team.admin)
            let people = [("alice", team.alice), ("bob", team.bob), ("carol", team.carol)]
                + (0..<others).map { ("approver-\($0 + 1)", SigningKey.generate()) }
            for (name, key) in people {
                _ = try await ledger.enrollApprover(
                    name: name, publicKey: key.publicKey.base64, slackUser: nil, environments: ["prod"], kind: .person,
                    key: team.admin)
            }
            return team
        }

        /// Four commands on a service of the cycle's own: a request, two approvals, a cancel.
        func cycle(on ledger: LedgerService, number: Int) async throws {
            let artifact = "sha256:" + Hex.encode(SHA256.hash(Array("artifact \(number)".utf8)))
            let id = try await ledger.requestDeploy(
                service: "svc\(number)", environment: "prod", version: "1.0.0", artifact: artifact, reason: nil,
                allowUnrecorded: true, key: carol)
            try await ledger.approve(id.rawValue, key: alice)
            try await ledger.approve(id.rawValue, key: bob)
            try await ledger.cancel(id.rawValue, reason: nil, key: carol)
        }
    }

    actor Counter {
        private var value = 0
        func next() -> Int {
            value += 1
            return value
        }
    }
}
