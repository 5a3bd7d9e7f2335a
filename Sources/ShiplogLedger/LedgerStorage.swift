import ShiplogCore
import ShiplogCrypto
import ShiplogPostgres

/// Where the ledger's commands read and write: PostgreSQL (`LedgerStore`) or memory
/// (`InMemoryLedgerStorage`). Either way a load is judged (`LoadedStreams`: only what counts
/// reaches a decision) and a commit is one signed command appended all or nothing, guarding
/// every stream the decision read.
public protocol LedgerStorage: Sendable {
    /// Reads `streams` (and the rest of every command that wrote to them), judged.
    func load(_ streams: [LedgerStream]) async throws -> LoadedStreams

    /// Appends `decision`, decided for the signed intent `signed`, atomically; every loaded
    /// stream must still be at its loaded version, or it throws `LedgerError` `.raceLost` and
    /// writes nothing.
    @discardableResult
    func commit(_ decision: Decision, loaded: LoadedStreams, signed: SignedIntent, actor: String) async throws
        -> [AppendResult]
}

extension LedgerStore: LedgerStorage {}
