import Foundation
import ShiplogPostgres

/// The outbox's rows: claimed by one worker at a time (`FOR UPDATE SKIP LOCKED`, so several
/// replicas may each run a worker), and marked as they go.
public struct OutboxStore: Sendable {
    public let pool: PostgresPool
    /// How long a claimed row is left to its worker before another may take it (the worker may
    /// have died in the middle of a delivery).
    public let claim: TimeInterval

    public init(pool: PostgresPool, claim: TimeInterval = 60) {
        self.pool = pool
        self.claim = claim
    }

    /// Takes up to `limit` due rows, oldest first.
    func claimDue(limit: Int = 20) async throws -> [OutboxEntry] {
        try await pool.withConnection { connection in
            try Self.entries(
                await connection.query(
                    """
                    UPDATE outbox SET claimed_until = clock_timestamp() + make_interval(secs => \(claim)),
                                      claims = claims + 1
                     WHERE id IN (SELECT id FROM outbox
                                   WHERE state = 'pending' AND next_attempt_at <= clock_timestamp()
                                     AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
                                   ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                    RETURNING \(unsafeRaw: Self.columns)
                    """)
            ).sorted { $0.id < $1.id }
        }
    }

    func delivered(_ id: Int64) async throws {
        try await update(id, "state = 'delivered', delivered_at = clock_timestamp(), claimed_until = NULL, attempts = attempts + 1, last_error = NULL")
    }

    func skipped(_ id: Int64, reason: String) async throws {
        try await pool.withConnection { connection in
            _ = try await connection.query(
                "UPDATE outbox SET state = 'skipped', last_error = \(reason), claimed_until = NULL WHERE id = \(id)")
        }
    }

    func failed(_ id: Int64, error: String) async throws {
        try await pool.withConnection { connection in
            _ = try await connection.query(
                "UPDATE outbox SET state = 'failed', last_error = \(error), attempts = attempts + 1, claimed_until = NULL WHERE id = \(id)")
        }
    }

    /// Tries again after `delay`.
    func retry(_ id: Int64, error: String, after delay: TimeInterval) async throws {
        try await pool.withConnection { connection in
            _ = try await connection.query(
                """
                UPDATE outbox SET attempts = attempts + 1, last_error = \(error), claimed_until = NULL,
                       next_attempt_at = clock_timestamp() + make_interval(secs => \(delay))
                 WHERE id = \(id)
                """)
        }
    }

    /// The Slack message a subject already has: its channel and `ts`.
    func message(for subject: String) async throws -> (channel: String, ts: String)? {
        try await pool.withConnection { connection in
            try await connection.query("SELECT channel, ts FROM slack_messages WHERE subject = \(subject)").first
                .map { try $0.decode((String, String).self) }
        }
    }

    func recordMessage(subject: String, channel: String, ts: String) async throws {
        try await pool.withConnection { connection in
            _ = try await connection.query(
                """
                INSERT INTO slack_messages (subject, channel, ts) VALUES (\(subject), \(channel), \(ts))
                ON CONFLICT (subject) DO NOTHING
                """)
        }
    }

    /// Every row, newest first (`shiplog outbox list`); only permanent failures with `failed`.
    public func list(failedOnly: Bool = false, limit: Int = 100) async throws -> [OutboxEntry] {
        try await pool.withConnection { connection in
            try Self.entries(
                await connection.query(
                    """
                    SELECT \(unsafeRaw: Self.columns) FROM outbox
                     WHERE \(!failedOnly) OR state = 'failed' ORDER BY id DESC LIMIT \(limit)
                    """))
        }
    }

    /// Rows still to deliver, and rows that failed for good.
    public func depth() async throws -> (pending: Int64, failed: Int64) {
        try await pool.withConnection { connection in
            try await connection.query(
                "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'failed') FROM outbox"
            )[0].decode((Int64, Int64).self)
        }
    }

    static let columns = """
        id, position, event_type, subject, state, attempts, claims, last_error,
        (extract(epoch FROM created_at) * 1000000)::bigint, (extract(epoch FROM delivered_at) * 1000000)::bigint
        """

    private static func entries(_ rows: PostgresRows) throws -> [OutboxEntry] {
        try rows.map { row in
            let (id, position, type, subject, state, attempts, claims, error, created, delivered) = try row.decode(
                (Int64, Int64, String, String, String, Int, Int, String?, Int64, Int64?).self)
            return OutboxEntry(
                id: id, position: position, eventType: type, subject: subject, state: state, attempts: attempts, claims: claims,
                lastError: error, createdAt: Date(timeIntervalSince1970: Double(created) / 1e6),
                deliveredAt: delivered.map { Date(timeIntervalSince1970: Double($0) / 1e6) })
        }
    }

    private func update(_ id: Int64, _ assignments: String) async throws {
        try await pool.withConnection { connection in
            _ = try await connection.query("UPDATE outbox SET \(unsafeRaw: assignments) WHERE id = \(id)")
        }
    }
}
