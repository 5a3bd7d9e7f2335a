import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogPostgres

/// The ledger in this process, over PostgreSQL: commands through `LedgerService`, reads from
/// the projections, brought up to date with the log before each one. The server answers its
/// `/v1` API with this same client, so both paths build every report the same way.
public struct DirectLedgerClient: LedgerClient {
    public let ledger: LedgerService
    let pool: PostgresPool

    public init(ledger: LedgerService, pool: PostgresPool) {
        self.ledger = ledger
        self.pool = pool
    }

    @discardableResult
    public func submit(_ signed: SignedIntent) async throws -> CommandReceipt { try await ledger.submit(signed) }

    public func sign(_ command: LedgerCommand, with key: SigningKey, for principal: Principal) throws -> SignedIntent {
        try ledger.sign(command, with: key, for: principal)
    }

    public func approve(_ id: String, key: SigningKey, for principal: Principal) async throws {
        try await ledger.approve(id, key: key, for: principal)
    }

    public func deployReport(_ id: String) async throws -> DeployReport { try await ledger.deployReport(id) }

    public func gateReport(_ id: String) async throws -> GateReport { try await ledger.gateReport(id) }

    public func status(environment: String?) async throws -> [ServiceStatus] {
        try await queries().status(environment: environment)
    }

    public func history(_ filter: HistoryFilter) async throws -> [HistoryRow] {
        try await queries().history(filter).map(HistoryRow.init)
    }

    public func audit(actor: String, since: Date?, limit: Int) async throws -> [AuditEntry] {
        try await queries().audit(actor: actor, since: since, limit: limit)
    }

    public func metrics(environment: String?, since: Date) async throws -> [EnvironmentMetrics] {
        try await queries().metrics(environment: environment, since: since)
    }

    /// The read models, caught up with the log (one indexed query when nothing is new).
    private func queries() async throws -> LedgerQueries {
        try await Projector(pool: pool).catchUp()
        return LedgerQueries(pool: pool)
    }
}
