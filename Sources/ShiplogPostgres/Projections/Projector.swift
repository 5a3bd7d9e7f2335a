/// Keeps the projection tables (migrations/0002_projections.sql) in step with the log.
///
/// The work runs inside PostgreSQL, set-based: `shiplog_project_batch` locks the checkpoint
/// row, applies the next range of positions up to the committed head with a few statements
/// over `events`, and advances the checkpoint, all in one transaction. So a crash never applies
/// an event twice, two projectors (the server's and a CLI's) take turns instead of racing, and
/// no event is skipped, because positions become visible in order.
public struct Projector: Sendable {
    /// The checkpoint every projection table shares: they are all kept by one function.
    public static let checkpointName = "ledger"

    public let pool: PostgresPool
    /// Positions applied per transaction by `catchUp()`.
    public let batchSize: Int
    /// Positions applied per statement by `rebuild()` (the whole rebuild is one transaction).
    public let rebuildBatchSize: Int

    public init(pool: PostgresPool, batchSize: Int = 50_000, rebuildBatchSize: Int = 250_000) {
        precondition(batchSize > 0 && rebuildBatchSize > 0, "a projector batch needs at least one event")
        self.pool = pool
        self.batchSize = batchSize
        self.rebuildBatchSize = rebuildBatchSize
    }

    /// Applies every event committed since the checkpoint and returns how many it applied.
    ///
    /// When nothing is new this costs one indexed query, so callers may run it before every read.
    @discardableResult
    public func catchUp() async throws -> Int {
        try await pool.withConnection { connection in
            try await Self.catchUp(on: connection, batchSize: batchSize)
        }
    }

    /// `catchUp()` on a connection the caller holds (e.g. the server's projector service).
    @discardableResult
    public static func catchUp(on connection: PostgresConnection, batchSize: Int = 50_000) async throws -> Int {
        do {
            let position = try await position(on: connection)
            guard position.head > position.checkpoint else { return 0 }
            var applied = 0
            while true {
                let batch = try await applyBatch(on: connection, limit: batchSize)
                applied += batch
                if batch < batchSize { return applied }
            }
        } catch {
            throw ProjectionError.wrapping(error, doing: "bringing the projections up to date")
        }
    }

    /// Empties the projection tables and replays the whole log, in one transaction: a reader
    /// waits for it to finish rather than see half-built tables, and a failure leaves the old
    /// ones. Returns how many events it applied.
    @discardableResult
    public func rebuild() async throws -> Int {
        let rebuildBatchSize = rebuildBatchSize
        return try await pool.withConnection { connection in
            do {
                return Int(
                    try await connection.query(
                        "SELECT shiplog_projection_rebuild(\(Self.checkpointName), \(Int64(rebuildBatchSize)))"
                    )[0].decode(Int64.self, at: 0)
                )
            } catch {
                throw ProjectionError.wrapping(error, doing: "rebuilding the projections")
            }
        }
    }

    /// Where the projections are, and where the log is.
    public func position() async throws -> ProjectionPosition {
        try await pool.withConnection { connection in
            do {
                return try await Self.position(on: connection)
            } catch {
                throw ProjectionError.wrapping(error, doing: "reading the projection checkpoint")
            }
        }
    }

    static func position(on connection: PostgresConnection) async throws -> ProjectionPosition {
        let (checkpoint, head) = try await connection.query(
            """
            SELECT coalesce((SELECT position FROM projection_checkpoints WHERE name = \(checkpointName)), 0),
                   (SELECT position FROM shiplog_head)
            """
        )[0].decode((Int64, Int64).self)
        return ProjectionPosition(checkpoint: checkpoint, head: head)
    }

    private static func applyBatch(on connection: PostgresConnection, limit: Int) async throws -> Int {
        Int(
            try await connection.query("SELECT shiplog_project_batch(\(checkpointName), \(Int64(limit)))")[0]
                .decode(Int64.self, at: 0)
        )
    }
}
