import Foundation
import ShiplogCore
import Synchronization

/// The trust streams judged once and kept between commands by a long-lived process (the
/// server): the ledger, the approvers, the tokens, and every environment's policy.
///
/// Every command reads these streams and judges them whole (each of their commands' signatures
/// checked, each decision re-derived), so without this a command costs more the more approvers
/// and tokens a ledger has. With it, a command reads only its own streams and goes on from the
/// judged trust (`LoadedStreams(continuing:)`), which is the same walk: allowed only while no
/// event of the trust streams came after it (the read sees any that did, and judges again from
/// the start) and every event the command reads comes after the last one judged (else the
/// command is judged from the start, as without it).
public struct JudgedTrust: Sendable {
    let walk: TrustWalk
    let loaded: LoadedStreams
    /// The position of the last event judged.
    let through: Int64

    /// The streams it holds.
    public var streams: Set<LedgerStream> { loaded.streams }

    /// Reads and judges the trust streams with every environment's policy stream (a deploy's
    /// command reads its environment's, and those were mostly set before the last approver was
    /// enrolled, so they must be in here for a command to go on from it), and any other stream
    /// their events name, so that each is judged with all it needs.
    static func judge(on connection: PostgresConnection) async throws -> JudgedTrust {
        var streams: Set<LedgerStream> = [.ledger, .approvers, .tokens]
        // By type, on the (type, position) index: whatever the database's collation.
        let policies = try await connection.query("SELECT DISTINCT stream FROM events WHERE type = 'PolicySet'")
        for row in policies {
            if let stream = try? LedgerStream(name: try row.decode(String.self, at: 0)) { streams.insert(stream) }
        }
        while true {
            let recorded = try await LedgerStore.commands(on: streams, on: connection)
            let context = Set(
                recorded.compactMap { try? LedgerEvent.decode(type: $0.type, payloadJSON: $0.payload) }
                    .flatMap(LedgerJudge.contextStreams(of:)))
            guard context.isSubset(of: streams) else {
                streams.formUnion(context)
                continue
            }
            var walk = TrustWalk()
            let loaded = LoadedStreams(judging: recorded, streams: streams, restored: [:], walk: &walk)
            return JudgedTrust(walk: walk, loaded: loaded, through: recorded.last?.position ?? 0)
        }
    }
}

/// Where a process keeps its `JudgedTrust`, shared by its commands.
public final class TrustCache: Sendable {
    private struct State {
        var judged: JudgedTrust?
        var counts = Counts()
    }

    /// How the commands loaded so far went: from the judged trust, or from the start (the trust
    /// streams moved, or a command read events older than the judged trust), and how often the
    /// trust streams were judged.
    public struct Counts: Sendable, Equatable {
        public var continued = 0
        public var fromTheStart = 0
        public var judged = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var counts: Counts { state.withLock { $0.counts } }

    var current: JudgedTrust? { state.withLock { $0.judged } }

    func keep(_ trust: JudgedTrust?) {
        state.withLock {
            $0.judged = trust
            if trust != nil { $0.counts.judged += 1 }
        }
    }

    /// `requested` read and judged going on from the judged trust (judged first if this process
    /// has none), with the events read; nil when the command must be judged from the start: the
    /// trust streams moved on (they are judged again at the next command), or the command reads
    /// an event older than the last one judged.
    func continuing(
        _ requested: Set<LedgerStream>, restored: [LedgerStream: LoadedStreams.Restored], on connection: PostgresConnection
    ) async throws -> (LoadedStreams, [RecordedEvent])? {
        let judged: JudgedTrust
        if let current {
            judged = current
        } else {
            judged = try await JudgedTrust.judge(on: connection)
            keep(judged)
        }
        let trusted = Set(judged.streams.map(\.name))
        let recorded = try await LedgerStore.commands(
            on: requested.union(judged.streams),
            after: { judged.streams.contains($0) ? judged.loaded.version($0) : (restored[$0]?.version ?? 0) }, on: connection)
        var loaded: LoadedStreams?
        if recorded.contains(where: { trusted.contains($0.stream) }) {
            keep(nil)
        } else if recorded.allSatisfy({ $0.position > judged.through }) {
            loaded = LoadedStreams(continuing: judged, judging: recorded, streams: requested, restored: restored)
        }
        state.withLock {
            if loaded != nil { $0.counts.continued += 1 } else { $0.counts.fromTheStart += 1 }
        }
        return loaded.map { ($0, recorded) }
    }
}
