/// A fixed-size set of connections lent to one caller at a time.
///
/// Broken connections are dropped rather than returned, so a database that restarts costs
/// the callers that were using it, not every caller after them.
public actor PostgresPool {
    public let configuration: PostgresConfiguration
    public let maximumConnections: Int
    private var idle: [PostgresConnection] = []
    private var open = 0
    /// Callers waiting for a connection, oldest first; a cancelled one leaves the queue.
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextWaiter: UInt64 = 0
    /// Set by `shutDown()`: nothing more is lent.
    private var isShutDown = false

    public init(configuration: PostgresConfiguration, maximumConnections: Int = 8) {
        precondition(maximumConnections > 0, "a pool needs at least one connection")
        self.configuration = configuration
        self.maximumConnections = maximumConnections
    }

    /// Lends a connection to `body` and takes it back afterwards.
    @discardableResult
    public func withConnection<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await checkOut()
        do {
            let value = try await body(connection)
            checkIn(connection)
            return value
        } catch {
            checkIn(connection)
            throw error
        }
    }

    /// Lends a connection to `body` inside BEGIN/COMMIT: everything `body` does on it lands
    /// together or not at all (an append and the rows that must ride with it).
    @discardableResult
    public func withTransaction<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection { connection in try await connection.transaction { try await body($0) } }
    }

    /// Closes the idle connections; lent ones close when they come back.
    public func close() {
        open -= idle.count
        idle.removeAll()
    }

    /// Stops lending for good (graceful shutdown, `PostgresPoolService`): callers waiting for a
    /// connection and every later one get `.connectionClosed`; idle connections close now, lent
    /// ones when their callers finish with them.
    public func shutDown() {
        isShutDown = true
        close()
        for waiter in waiters { waiter.continuation.resume(throwing: Self.shutDownError()) }
        waiters.removeAll()
    }

    private static func shutDownError() -> PostgresError {
        PostgresError(code: .connectionClosed, message: "the database pool is shut down: the server is stopping")
    }

    private func checkOut() async throws -> PostgresConnection {
        while true {
            guard !isShutDown else { throw Self.shutDownError() }
            if let connection = idle.popLast() { return connection }
            if open < maximumConnections {
                open += 1
                do {
                    return try await PostgresConnection.connect(configuration)
                } catch {
                    open -= 1
                    resumeOneWaiter()
                    throw error
                }
            }
            try await waitForConnection()
        }
    }

    /// Waits until a connection comes back; a cancelled caller stops waiting at once
    /// (`CancellationError`) and takes nobody's turn.
    private func waitForConnection() async throws {
        nextWaiter += 1
        let id = nextWaiter
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    private func checkIn(_ connection: PostgresConnection) {
        if connection.isHealthy && !isShutDown {
            idle.append(connection)
        } else {
            open -= 1
        }
        resumeOneWaiter()
    }

    private func resumeOneWaiter() {
        if !waiters.isEmpty { waiters.removeFirst().continuation.resume() }
    }
}
