import ShiplogCore
import ShiplogCrypto

extension SignedIntent {
    /// Signs `intent` with `key` (whose key id the intent must name).
    public init(_ intent: CommandIntent, signedWith key: SigningKey) throws {
        guard intent.signer.rawValue == key.keyID.description else {
            throw LedgerError(.invalidValue, "the intent names key \(intent.signer), not the signing key \(key.keyID)")
        }
        let json = try intent.json()
        try self.init(json: json, signature: SignatureBytes(key.signature(for: CommandIntent.signedBytes(json: json))))
    }
}
