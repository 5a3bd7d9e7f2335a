import Foundation

/// Checks a detached signature. The app passes libsodium's Ed25519 (`crypto_sign_verify_detached`);
/// the domain never does cryptography itself.
public protocol SignatureVerifier: Sendable {
    /// True when `signature` is a valid signature of `message` by the key `publicKey`.
    func isValid(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool
}
