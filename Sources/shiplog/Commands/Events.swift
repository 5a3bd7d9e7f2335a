import ArgumentParser
import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import ShiplogPostgres

/// `shiplog events`: the log's low-level commands, for operators and scripts.
struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append to and read the raw event log.",
        subcommands: [Append.self, Read.self])
}

extension Events {
    struct Append: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append one event to a stream and print its position.",
            discussion: "Exit 1 with a message when the stream is not at --expected-version.")

        @Option(help: "The stream, e.g. deploy-d-42.") var stream: String
        @Option(help: "The event type, e.g. DeployRequested.") var type: String
        @Option(help: "The payload: a JSON value.") var data: String
        @Option(help: "JSON metadata.") var metadata: String = "{}"
        @Option(
            name: .customLong("expected-version"),
            parsing: .unconditional,
            help: "The version the stream must be at: N, any, or none (must not exist).",
            transform: { argument in
                guard let version = ExpectedVersion(argument: argument) else {
                    throw ValidationError("--expected-version takes a number ≥ 0, any, or none; got '\(argument)'")
                }
                return version
            })
        var expectedVersion: ExpectedVersion = .any
        @Option(help: "The event id (UUID). Reusing an id makes the append idempotent.") var id: String?
        @Option(help: "Who is appending (default: $USER).") var actor: String?
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if LedgerEvent.allTypes.contains(type) {
                throw ValidationError(
                    "\(type) is one of the ledger's own events: record it with the shiplog command that checks and signs it (see shiplog --help), not with events append")
            }
            if LedgerEvent.isLedgerStreamName(stream) {
                throw ValidationError(
                    "\(stream) is one of the ledger's own streams (ledger, approvers, tokens, policy-*, build-*, migrations-*, deploy-*, env-*, alarm-*): only the shiplog commands that check and sign write there; pick another stream name")
            }
            if let id, UUID(uuidString: id) == nil {
                throw ValidationError("--id must be a UUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301; got '\(id)'")
            }
        }

        func run() async throws {
            let event = try NewEvent(
                id: id.flatMap(UUID.init(uuidString:)) ?? UUID(), type: type, payload: data, metadata: metadata,
                actor: actor ?? ProcessInfo.processInfo.environment["USER"] ?? "operator")
            let store = EventStore(pool: try await database.open(maximumConnections: 1))
            let result = try await store.append([event], to: stream, expectedVersion: expectedVersion)
            if output.json {
                try JSONOutput.print(
                    AppendReport(
                        id: event.id.uuidString.lowercased(), position: result.lastPosition, stream: result.stream,
                        streamVersion: result.streamVersion, duplicate: result.wasDuplicate))
            } else {
                print(result.lastPosition)
            }
        }
    }

    struct AppendReport: Encodable {
        var id: String
        var position: Int64
        var stream: String
        var streamVersion: Int64
        var duplicate: Bool
    }

    struct Read: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print events in log order.")

        @Option(help: "Only this stream (an unknown stream is an error).") var stream: String?
        @Option(
            name: .customLong("from"), parsing: .unconditional,
            help: "Start at this global position (or stream version with --stream); positions start at 1.",
            transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
        var from: Int64 = 1
        @Option(help: "Only events of this type (repeatable).") var type: [String] = []
        @Option(
            parsing: .unconditional, help: "At most this many events.",
            transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
        var limit: Int = 100
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let pool = try await database.open(maximumConnections: 1)
            let store = EventStore(pool: pool)
            var events: [RecordedEvent]
            if let stream {
                events = try await store.read(stream: stream, fromVersion: from, limit: limit)
                if !type.isEmpty { events = events.filter { type.contains($0.type) } }
            } else {
                events = try await store.read(fromPosition: from, limit: limit, types: type.isEmpty ? nil : type)
            }
            // Which of them the ledger does not count (the projector's judgment, brought up to date).
            try await Projector(pool: pool).catchUp()
            let notCounted = try await LedgerQueries(pool: pool).notCounted(events.map(\.position))
            if output.json {
                try JSONOutput.print(object: events.map { Self.document($0, notCounted: notCounted[$0.position]) })
                return
            }
            var table = Table("POSITION", "STREAM", "VERSION", "TYPE", "ACTOR", "RECORDED", "DATA")
            for event in events {
                table.add(
                    String(event.position), event.stream, String(event.streamVersion),
                    notCounted[event.position].map { "\(event.type) (NOT COUNTED: \($0))" } ?? event.type, event.actor,
                    Timestamps.display(event.recordedAt), Self.abbreviate(event.payload))
            }
            print(events.isEmpty ? "no events" : table.rendered)
        }

        /// An event as `--json` prints it; `notCounted` (the reason) only on events of the ledger
        /// that do not count.
        static func document(_ event: RecordedEvent, notCounted: String? = nil) -> [String: Any] {
            var document: [String: Any] = [
                "position": event.position, "id": event.id.uuidString.lowercased(), "stream": event.stream,
                "streamVersion": event.streamVersion, "type": event.type, "data": JSONOutput.value(of: event.payload),
                "metadata": JSONOutput.value(of: event.metadata), "actor": event.actor,
                "recordedAt": Timestamps.iso8601(event.recordedAt), "hash": Hex.encode(event.hash),
            ]
            if let notCounted { document["notCounted"] = notCounted }
            return document
        }

        static func abbreviate(_ text: String) -> String {
            text.count > 60 ? String(text.prefix(59)) + "…" : text
        }
    }
}
