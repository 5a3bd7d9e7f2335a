import Foundation
import ShiplogCore
import ShiplogCrypto

/// The public key behind each key id the log has ever named in an enrollment.
///
/// A key id is a fingerprint of its public key, so a key id has one public key whoever
/// enrolled it: signatures can be checked ahead of the walk, on every core. Whether the
/// signer was enrolled, not revoked, and allowed to sign is the judge's question, asked in
/// log order (`LedgerJudge`).
struct KeyRing: Sendable {
    private(set) var keys: [SignerKeyID: PublicKey] = [:]

    static let introducingTypes: Set<String> = ["LedgerInitialized", "AdminAdded", "ApproverEnrolled"]

    /// Learns the key an enrollment event names (a key whose id does not match it is ignored).
    mutating func learn(from event: RecordedEvent) {
        guard Self.introducingTypes.contains(event.type),
            let decoded = try? LedgerEvent.decode(type: event.type, payloadJSON: event.payload)
        else { return }
        switch decoded {
        case .ledgerInitialized(let e): learn(e.keyID, e.publicKey)
        case .adminAdded(let e): learn(e.keyID, e.publicKey)
        case .approverEnrolled(let e): learn(e.keyID, e.publicKey)
        default: break
        }
    }

    mutating func learn(_ keyID: SignerKeyID, _ bytes: PublicKeyBytes) {
        guard keys[keyID] == nil, let key = try? PublicKey(bytes: bytes.bytes), key.keyID.description == keyID.rawValue
        else { return }
        keys[keyID] = key
    }

    subscript(_ keyID: SignerKeyID) -> PublicKey? { keys[keyID] }
}
