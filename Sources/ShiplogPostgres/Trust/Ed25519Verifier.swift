import ShiplogCore
import ShiplogCrypto

/// The domain's signature check, done with libsodium's Ed25519.
public struct Ed25519Verifier: SignatureVerifier {
    public init() {}

    public func isValid(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard let key = try? PublicKey(bytes: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}
