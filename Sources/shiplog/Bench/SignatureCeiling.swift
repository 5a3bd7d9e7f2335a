import Foundation
import ShiplogCrypto

/// The machine's own ceiling for `verify`: libsodium's Ed25519 verification alone, in a bare
/// loop on every core, over signatures made up front. `shiplog bench ledger` runs it beside
/// `verify` in the same run and prints the ratio, because these machines are shared and noisy.
enum SignatureCeiling {
    /// Verifications per second on all cores, over `count` checks.
    static func measure(count: Int = 200_000) async -> Double {
        let key = SigningKey.generate()
        let messages = (0..<1024).map { index in Array("shiplog-command-v1\ncommand=\(index)\nevent=\(UUID())\n".utf8) }
        let signatures = messages.map { key.signature(for: $0) }
        let publicKey = key.publicKey
        let lanes = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let clock = ContinuousClock()
        let start = clock.now
        let valid = await withTaskGroup(of: Int.self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    var valid = 0
                    for index in stride(from: lane, to: count, by: lanes) {
                        let slot = index % messages.count
                        if publicKey.isValidSignature(signatures[slot], for: messages[slot]) { valid += 1 }
                    }
                    return valid
                }
            }
            return await group.reduce(0, +)
        }
        let seconds = (clock.now - start).seconds
        precondition(valid == count, "a signature made here did not verify")
        return Double(count) / seconds
    }
}
