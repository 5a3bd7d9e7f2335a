import Foundation
import ShiplogCore
import ShiplogCrypto

/// A command decoded and its signatures checked: the part of judging that does not depend on
/// the order of the log, so it runs on any core. The judge then decides, in log order, whether
/// it counts (`LedgerWorld.admit`).
struct PreparedCommand: Sendable {
    enum Outcome: Sendable {
        case ready(RecordedCommand, signatureIsValid: Bool)
        /// Cannot count whatever the state: unsigned, unreadable, an unknown key.
        case skipped(reason: String)
    }

    var events: [RecordedEvent]
    var outcome: Outcome
    /// The approval statements in it, checked against their signers' keys.
    var approvalChecks: [KnownSignatures<Ed25519Verifier>.Check: Bool] = [:]

    /// True when its command signature was checked.
    var isSigned: Bool {
        if case .ready = outcome { return true }
        return false
    }

    /// The position the judgment is reported at: the command's first event.
    var position: Int64 { events.first?.position ?? 0 }

    static func prepare(_ item: CommandAssembler.Item, keys: KeyRing) -> PreparedCommand {
        switch item {
        case .unsigned(let events, let reason):
            return PreparedCommand(events: events, outcome: .skipped(reason: reason))
        case .command(let raw):
            return prepare(raw, keys: keys)
        }
    }

    private static func prepare(_ raw: CommandAssembler.RawCommand, keys: KeyRing) -> PreparedCommand {
        var prepared = PreparedCommand(events: raw.events, outcome: .skipped(reason: ""))
        var entries: [RecordedCommand.Entry] = []
        entries.reserveCapacity(raw.events.count)
        for event in raw.events {
            let decoded: LedgerEvent
            let stream: LedgerStream
            do {
                decoded = try LedgerEvent.decode(type: event.type, payloadJSON: event.payload)
                stream = try LedgerStream(name: event.stream)
            } catch let error as LedgerError {
                prepared.outcome = .skipped(reason: "\(event.type) on \(event.stream) cannot be read: \(error.message)")
                return prepared
            } catch {
                prepared.outcome = .skipped(reason: "\(event.type) on \(event.stream) cannot be read: \(error)")
                return prepared
            }
            entries.append(RecordedCommand.Entry(position: event.position, stream: stream, event: decoded))
        }
        guard let key = keys[raw.envelope.signer] else {
            prepared.outcome = .skipped(reason: "signed by key \(raw.envelope.signer), which was never enrolled")
            return prepared
        }
        let message = raw.envelope.signedBytes(raw.events.map { ($0.stream, $0.type, $0.payload) })
        let valid = key.isValidSignature(raw.signature.bytes, for: message)
        if valid {
            for entry in entries {
                guard case .deployApproved(let approval) = entry.event, let signer = keys[approval.signerKeyID] else {
                    continue
                }
                let check = KnownSignatures<Ed25519Verifier>.Check(
                    signature: approval.signature.bytes, message: approval.statement.canonicalBytes,
                    publicKey: signer.bytes)
                prepared.approvalChecks[check] = signer.isValidSignature(check.signature, for: check.message)
            }
        }
        prepared.outcome = .ready(
            RecordedCommand(
                id: raw.envelope.commandID, signer: raw.envelope.signer, entries: entries,
                recordedAt: raw.events[0].recordedAt),
            signatureIsValid: valid)
        return prepared
    }
}
