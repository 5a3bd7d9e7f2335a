/// Keeps the projection tables (migrations/0002_projections.sql) in step with the log.
///
/// Only events that count reach the projections: the projector first judges the new stretch
/// of the log (`RangeJudge`, the same judge as the gate and `verify`), then
/// `shiplog_project_judged` locks the checkpoint row, records the events that do not count in
/// `skipped_events`, applies the rest set-based with a few statements over `events`, and
/// advances the checkpoint, all in one transaction. So a crash never applies an event twice,
/// two projectors (the server's and a CLI's) take turns instead of racing (the loser judges
/// again from the new checkpoint), and no event is missed, because positions become visible
/// in order.
public struct Projector: Sendable {
    /// The checkpoint every projection table shares: they are all kept by one function.
    public static let checkpointName = "ledger"

    public let pool: PostgresPool
    /// Positions applied per transaction by `catchUp()`.
    public let batchSize: Int
    /// Positions applied per statement by `rebuild()` (the whole rebuild is one transaction).
    public let rebuildBatchSize: Int
    /// The judged trust streams a long-lived process keeps (the server's): a short stretch is
    /// judged on from them instead of from the start (`JudgedTrust`).
    public let trust: TrustCache?

    public init(pool: PostgresPool, batchSize: Int = 50_000, rebuildBatchSize: Int = 250_000, trust: TrustCache? = nil) {
        precondition(batchSize > 0 && rebuildBatchSize > 0, "a projector batch needs at least one event")
        self.pool = pool
        self.batchSize = batchSize
        self.rebuildBatchSize = rebuildBatchSize
        self.trust = trust
    }

    /// Applies every event committed since the checkpoint and returns how many it applied.
    ///
    /// When nothing is new this costs one indexed query, so callers may run it before every read.
    @discardableResult
    public func catchUp() async throws -> Int {
        try await pool.withConnection { connection in
            try await Self.catchUp(on: connection, batchSize: batchSize, trust: trust)
        }
    }

    /// `catchUp()` on a connection the caller holds (e.g. the server's projector service).
    @discardableResult
    public static func catchUp(on connection: PostgresConnection, batchSize: Int = 50_000, trust: TrustCache? = nil) async throws
        -> Int
    {
        do {
            var applied = 0
            while true {
                let position = try await position(on: connection)
                guard position.head > position.checkpoint else { return applied }
                let from = position.checkpoint + 1
                let skipped = try await RangeJudge.skipped(from: from, through: position.head, on: connection, trust: trust)
                var start = from
                var moved = false
                while start <= position.head {
                    let end = min(position.head, start + Int64(batchSize) - 1)
                    let batch = skipped.filter { (start...end).contains($0.position) }
                    let done = try await applyJudged(from: start, through: end, skipped: batch, on: connection)
                    if done < 0 {
                        moved = true
                        break
                    }
                    applied += Int(done)
                    start = end + 1
                }
                if !moved { return applied }
            }
        } catch {
            throw ProjectionError.wrapping(error, doing: "bringing the projections up to date")
        }
    }

    /// Empties the projection tables and replays the whole log, in one transaction: a reader
    /// waits for it to finish rather than see half-built tables, and a failure leaves the old
    /// ones. The log is judged first, so the rebuilt tables leave out what does not count.
    /// Returns how many events it applied.
    @discardableResult
    public func rebuild() async throws -> Int {
        let rebuildBatchSize = rebuildBatchSize
        let pool = pool
        return try await pool.withConnection { connection in
            do {
                let head = try await EventStore.head(on: connection).position
                let skipped = try await RangeJudge.walk(through: head, on: connection, batchSize: 10_000)
                return Int(
                    try await connection.query(
                        """
                        SELECT shiplog_projection_rebuild_judged(\(Self.checkpointName), \(Int64(rebuildBatchSize)), \(head),
                                                                 \(skipped.map(\.position))::bigint[], \(skipped.map(\.reason))::text[])
                        """
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

    /// Applies `from...end` leaving out `skipped`, if the checkpoint is still at `from - 1`;
    /// returns how many positions it applied, or -1 when another projector moved on first.
    private static func applyJudged(
        from: Int64, through end: Int64, skipped: [(position: Int64, reason: String)], on connection: PostgresConnection
    ) async throws -> Int64 {
        try await connection.query(
            """
            SELECT shiplog_project_judged(\(checkpointName), \(from), \(end),
                                          \(skipped.map(\.position))::bigint[], \(skipped.map(\.reason))::text[])
            """
        )[0].decode(Int64.self, at: 0)
    }
}
