import Foundation

/// Signature checks already done (on every core, ahead of a walk), answered from memory; any
/// other check goes to `fallback`. The key of a check is the whole of what was checked, so a
/// valid signature copied under another message or key is checked afresh.
public struct KnownSignatures<Fallback: SignatureVerifier>: SignatureVerifier {
    public struct Check: Hashable, Sendable {
        public var signature: [UInt8]
        public var message: [UInt8]
        public var publicKey: [UInt8]

        public init(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) {
            self.signature = signature
            self.message = message
            self.publicKey = publicKey
        }

        /// The signature's bytes alone decide the bucket (they differ for every message and
        /// key); equality still compares all three.
        public func hash(into hasher: inout Hasher) {
            signature.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    public var known: [Check: Bool] = [:]
    public let fallback: Fallback

    public init(fallback: Fallback) {
        self.fallback = fallback
    }

    public mutating func record(_ results: [Check: Bool]) {
        known.merge(results) { old, _ in old }
    }

    public func isValid(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        known[Check(signature: signature, message: message, publicKey: publicKey)]
            ?? fallback.isValid(signature: signature, message: message, publicKey: publicKey)
    }
}
