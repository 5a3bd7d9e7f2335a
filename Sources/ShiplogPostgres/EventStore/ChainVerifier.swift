import ShiplogCore
import ShiplogCrypto

/// Recomputes the hash chain from the stored rows, with its own implementation of the
/// canonical encoding (`EventHashEncoding`), independent of the database function that wrote
/// it, and names the first position where the log and its hashes disagree.
public struct ChainVerifier: Sendable {
    /// A further check of each event (signatures, say): nil when fine, else the reason.
    public typealias EventCheck = @Sendable (RecordedEvent) -> String?

    public let pool: PostgresPool
    public var batchSize: Int

    public init(pool: PostgresPool, batchSize: Int = 10_000) {
        self.pool = pool
        self.batchSize = batchSize
    }

    public func verify(check: EventCheck? = nil) async throws -> ChainVerification {
        try await pool.withConnection { connection in
            var state = ChainState()
            var next: Int64 = 1
            while true {
                let events = try await EventStore.read(fromPosition: next, limit: batchSize, on: connection)
                for event in events {
                    if let failure = state.consume(event) ?? check?(event).map({ ChainFailure(position: event.position, reason: $0) }) {
                        return state.verdict(failure)
                    }
                }
                guard events.count == batchSize, let last = events.last else { break }
                next = last.position + 1
            }
            let head = try await EventStore.head(on: connection)
            return state.verdict(state.finish(head: head))
        }
    }
}

/// The outcome of `shiplog verify`, in the shape its `--json` prints.
public struct ChainVerification: Sendable, Codable, Hashable {
    public struct Head: Sendable, Codable, Hashable {
        public var position: Int64
        public var hash: String
    }

    public var ok: Bool
    /// Events checked and found good.
    public var events: Int64
    /// The last good position and its recomputed hash.
    public var head: Head
    public var firstBadPosition: Int64?
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case ok, events, head, firstBadPosition, reason
    }

    /// Spells out `null` for a clean ledger, as the documented JSON shape promises.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ok, forKey: .ok)
        try container.encode(events, forKey: .events)
        try container.encode(head, forKey: .head)
        try container.encode(firstBadPosition, forKey: .firstBadPosition)
        try container.encode(reason, forKey: .reason)
    }
}

struct ChainFailure {
    var position: Int64
    var reason: String
}

/// The verifier's walk over the log: pure, so every tampering case is testable without I/O.
struct ChainState {
    private(set) var checked: Int64 = 0
    private(set) var previousHash = EventHashEncoding.genesisHash
    private var streamVersions: [String: Int64] = [:]
    private var buffer: [UInt8] = []

    /// Checks the next stored event; nil when it is the one the chain says comes next.
    mutating func consume(_ event: RecordedEvent) -> ChainFailure? {
        let expected = checked + 1
        guard event.position == expected else {
            return ChainFailure(
                position: expected,
                reason: event.position > expected
                    ? "position \(expected) is missing: the next stored event is at \(event.position)"
                    : "position \(event.position) appears again after \(checked)")
        }
        guard event.previousHash == previousHash else {
            return ChainFailure(
                position: expected,
                reason: "its prev_hash does not match the hash of position \(checked): an event before it was removed, reordered or replaced")
        }
        buffer.removeAll(keepingCapacity: true)
        EventHashEncoding.appendHashInput(previousHash: previousHash, of: event, to: &buffer)
        let hash = SHA256.hash(buffer)
        guard hash == event.hash else {
            return ChainFailure(position: expected, reason: "its contents do not match its stored hash: the event was altered")
        }
        let streamVersion = streamVersions[event.stream, default: 0] + 1
        guard event.streamVersion == streamVersion else {
            return ChainFailure(
                position: expected,
                reason: "stream \(event.stream) goes from version \(streamVersion - 1) to \(event.streamVersion)")
        }
        streamVersions[event.stream] = streamVersion
        previousHash = hash
        checked = expected
        return nil
    }

    /// Checks the head row against the end of the walk.
    func finish(head: LogHead) -> ChainFailure? {
        if head.position > checked {
            return ChainFailure(
                position: checked + 1,
                reason: "the head says the log ends at \(head.position) but the last stored event is \(checked): events at the end were removed")
        }
        if head.position < checked {
            return ChainFailure(
                position: head.position + 1,
                reason: "events past the head (\(head.position)) were inserted outside the append path")
        }
        if head.hash != previousHash {
            return ChainFailure(position: checked, reason: "the head's hash does not match the recomputed hash of the last event")
        }
        return nil
    }

    func verdict(_ failure: ChainFailure?) -> ChainVerification {
        ChainVerification(
            ok: failure == nil, events: checked,
            head: .init(position: checked, hash: Hex.encode(previousHash)),
            firstBadPosition: failure?.position, reason: failure?.reason)
    }
}
