/// A fixed-size set of connections lent to one caller at a time.
///
/// Broken connections are dropped rather than returned, so a database that restarts costs
/// the callers that were using it, not every caller after them.
public actor PostgresPool {
    public let configuration: PostgresConfiguration
    public let maximumConnections: Int
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

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

    /// Closes the idle connections; lent ones close when they come back.
    public func close() {
        open -= idle.count
        idle.removeAll()
    }

    private func checkOut() async throws -> PostgresConnection {
        while true {
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
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    private func checkIn(_ connection: PostgresConnection) {
        if connection.isHealthy {
            idle.append(connection)
        } else {
            open -= 1
        }
        resumeOneWaiter()
    }

    private func resumeOneWaiter() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}
