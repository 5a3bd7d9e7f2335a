import Foundation
import ShiplogCore

/// Signatures this process already found valid, so a long-running process (the server, a
/// benchmark) does not verify the same commands of the trust root and the approvers again for
/// every command it decides. Exact: a check is remembered with its message and key, and only
/// when it verified. Bounded; a full walk of the log (`verify`) does not use it.
final class VerifiedSignatures: @unchecked Sendable {
    typealias Check = KnownSignatures<Ed25519Verifier>.Check

    static let shared = VerifiedSignatures()
    /// Past this many, the memory starts over.
    static let capacity = 50_000

    private let lock = NSLock()
    private var valid = Set<Check>()

    /// Whether `signature` is valid for `message` by `publicKey`, verifying only what is not known.
    func isValid(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        let check = Check(signature: signature, message: message, publicKey: publicKey)
        if lock.withLock({ valid.contains(check) }) { return true }
        guard Ed25519Verifier().isValid(signature: signature, message: message, publicKey: publicKey) else { return false }
        lock.withLock {
            if valid.count >= Self.capacity { valid.removeAll(keepingCapacity: true) }
            valid.insert(check)
        }
        return true
    }
}
