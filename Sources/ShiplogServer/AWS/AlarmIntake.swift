import Foundation
import ShiplogAWS
import ShiplogCore
import ShiplogPostgres

/// What both alarm doors (SNS, EventBridge) do once a delivery is believed: act on it once per
/// delivery id, across restarts and replicas (`sns_messages`, migration 0013), hand the alarm
/// to the rollback watcher, and carry out the rollbacks it starts in the background.
struct AlarmIntake: Sendable {
    let rollbacks: Rollbacks
    let background: RollbackService
    let pool: PostgresPool

    /// Records delivery `id`; false when it was acted on before.
    func firstDelivery(_ id: String, source: String) async throws -> Bool {
        try await pool.withConnection { connection in
            let rows = try await connection.query(
                """
                INSERT INTO sns_messages (message_id, topic_arn) VALUES (\(id), \(source))
                ON CONFLICT (message_id) DO NOTHING RETURNING 1
                """)
            if Int.random(in: 0..<64) == 0 {
                try await connection.query("DELETE FROM sns_messages WHERE received_at < now() - interval '7 days'")
            }
            return !rows.isEmpty
        }
    }

    /// Forgets delivery `id`, whose handling failed, so its redelivery is acted on.
    func forget(_ id: String) async {
        _ = try? await pool.withConnection { connection in
            try await connection.query("DELETE FROM sns_messages WHERE message_id = \(id)")
        }
    }

    /// Records `alarm` (on `principal`'s behalf), starts the rollbacks it calls for and carries
    /// them out in the background; says what it did.
    func act(on alarm: CloudWatchAlarm, receivedAt: Date, for principal: Principal = .signer) async throws -> String {
        let targets = try await LedgerQueries(pool: pool).targets()
        let effect = try await rollbacks.record(alarm, targets: targets, receivedAt: receivedAt, for: principal)
        for id in effect.rollbacks { await background.carryOut(id) }
        ServerMetrics.alarms.increment()
        return "alarm \(alarm.name) \(alarm.state)"
            + (effect.rollbacks.isEmpty ? "" : ": rolling back \(effect.rollbacks.map(\.rawValue).joined(separator: ", "))")
    }
}
