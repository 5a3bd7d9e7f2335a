import Foundation
import ShiplogPostgres
import ShiplogSlack

/// Remembers the signatures of the Slack requests acted on, in PostgreSQL (migration 0009), so a
/// signed request is acted on once, whichever replica gets it, whenever it comes back.
public struct SlackReplayGuard: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Records `request`; throws `.replayed` when its signature was seen before.
    public func admit(_ request: VerifiedSlackRequest, now: Date = Date()) async throws {
        let oldest = Int64(now.timeIntervalSince1970) - 2 * SlackVerifier.tolerance
        // One round trip, in the statement's own transaction. The row need not wait for its own
        // disk flush (synchronous_commit off for this transaction alone): what a request writes
        // to the ledger commits synchronously after it, and the log flushes everything before.
        let first = try await pool.withConnection { connection in
            let rows = try await connection.query(
                """
                WITH unflushed AS (SELECT set_config('synchronous_commit', 'off', true))
                INSERT INTO slack_requests (signature, request_timestamp)
                SELECT \(request.signature), \(request.timestamp) FROM unflushed
                ON CONFLICT (signature) DO NOTHING RETURNING 1
                """)
            // Keep the table to the window: a cheap, indexed delete now and then.
            if request.timestamp % 16 == 0 {
                try await connection.query("DELETE FROM slack_requests WHERE request_timestamp < \(oldest)")
            }
            return !rows.isEmpty
        }
        guard first else {
            throw SlackRequestError(.replayed, "this signed Slack request was already received: a replay, or a retry of one acted on")
        }
    }
}
