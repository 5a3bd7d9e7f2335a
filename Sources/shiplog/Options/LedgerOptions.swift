import ArgumentParser
import Foundation
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

    /// Where the ledger commands go: a server's `/v1` API when `SHIPLOG_URL` is set (and no
    /// `--database-url` was given), else this database.
    func client() async throws -> any LedgerClient {
        if let server = try RemoteServer.chosen(unless: databaseURL) { return server.client() }
        let pool = try await open(maximumConnections: 2)
        return DirectLedgerClient(ledger: LedgerService(store: LedgerStore(events: EventStore(pool: pool))), pool: pool)
    }

    /// `client()` for commands signed with `key`'s key.
    func client(_ key: KeyOptions) async throws -> (any LedgerClient, SigningKey) {
        let signer = try key.load()
        if let server = try RemoteServer.chosen(unless: databaseURL) { return (server.client(), signer) }
        let pool = try await open(maximumConnections: 2)
        let store = LedgerStore(events: EventStore(pool: pool), snapshotKey: signer)
        return (DirectLedgerClient(ledger: LedgerService(store: store), pool: pool), signer)
    }
}

/// A Shiplog server the CLI talks to instead of a database: `SHIPLOG_URL` and `SHIPLOG_TOKEN`.
struct RemoteServer {
    var url: String
    var token: String

    /// The server in the environment, unless the user named a database on the command line.
    static func chosen(
        unless databaseURL: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> RemoteServer? {
        guard databaseURL == nil, let url = environment["SHIPLOG_URL"], !url.isEmpty else { return nil }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw ValidationError("SHIPLOG_URL must be the server's http:// or https:// address; got '\(url)'")
        }
        guard let token = environment["SHIPLOG_TOKEN"], !token.isEmpty else {
            throw ValidationError(
                "SHIPLOG_URL is set but SHIPLOG_TOKEN is not: the server takes an API token (an admin creates one with shiplog tokens create NAME)")
        }
        return RemoteServer(url: url, token: token)
    }

    func client() -> HTTPLedgerClient { HTTPLedgerClient(url: url, token: token) }
}
