import Foundation
import ShiplogCore

/// Streams read for one decision: the events that count, the version each stream was at (so
/// the decision appends with exactly those expected versions, and fails if any stream it read
/// moved on), and the events that do not count, with the reason.
public struct LoadedStreams: Sendable {
    /// An event the judge did not count (`LedgerJudge`): never acted on, shown as such.
    public struct Skipped: Sendable, Hashable, Codable {
        public var position: Int64
        public var stream: String
        public var type: String
        public var reason: String
    }

    /// A stream's judged state as a signed snapshot held it (`StreamSnapshot`).
    public struct Restored: Sendable {
        public var stateJSON: String
        public var version: Int64
        public var position: Int64

        public init(stateJSON: String, version: Int64, position: Int64) {
            self.stateJSON = stateJSON
            self.version = version
            self.position = position
        }
    }

    /// The counted events of each loaded stream, in log order (for a stream started from a
    /// snapshot, only those after it: read its state from `world`).
    public private(set) var events: [LedgerStream: [LedgerEvent]] = [:]
    var versions: [LedgerStream: Int64] = [:]
    /// Events of the loaded streams that do not count, in log order.
    public private(set) var skipped: [Skipped] = []
    /// The positions of the loaded streams' events that count.
    public private(set) var counted: Set<Int64> = []
    /// The streams read whole.
    public let streams: Set<LedgerStream>
    /// Every aggregate of the loaded streams, folded from what counts.
    public private(set) var world: LedgerWorld
    /// The database's clock when the streams were read.
    public var databaseTime: Date?

    /// Judges `recorded` (the loaded streams' events and the rest of their commands, in log
    /// order) and keeps what counts; a stream in `restored` starts from that snapshot's state,
    /// and `recorded` holds only its events after it.
    public init(judging recorded: [RecordedEvent], streams: Set<LedgerStream>, restored: [LedgerStream: Restored] = [:]) {
        var walk = TrustWalk()
        self.init(judging: recorded, streams: streams, restored: restored, walk: &walk)
    }

    /// The same, handing back the walk as it ended (to go on from, `JudgedTrust`).
    init(judging recorded: [RecordedEvent], streams: Set<LedgerStream>, restored: [LedgerStream: Restored], walk: inout TrustWalk) {
        self.streams = streams
        self.world = LedgerWorld(loaded: streams)
        walk = TrustWalk(world: world)
        judge(recorded, restored: restored, walk: &walk)
    }

    /// Goes on from `base` (the trust streams judged earlier, `JudgedTrust`) with `streams`
    /// loaded too: `recorded` holds their events, every one after the last `base` judged, and
    /// none of `base`'s own streams. The same as judging them all from the start.
    init(continuing base: JudgedTrust, judging recorded: [RecordedEvent], streams: Set<LedgerStream>, restored: [LedgerStream: Restored]) {
        let all = streams.union(base.loaded.streams)
        self.streams = all
        self.events = base.loaded.events
        self.versions = base.loaded.versions
        self.skipped = base.loaded.skipped
        self.counted = base.loaded.counted
        var walk = base.walk.loading(all)
        self.world = walk.world
        judge(recorded, restored: restored, walk: &walk)
    }

    private mutating func judge(_ recorded: [RecordedEvent], restored: [LedgerStream: Restored], walk: inout TrustWalk) {
        for (stream, snapshot) in restored {
            // The caller checked that it verifies and decodes (`StreamSnapshot.read`).
            do {
                try world.restore(stream, from: snapshot.stateJSON, through: snapshot.position)
            } catch {
                preconditionFailure("a snapshot checked by StreamSnapshot.read no longer decodes: \(error)")
            }
            versions[stream] = snapshot.version
        }
        walk = walk.with(world: world)
        let names = Dictionary(uniqueKeysWithValues: streams.map { ($0.name, $0) })
        for event in recorded {
            if let stream = names[event.stream] { versions[stream] = max(versions[stream] ?? 0, event.streamVersion) }
        }
        defer { world = walk.world }
        for judged in walk.judge(recorded) {
            switch judged.judgment {
            case .counted:
                for entry in judged.command?.entries ?? []
                where streams.contains(entry.stream) && entry.position > world.knownThrough[entry.stream, default: 0] {
                    events[entry.stream, default: []].append(entry.event)
                    counted.insert(entry.position)
                }
            case .skipped(let reason):
                for event in judged.events where names[event.stream] != nil {
                    skipped.append(Skipped(position: event.position, stream: event.stream, type: event.type, reason: reason))
                }
            }
        }
    }

    /// The aggregate's state from its stream's counted events (initial when there are none).
    public func state<A: Aggregate>(_: A.Type, _ stream: LedgerStream) -> A.State {
        A.replay(events[stream] ?? [])
    }

    public func version(_ stream: LedgerStream) -> Int64 { versions[stream] ?? 0 }

    /// The deploy aggregate's whole context, when its streams were loaded.
    public func deployContext(id: DeployID, environment: Environment, service: ServiceName) -> Deploy.Context {
        world.deployContext(id: id, environment: environment, service: service)
    }
}
