import Foundation
import ShiplogCore

/// TEST DOUBLE, not cryptography: a "signature" is a keyed checksum of the message under the
/// public key (FNV-1a, expanded to 64 bytes). Anyone can forge it; it only lets the domain's
/// tests tell a right signature from a wrong one deterministically.
struct ChecksumSignatureVerifier: SignatureVerifier {
    func isValid(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        signature == Self.signature(message: message, publicKey: publicKey)
    }

    static func signature(message: [UInt8], publicKey: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for round in UInt8(0)..<8 {
            let hash = fnv1a([round] + publicKey + message)
            out += withUnsafeBytes(of: hash.littleEndian, Array.init)
        }
        return out
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
