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

    /// - Parameter remembering: use and fill this process's memory of valid signatures
    ///   (`VerifiedSignatures`): for commands, which read the same streams again and again; not
    ///   for a walk of the whole log.
    static func prepare(_ item: CommandAssembler.Item, keys: KeyRing, remembering: Bool = false) -> PreparedCommand {
        switch item {
        case .unsigned(let events, let reason):
            return PreparedCommand(events: events, outcome: .skipped(reason: reason))
        case .command(let raw):
            return prepare(raw, keys: keys, remembering: remembering)
        }
    }

    private static func prepare(_ raw: CommandAssembler.RawCommand, keys: KeyRing, remembering: Bool) -> PreparedCommand {
        func isValid(_ signature: [UInt8], _ message: [UInt8], _ key: PublicKey) -> Bool {
            remembering
                ? VerifiedSignatures.shared.isValid(signature: signature, message: message, publicKey: key.bytes)
                : key.isValidSignature(signature, for: message)
        }
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
        let intent: CommandIntent
        do {
            intent = try CommandIntent.decode(json: raw.intentJSON)
        } catch let error as LedgerError {
            prepared.outcome = .skipped(reason: error.message)
            return prepared
        } catch {
            prepared.outcome = .skipped(reason: "the signed command cannot be read: \(error)")
            return prepared
        }
        guard intent.id == raw.envelope.commandID, intent.signer == raw.envelope.signer else {
            prepared.outcome = .skipped(
                reason: "its events name command \(raw.envelope.commandID.uuidString.lowercased()) and key \(raw.envelope.signer), but its signed intent names command \(intent.id.uuidString.lowercased()) and key \(intent.signer)")
            return prepared
        }
        guard let key = keys[intent.signer] else {
            prepared.outcome = .skipped(reason: "signed by key \(intent.signer), which was never enrolled")
            return prepared
        }
        let valid = isValid(raw.signature.bytes, CommandIntent.signedBytes(json: raw.intentJSON), key)
        if valid {
            for entry in entries {
                guard case .deployApproved(let approval) = entry.event, let signer = keys[approval.signerKeyID] else {
                    continue
                }
                let check = KnownSignatures<Ed25519Verifier>.Check(
                    signature: approval.signature.bytes, message: approval.statement.canonicalBytes,
                    publicKey: signer.bytes)
                prepared.approvalChecks[check] = isValid(check.signature, check.message, signer)
            }
        }
        prepared.outcome = .ready(
            RecordedCommand(intent: intent, entries: entries, recordedAt: raw.events[0].recordedAt),
            signatureIsValid: valid)
        return prepared
    }
}
