import ArgumentParser
import Foundation
import ShiplogLedger
import ShiplogPostgres

extension DatabaseOptions {
    /// The read side, brought up to date with the log first.
    func queries() async throws -> LedgerQueries {
        let pool = try await open(maximumConnections: 1)
        _ = try await Projector(pool: pool).catchUp()
        return LedgerQueries(pool: pool)
    }
}

/// `shiplog status`: what runs where.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What runs in each environment: version, who deployed it, approvers, last known good, alarms, locks.")

    @Option(help: "Only this environment.") var env: String?
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let rows = try await database.client().status(environment: env)
        if output.json { return try JSONOutput.print(rows) }
        guard !rows.isEmpty else { return print(env.map { "nothing deployed to \($0) yet" } ?? "nothing deployed yet") }
        var table = Table("ENV", "SERVICE", "VERSION", "DEPLOYED BY", "AT", "APPROVERS", "LAST GOOD", "NOTES")
        for row in rows {
            var notes: [String] = []
            if row.breakGlass { notes.append("BREAK-GLASS") }
            for lock in row.locks { notes.append("LOCKED by \(lock.lockedBy): \(lock.reason)") }
            if !row.activeAlarms.isEmpty { notes.append("ALARM \(row.activeAlarms.joined(separator: ","))") }
            if let flight = row.inFlight { notes.append("in flight: \(flight.deployID) \(flight.version) (\(flight.status.map { "\($0)" } ?? flight.purpose))") }
            table.add(
                row.environment, row.service, row.version ?? "-", row.deployedBy ?? "-",
                row.deployedAt.map(Timestamps.display) ?? "-", row.approvers.joined(separator: ",").ifEmpty("-"),
                row.lastKnownGood?.version ?? "-", notes.joined(separator: "; "))
        }
        print(table.rendered)
    }
}

/// `shiplog history`: who deployed what, where, when, approved by whom.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Deploy history, newest first.")

    @Option(help: "Only this environment.") var env: String?
    @Option(help: "Only this service.") var service: String?
    @Option(help: "Only deploys this person requested, approved or started.") var actor: String?
    @Option(
        parsing: .unconditional, help: "Requested at or after (2026-11-01, or an age like 30d).",
        transform: { try TimeArgument.parse($0) })
    var since: Date?
    @Option(parsing: .unconditional, help: "Requested before.", transform: { try TimeArgument.parse($0) })
    var until: Date?
    @Option(help: "Only this outcome: requested, started, succeeded, failed, rejected, cancelled, rolled_back, ...")
    var outcome: String?
    @Option(
        parsing: .unconditional, help: "At most this many.", transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var limit = 50
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let outcome, HistoryOutcome(rawValue: outcome) == nil {
            throw ValidationError("unknown outcome '\(outcome)'; one of: \(HistoryOutcome.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let rows = try await database.client().history(
            HistoryFilter(
                environment: env, service: service, actor: actor, since: since, until: until,
                outcome: outcome.flatMap(HistoryOutcome.init(rawValue:)), limit: limit))
        if output.json { return try JSONOutput.print(rows) }
        guard !rows.isEmpty else { return print("no deploys match") }
        var table = Table("ID", "SERVICE", "ENV", "VERSION", "REQUESTER", "APPROVERS", "OUTCOME", "REQUESTED", "FINISHED")
        for row in rows {
            var outcome = row.outcome.rawValue
            if row.breakGlass { outcome += " BREAK-GLASS" }
            if row.allowUnrecorded { outcome += " UNRECORDED" }
            table.add(
                row.id, row.service, row.environment, row.version, row.requester,
                row.approvers.joined(separator: ",").ifEmpty("-"), outcome, Timestamps.display(row.requestedAt),
                row.finishedAt.map(Timestamps.display) ?? "-")
        }
        print(table.rendered)
    }
}

/// `shiplog audit`: everything one person did.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Everything a person did, in log order.")

    @Option(help: "The person (their enrolled name).") var actor: String
    @Option(parsing: .unconditional, help: "At or after.", transform: { try TimeArgument.parse($0) })
    var since: Date?
    @Option(
        parsing: .unconditional, help: "At most this many, newest kept.",
        transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var limit = 200
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let rows = try await database.client().audit(actor: actor, since: since, limit: limit)
        if output.json { return try JSONOutput.print(rows) }
        guard !rows.isEmpty else { return print("\(actor) has done nothing on this ledger") }
        var table = Table("POSITION", "AT", "EVENT", "STREAM", "WHAT")
        for row in rows {
            table.add(
                String(row.position), Timestamps.display(row.at), row.type, row.stream,
                row.notCounted.map { "NOT COUNTED (\($0)): \(row.summary)" } ?? row.summary)
        }
        print(table.rendered)
    }
}

/// `shiplog metrics`: the four DORA metrics per environment.
struct Metrics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "DORA metrics: deploy frequency, lead time (build → deploy), change failure rate, time to restore.")

    @Option(help: "Only this environment.") var env: String?
    @Option(
        parsing: .unconditional, help: "The window: an age like 30d, or a date.",
        transform: { try TimeArgument.parse($0) })
    var since: Date = Date().addingTimeInterval(-30 * 86_400)
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let rows = try await database.client().metrics(environment: env, since: since)
        if output.json { return try JSONOutput.print(rows) }
        guard !rows.isEmpty else { return print("no deploys in the window") }
        var table = Table("ENV", "DEPLOYS", "PER DAY", "LEAD TIME (median)", "CHANGE FAILURE", "TIME TO RESTORE (median)")
        for row in rows {
            table.add(
                row.environment, String(row.deploys), String(format: "%.2f", row.deployFrequencyPerDay),
                row.leadTimeMedianSeconds.map(Self.duration) ?? "-",
                row.changeFailureRate.map { String(format: "%.1f%% (%d of %d)", $0 * 100, row.failedDeploys, row.finishedDeploys) } ?? "-",
                row.timeToRestoreMedianSeconds.map(Self.duration) ?? "-")
        }
        print(table.rendered)
    }

    static func duration(_ seconds: Double) -> String {
        seconds >= 86_400 ? String(format: "%.1fd", seconds / 86_400)
            : seconds >= 3600 ? String(format: "%.1fh", seconds / 3600)
            : seconds >= 60 ? String(format: "%.0fm", seconds / 60) : String(format: "%.0fs", seconds)
    }
}

/// `shiplog projections`: the read models.
struct Projections: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Maintain the read models (status, history, audit, metrics).", subcommands: [Rebuild.self, CatchUp.self])

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drop the read models and rebuild them from the first event.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let pool = try await database.open(maximumConnections: 1)
            let clock = ContinuousClock()
            let start = clock.now
            let count = try await Projector(pool: pool).rebuild()
            let seconds = (clock.now - start).seconds
            print("rebuilt from \(count) events in \(String(format: "%.2f", seconds)) s (\(String(format: "%.0f", Double(count) / max(seconds, 1e-9))) events/s)")
        }
    }

    struct CatchUp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "catch-up", abstract: "Apply events appended since the last run.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let count = try await Projector(pool: try await database.open(maximumConnections: 1)).catchUp()
            print("applied \(count) events")
        }
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
