import Foundation
import ShiplogCore
import ShiplogCrypto

/// Recomputes the hash chain from the stored rows, with its own implementation of the
/// canonical encoding (`EventHashEncoding`), independent of the database function that wrote
/// it, and names the first position where the log and its hashes disagree.
public struct ChainVerifier: Sendable {
    public let pool: PostgresPool
    public var batchSize: Int

    /// - Parameter pool: says where to connect; the verifier opens two connections of its own
    ///   that share one snapshot, so the next batch loads while this one is checked.
    public init(pool: PostgresPool, batchSize: Int = 10_000) {
        self.pool = pool
        self.batchSize = batchSize
    }

    /// Walks the whole log. With `signatures`, also checks approval and command signatures
    /// against the keys enrolled at the time (`SignatureAudit`), on every core.
    public func verify(signatures: SignatureAudit.Scope? = nil) async throws -> ChainVerification {
        // Two connections reading one snapshot: appends committed while we walk are not seen,
        // so a live ledger is judged as it stood, head row included.
        let configuration = pool.configuration
        let primary = try await PostgresConnection.connect(configuration)
        let secondary = try await PostgresConnection.connect(configuration)
        try await primary.execute(unsafeSQL: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        let snapshot = try await primary.query("SELECT pg_export_snapshot()")[0].decode(String.self, at: 0)
        guard snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw PostgresError(code: .server, message: "unexpected snapshot id from the server")
        }
        try await secondary.execute(
            unsafeSQL: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '\(snapshot)'")
        // Read-only transactions: closing the connections when we return ends them.

        var chain = ChainState()
        var audit = signatures.map(SignatureAudit.init(scope:))
        let batchSize = self.batchSize
        @Sendable func fetch(_ from: Int64, on connection: PostgresConnection) async throws -> [RecordedEvent] {
            try await EventStore.read(fromPosition: from, limit: batchSize, on: connection)
        }
        var connections = (primary, secondary)
        var next: Task<[RecordedEvent], any Error>? = Task { try await fetch(1, on: primary) }
        while let pending = next {
            let events = try await pending.value
            swap(&connections.0, &connections.1)
            let connection = connections.0
            next = events.count == batchSize
                ? Task { [last = events[events.count - 1].position] in try await fetch(last + 1, on: connection) } : nil
            var jobs: [SignatureAudit.Job] = []
            var failure: ChainFailure?
            for event in events {
                if let chainFailure = chain.consume(event) {
                    failure = chainFailure
                    break
                }
                guard audit != nil else { continue }
                switch audit!.consume(event) {
                case .success(let produced): jobs += produced
                case .failure(let auditFailure): failure = auditFailure
                }
                if failure != nil { break }
            }
            // A signature before the first structural failure may fail first.
            if let signatureFailure = await Self.run(jobs) {
                failure = failure.map { $0.position < signatureFailure.position ? $0 : signatureFailure } ?? signatureFailure
            }
            if let failure {
                _ = try? await next?.value
                return chain.verdict(failure)
            }
        }
        if let failure = audit?.finish() { return chain.verdict(failure) }
        let head = try await EventStore.head(on: primary)
        return chain.verdict(chain.finish(head: head))
    }

    /// Checks signatures on every core; returns the failure at the lowest position.
    static func run(_ jobs: [SignatureAudit.Job]) async -> ChainFailure? {
        guard !jobs.isEmpty else { return nil }
        let lanes = max(1, min(ProcessInfo.processInfo.activeProcessorCount, jobs.count / 64 + 1))
        return await withTaskGroup(of: ChainFailure?.self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    var first: ChainFailure?
                    for index in stride(from: lane, to: jobs.count, by: lanes) {
                        if let failure = jobs[index].run(), first == nil || failure.position < first!.position {
                            first = failure
                        }
                    }
                    return first
                }
            }
            var first: ChainFailure?
            for await failure in group {
                if let failure, first == nil || failure.position < first!.position { first = failure }
            }
            return first
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

struct ChainFailure: Error {
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
