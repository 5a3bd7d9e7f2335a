import Foundation
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

extension SignedIntent {
    /// An approval: `key` signs the statement of `terms` (valid one approval lifetime from
    /// `now`) and the intent that carries it, on behalf of `principal`.
    public init(approving terms: ApprovalTerms, at now: Date, key: SigningKey, for principal: Principal) throws {
        let now = LedgerTime.truncatedToMicroseconds(now)
        let statement = try terms.statement(at: now, signer: try SignerKeyID(key.keyID.description))
        let signature = SignatureBytes(key.signature(for: statement.canonicalBytes))
        try self.init(
            CommandIntent(
                signer: statement.signer, principal: principal, at: now,
                command: .approveDeploy(statement: statement, signature: signature)),
            signedWith: key)
    }
}
