import ShiplogPostgres

/// Every projection table's rows as JSON text, in key order: two snapshots are equal exactly
/// when the tables hold the same rows.
enum ProjectionSnapshot {
    static let tables: [(name: String, order: String)] = [
        ("deploy_history", "id"),
        ("deploy_participants", "actor, requested_at, deploy_id, role"),
        ("builds", "service, version"),
        ("environment_services", "environment, service"),
        ("environment_locks", "environment, service"),
        ("active_alarms", "alarm"),
    ]

    static func take(_ pool: PostgresPool) async throws -> [String: String] {
        try await pool.withConnection { connection in
            var snapshot: [String: String] = [:]
            for table in tables {
                snapshot[table.name] = try await connection.query(
                    "SELECT coalesce(json_agg(t ORDER BY \(unsafeRaw: table.order)), '[]')::text FROM \(unsafeRaw: table.name) t"
                )[0].decode(String.self, at: 0)
            }
            return snapshot
        }
    }
}
