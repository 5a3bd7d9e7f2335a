import Foundation
import ShiplogCore

/// The judge following the log in order: groups events into commands, checks their
/// signatures, and admits each into the world only when it counts (`LedgerJudge`).
///
/// `shiplog verify` and a projection rebuild walk the whole log (`prepare` runs on every core,
/// `admit` in order); a command reads a few streams and judges them inline (`judge`).
struct TrustWalk: Sendable {
    private(set) var world: LedgerWorld
    private(set) var keys = KeyRing()
    private var assembler = CommandAssembler()
    private var known = KnownSignatures(fallback: Ed25519Verifier())

    /// One command (or unsigned run of events) and whether it counts.
    struct Judged: Sendable {
        var events: [RecordedEvent]
        var command: RecordedCommand?
        var judgment: Judgment

        var position: Int64 { events.first?.position ?? 0 }
    }

    init(world: LedgerWorld = LedgerWorld()) {
        self.world = world
    }

    /// This walk (its world, the keys it learned, the signatures it checked) going on with
    /// `streams` loaded too.
    func loading(_ streams: Set<LedgerStream>) -> TrustWalk {
        with(world: world.loading(streams))
    }

    /// This walk going on from `world` (the same world with snapshots restored into it).
    func with(world: LedgerWorld) -> TrustWalk {
        var walk = self
        walk.world = world
        return walk
    }

    /// Judges `events` (in log order) here and now.
    mutating func judge(_ events: [RecordedEvent]) -> [Judged] {
        for event in events { keys.learn(from: event) }
        var items = events.flatMap { assembler.add($0) }
        items += assembler.finish()
        return admit(items.map { PreparedCommand.prepare($0, keys: keys, remembering: true) })
    }

    /// The ordered first half of a batch: learns its keys and groups its commands. A command
    /// still open at the end of the batch is completed by the next one.
    mutating func assemble(_ events: [RecordedEvent], last: Bool) -> [CommandAssembler.Item] {
        for event in events { keys.learn(from: event) }
        var items = events.flatMap { assembler.add($0) }
        if last { items += assembler.finish() }
        return items
    }

    /// The ordered second half: decides, command by command, what counts.
    mutating func admit(_ prepared: [PreparedCommand]) -> [Judged] {
        prepared.map { prepared in
            known.record(prepared.approvalChecks)
            switch prepared.outcome {
            case .skipped(let reason):
                return Judged(events: prepared.events, command: nil, judgment: .skipped(reason: reason))
            case .ready(let command, let signatureIsValid):
                let judgment = world.admit(command, signatureIsValid: signatureIsValid, verifier: known)
                return Judged(events: prepared.events, command: command, judgment: judgment)
            }
        }
    }
}
