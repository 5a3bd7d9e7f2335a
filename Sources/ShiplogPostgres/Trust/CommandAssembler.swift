import Foundation
import ShiplogCore

/// The ledger's events as the commands that appended them, in log order.
///
/// Every event of a command carries the command's envelope in its metadata, and the last one
/// its signed intent and signature (`CommandEnvelope`); a command's events are consecutive positions, because
/// one `shiplog_append` call appends them. Events off the ledger (another stream, another
/// type, written with raw `events append`) are left alone: they are not the ledger's.
struct CommandAssembler {
    /// A command's events, not yet decoded or checked.
    struct RawCommand: Sendable {
        var envelope: CommandEnvelope
        /// The intent's JSON text, as signed.
        var intentJSON: String
        var signature: SignatureBytes
        var events: [RecordedEvent]
    }

    enum Item: Sendable {
        case command(RawCommand)
        /// Events of the ledger that cannot belong to any signed command.
        case unsigned([RecordedEvent], reason: String)
    }

    private static let catalogue = Set(LedgerEvent.allTypes)
    private var open: (envelope: CommandEnvelope, events: [RecordedEvent])?

    /// True for an event the ledger must judge: a catalogue type, or any event on a ledger stream.
    static func isLedgerEvent(_ event: RecordedEvent) -> Bool {
        catalogue.contains(event.type) || LedgerEvent.isLedgerStreamName(event.stream)
    }

    /// Takes the next event in log order; returns what it completes.
    mutating func add(_ event: RecordedEvent) -> [Item] {
        guard Self.isLedgerEvent(event) else { return [] }
        var items: [Item] = []
        guard let (envelope, signed) = MetadataReader.envelope(event.metadata) else {
            items += closeUnsigned()
            items.append(
                .unsigned([event], reason: "\(event.type) on \(event.stream) carries no command signature: it was not written by shiplog"))
            return items
        }
        if let current = open, current.envelope.commandID != envelope.commandID || current.envelope.signer != envelope.signer {
            items += closeUnsigned()
        }
        var current = open ?? (envelope, [])
        current.events.append(event)
        if let signed {
            open = nil
            items.append(
                .command(
                    RawCommand(envelope: envelope, intentJSON: signed.json, signature: signed.signature, events: current.events)))
        } else {
            open = current
        }
        return items
    }

    /// The end of what was read: a command still open lost its signed last event.
    mutating func finish() -> [Item] { closeUnsigned() }

    private mutating func closeUnsigned() -> [Item] {
        guard let current = open else { return [] }
        open = nil
        return [.unsigned(current.events, reason: "command \(current.envelope.commandID.uuidString.lowercased()) ends without its signature")]
    }
}
