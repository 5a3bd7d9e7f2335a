import Foundation
import ShiplogCore

/// A deterministic fake key pair for a named test actor.
struct TestKey {
    let name: ActorName
    let publicKey: PublicKeyBytes
    let keyID: SignerKeyID

    init(name: ActorName, publicKey: PublicKeyBytes, keyID: SignerKeyID) {
        self.name = name
        self.publicKey = publicKey
        self.keyID = keyID
    }

    init(_ name: String) {
        self.name = try! ActorName(name)
        var bytes: [UInt8] = []
        for round in UInt8(0)..<4 {
            let hash = ChecksumSignatureVerifier.fnv1a([round] + Array(name.utf8))
            bytes += withUnsafeBytes(of: hash.littleEndian, Array.init)
        }
        publicKey = try! PublicKeyBytes(bytes)
        let id = ChecksumSignatureVerifier.fnv1a(Array(("key:" + name).utf8))
        let hex = String(id, radix: 16)
        keyID = try! SignerKeyID(String(repeating: "0", count: 16 - hex.count) + hex)
    }

    var actor: LedgerActor { LedgerActor(name: name, keyID: keyID) }

    func sign(_ statement: ApprovalStatement) -> SignatureBytes {
        SignatureBytes(
            ChecksumSignatureVerifier.signature(message: statement.canonicalBytes, publicKey: publicKey.bytes))
    }
}
