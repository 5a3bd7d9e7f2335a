import Logging
import ServiceLifecycle

/// The pool's part in a server's life: it lends connections while the server runs and, at
/// graceful shutdown, stops lending and closes them (`PostgresPool.shutDown()`). Put it in the
/// `ServiceGroup` after the services that use the pool, so they stop first.
public struct PostgresPoolService: Service {
    public let pool: PostgresPool
    public let logger: Logger

    public init(pool: PostgresPool, logger: Logger = Logger(label: "shiplog.postgres")) {
        self.pool = pool
        self.logger = logger
    }

    public func run() async throws {
        // Returns at graceful shutdown; throws when the task is cancelled instead.
        try? await gracefulShutdown()
        await pool.shutDown()
        logger.info("database pool shut down")
    }
}
