import Foundation

/// One signed command as the log holds it: the events it appended, in log order, decoded.
public struct RecordedCommand: Sendable {
    public struct Entry: Sendable {
        public var position: Int64
        public var stream: LedgerStream
        public var event: LedgerEvent

        public init(position: Int64, stream: LedgerStream, event: LedgerEvent) {
            self.position = position
            self.stream = stream
            self.event = event
        }
    }

    /// What was signed: who asked for which command, when (`CommandIntent`).
    public var intent: CommandIntent
    public var entries: [Entry]
    /// When the log recorded it: the database's clock, taken as it appended (not the signer's).
    public var recordedAt: Date

    public init(intent: CommandIntent, entries: [Entry], recordedAt: Date) {
        self.intent = intent
        self.entries = entries
        self.recordedAt = recordedAt
    }

    /// The command's id (the intent's).
    public var id: UUID { intent.id }
    /// The key that signed the intent.
    public var signer: SignerKeyID { intent.signer }

    /// The position of its first event.
    public var position: Int64 { entries.first?.position ?? 0 }
}

/// Whether an event counts: the gate, every decision, the projections and `verify` act only on
/// counted events.
public enum Judgment: Hashable, Sendable {
    case counted
    /// Skipped, never acted on; `reason` says why (shown by `show`, `audit`, `events read`,
    /// reported by `verify`).
    case skipped(reason: String)

    public var isCounted: Bool { self == .counted }

    public var reason: String? {
        if case .skipped(let reason) = self { return reason }
        return nil
    }
}
