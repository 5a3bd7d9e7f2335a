import Foundation
import ShiplogCore

extension TrustWalk {
    /// One batch of the log, judged.
    struct JudgedBatch: Sendable {
        var events: [RecordedEvent]
        /// The earliest failure found before judging: where `examine` said the batch breaks, or
        /// a stored hash that does not match.
        var failure: ChainFailure?
        var judged: [Judged]
        /// Signatures checked in the batch (commands and approval statements).
        var signatures: Int
    }

    /// Judges the log from position 1 in a pipeline of three, so every core works: the next
    /// batch loads, batch k+1's hashes (with `hashing`) and signatures are checked on every core,
    /// and batch k is judged here, in log order.
    ///
    /// - Parameters:
    ///   - judging: false checks the hashes only (`verify --chain-only`).
    ///   - fetch: the events from a position on (at most `batchSize`); fewer means the end.
    ///   - examine: sees each batch in log order as it arrives (the chain walk) and may name
    ///     where the log breaks; hashes are checked only before that point.
    ///   - visit: gets each judged batch in order; returns false to stop.
    mutating func pipeline(
        batchSize: Int, hashing: Bool, judging: Bool = true,
        fetch: @escaping @Sendable (Int64) async throws -> [RecordedEvent],
        examine: ([RecordedEvent]) -> ChainFailure? = { _ in nil },
        visit: (JudgedBatch) async throws -> Bool
    ) async throws {
        var next: Task<[RecordedEvent], any Error>? = Task { try await fetch(1) }
        var checking: (events: [RecordedEvent], failure: ChainFailure?, task: Task<(ChainFailure?, [PreparedCommand]), Never>)?
        defer { next?.cancel() }
        while true {
            var ready: (events: [RecordedEvent], failure: ChainFailure?, prepared: [PreparedCommand])?
            if let pending = next {
                let events = try await pending.value
                next = events.count == batchSize
                    ? Task { [from = events[events.count - 1].position + 1] in try await fetch(from) } : nil
                let failure = examine(events)
                let items = judging ? assemble(events, last: next == nil) : []
                let keys = self.keys
                let hashed = hashing ? events : []
                let task = Task {
                    await Self.check(hashed, before: failure?.position ?? .max, preparing: items, keys: keys)
                }
                if let previous = checking {
                    let (hashFailure, prepared) = await previous.task.value
                    ready = (previous.events, ChainFailure.earliest(previous.failure, hashFailure), prepared)
                }
                checking = (events, failure, task)
            } else if let previous = checking {
                let (hashFailure, prepared) = await previous.task.value
                ready = (previous.events, ChainFailure.earliest(previous.failure, hashFailure), prepared)
                checking = nil
            } else {
                return
            }
            guard let ready else { continue }
            let signatures = ready.prepared.reduce(0) { $0 + ($1.isSigned ? 1 + $1.approvalChecks.count : 0) }
            let batch = JudgedBatch(
                events: ready.events, failure: ready.failure, judged: admit(ready.prepared), signatures: signatures)
            guard try await visit(batch) else {
                _ = await checking?.task.value
                return
            }
        }
    }

    /// Checks the stored hashes of `events` (before `end`) and prepares `items` (decoding,
    /// signatures) on every core; returns the hash failure at the lowest position and the
    /// prepared commands in log order.
    static func check(
        _ events: [RecordedEvent], before end: Int64 = .max, preparing items: [CommandAssembler.Item], keys: KeyRing
    ) async -> (ChainFailure?, [PreparedCommand]) {
        let lanes = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return await withTaskGroup(of: (ChainFailure?, [(Int, PreparedCommand)]).self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    var first: ChainFailure?
                    var buffer: [UInt8] = []
                    buffer.reserveCapacity(1024)
                    for index in stride(from: lane, to: events.count, by: lanes) where events[index].position < end {
                        first = ChainFailure.earliest(first, ChainState.hashFailure(events[index], buffer: &buffer))
                    }
                    var prepared: [(Int, PreparedCommand)] = []
                    for index in stride(from: lane, to: items.count, by: lanes) {
                        prepared.append((index, PreparedCommand.prepare(items[index], keys: keys)))
                    }
                    return (first, prepared)
                }
            }
            var first: ChainFailure?
            var slots = [PreparedCommand?](repeating: nil, count: items.count)
            for await (failure, prepared) in group {
                first = ChainFailure.earliest(first, failure)
                for (index, command) in prepared { slots[index] = command }
            }
            return (first, slots.map { $0! })
        }
    }
}

extension ChainFailure {
    /// The failure at the lower position.
    static func earliest(_ first: ChainFailure?, _ second: ChainFailure?) -> ChainFailure? {
        guard let first else { return second }
        guard let second else { return first }
        return second.position < first.position ? second : first
    }
}
