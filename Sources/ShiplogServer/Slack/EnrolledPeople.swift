import Foundation
import ShiplogCore
import ShiplogLedger
import ShiplogPostgres

/// The approver registry as the ledger judges it, kept until the trust streams move: a slash
/// command maps its Slack user with one indexed query instead of reading and judging them.
/// Only the mapping for replies uses it; every decision reads and judges the streams itself.
actor EnrolledPeople {
    private var cached: (head: Int64, state: ApproverRegistry.State)?

    func current(ledger: LedgerService, pool: PostgresPool) async throws -> ApproverRegistry.State {
        let head = try await pool.withConnection { connection in
            try await connection.query(
                "SELECT coalesce(max(position), 0) FROM events WHERE stream IN ('ledger', 'approvers', 'tokens')"
            )[0].decode(Int64.self, at: 0)
        }
        if let cached, cached.head == head { return cached.state }
        let state = try await ledger.approvers()
        cached = (head, state)
        return state
    }
}
