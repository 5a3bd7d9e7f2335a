import ArgumentParser
import ShiplogLedger
import ShiplogPostgres

extension DatabaseOptions {
    /// The ledger's command side on this database.
    func ledger() async throws -> LedgerService {
        LedgerService(store: LedgerStore(events: EventStore(pool: try await open(maximumConnections: 2))))
    }
}
