import Foundation
import ShiplogCore

/// Which events of a stretch of the log do not count, for the projector: the same judge as
/// `verify` and every command (`LedgerJudge`), so the projections never show what the gate
/// would not act on.
///
/// A short stretch (a CLI's catch-up after a few commands) is judged from the streams its
/// events touch and the streams each of their decisions read, loaded the way a command loads
/// them. A long one, or one from the start (a rebuild), is judged by walking the whole log up
/// to its end, signatures checked on every core.
enum RangeJudge {
    /// Above this many events, walking the whole log is cheaper than loading every context.
    static let longStretch: Int64 = 20_000

    /// The positions in `from...through` that do not count, with the reason.
    static func skipped(
        from: Int64, through end: Int64, on connection: PostgresConnection, batchSize: Int = 10_000, trust: TrustCache? = nil
    ) async throws -> [(position: Int64, reason: String)] {
        guard end >= from else { return [] }
        if from == 1 || end - from + 1 > longStretch {
            return try await walk(through: end, on: connection, batchSize: batchSize).filter { $0.position >= from }
        }
        let events = try await EventStore.read(fromPosition: from, limit: Int(end - from + 1), on: connection)
        var streams = Set<LedgerStream>()
        for event in events where CommandAssembler.isLedgerEvent(event) {
            guard let stream = try? LedgerStream(name: event.stream) else { continue }
            streams.insert(stream)
            if let decoded = try? LedgerEvent.decode(type: event.type, payloadJSON: event.payload) {
                streams.formUnion(LedgerJudge.contextStreams(of: decoded))
            }
        }
        guard !streams.isEmpty else {
            return events.filter(CommandAssembler.isLedgerEvent).map { ($0.position, Self.offTheLedger($0)) }
        }
        let loaded = try await LedgerStore.load(Array(streams), on: connection, trust: trust)
        let reasons = Dictionary(loaded.skipped.map { ($0.position, $0.reason) }, uniquingKeysWith: { first, _ in first })
        // Every event of the ledger in the stretch that did not count is skipped, including
        // one on a stream no command could have written (a DeployStarted on `foo`).
        return events.filter { CommandAssembler.isLedgerEvent($0) && !loaded.counted.contains($0.position) }
            .map { ($0.position, reasons[$0.position] ?? Self.offTheLedger($0)) }
    }

    /// Walks the log from position 1 through `end`: every event that does not count there.
    static func walk(through end: Int64, on connection: PostgresConnection, batchSize: Int) async throws
        -> [(position: Int64, reason: String)]
    {
        var walk = TrustWalk()
        var skipped: [(position: Int64, reason: String)] = []
        try await walk.pipeline(
            batchSize: batchSize, hashing: false,
            fetch: { from in
                guard from <= end else { return [] }
                return try await EventStore.read(
                    fromPosition: from, limit: Int(min(Int64(batchSize), end - from + 1)), on: connection)
            },
            visit: { batch in
                for judged in batch.judged {
                    guard let reason = judged.judgment.reason else { continue }
                    skipped += judged.events.map { ($0.position, reason) }
                }
                return true
            })
        return skipped
    }

    private static func offTheLedger(_ event: RecordedEvent) -> String {
        "\(event.type) on \(event.stream) is not on a stream of the ledger's: no command writes it there"
    }
}
