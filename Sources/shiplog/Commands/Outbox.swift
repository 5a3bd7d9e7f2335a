import ArgumentParser
import Foundation
import ShiplogLedger
import ShiplogServer

/// `shiplog outbox`: the messages owed to Slack and what became of them.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "The messages owed to Slack and what became of them.", subcommands: [List.self])
}

extension OutboxCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the outbox, newest first: pending, delivered, failed (for good, with Slack's reason) or skipped.")
        @Flag(help: "Only the messages Slack refused for good.") var failed = false
        @Option(parsing: .unconditional, help: "At most this many.", transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
        var limit = 50
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let entries = try await OutboxStore(pool: try await database.open()).list(failedOnly: failed, limit: limit)
            if output.json {
                try JSONOutput.print(entries)
                return
            }
            var table = Table("ID", "STATE", "EVENT", "SUBJECT", "ATTEMPTS", "ERROR")
            for entry in entries {
                table.add(
                    String(entry.id), entry.state, entry.eventType, entry.subject, String(entry.attempts),
                    entry.lastError ?? "")
            }
            print(entries.isEmpty ? (failed ? "no failed messages" : "the outbox is empty") : table.rendered)
        }
    }
}
