import ArgumentParser
import ShiplogCrypto
import ShiplogLedger
import ShiplogPostgres

extension DatabaseOptions {
    /// The ledger's command side on this database, for reading.
    func ledger() async throws -> LedgerService {
        LedgerService(store: LedgerStore(events: EventStore(pool: try await open(maximumConnections: 2))))
    }

    /// The ledger's command side for commands signed with `key`'s key, which also signs and
    /// trusts this user's snapshots of long streams (so the next command reads only what is new).
    func ledger(_ key: KeyOptions) async throws -> (LedgerService, SigningKey) {
        let signer = try key.load()
        let store = LedgerStore(events: EventStore(pool: try await open(maximumConnections: 2)), snapshotKey: signer)
        return (LedgerService(store: store), signer)
    }
}
