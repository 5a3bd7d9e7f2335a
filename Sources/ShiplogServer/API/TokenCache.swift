import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import ShiplogPostgres

/// The API tokens as the ledger judges them, read again only when the `tokens` stream moved.
///
/// Judging the stream (every token's admin signature verified, the commands decided again)
/// is most of what a request would cost before its own work; one indexed query says whether
/// anything changed. A token's judgment depends only on the log before it, which never
/// changes, so the state for a version is the state: a revocation is seen by the next
/// request after it commits.
actor TokenCache {
    let ledger: LedgerService
    let events: EventStore
    private var cached: (version: Int64, tokens: TokenRegistry.State)?

    init(ledger: LedgerService, events: EventStore) {
        self.ledger = ledger
        self.events = events
    }

    /// The token whose secret is `secret` (valid or not), or nil when none has it.
    func token(secret: String) async throws -> TokenRegistry.Token? {
        let version = try await events.streamVersion(LedgerStream.tokens.name)
        let tokens: TokenRegistry.State
        if let cached, cached.version == version {
            tokens = cached.tokens
        } else {
            tokens = try await ledger.tokens()
            cached = (version, tokens)
        }
        let hash = Hex.encode(SHA256.hash(Array(secret.utf8)))
        return tokens.tokens.values.first { $0.tokenHash == hash }
    }
}
