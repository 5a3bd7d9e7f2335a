import Foundation
import ShiplogCore
import ShiplogPostgres

/// The one client protocol: everything the CLI asks of the ledger, with two implementations:
/// in-process over PostgreSQL (`DirectLedgerClient`, `DATABASE_URL` or the embedded
/// database) and through a server's `/v1` API (`HTTPLedgerClient`, `SHIPLOG_URL` and
/// `SHIPLOG_TOKEN`). Either way the same reports come back, so the CLI prints the same text
/// and the same `--json`.
public protocol LedgerClient: LedgerCommands {
    /// A deploy's whole story (`show`).
    func deployReport(_ id: String) async throws -> DeployReport
    /// May it start, and who may still approve (`deploy gate`, `deploy wait`).
    func gateReport(_ id: String) async throws -> GateReport
    /// What runs where (`status`).
    func status(environment: String?) async throws -> [ServiceStatus]
    /// Deploys, newest first (`history`).
    func history(_ filter: HistoryFilter) async throws -> [HistoryRow]
    /// Everything one person did (`audit`).
    func audit(actor: String, since: Date?, limit: Int) async throws -> [AuditEntry]
    /// DORA metrics per environment (`metrics`).
    func metrics(environment: String?, since: Date) async throws -> [EnvironmentMetrics]
}
