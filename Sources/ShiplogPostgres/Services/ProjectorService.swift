import Logging
import ServiceLifecycle

/// Keeps the projections caught up for as long as a server runs: it catches up, then waits for
/// the NOTIFY every append sends at commit (or `pollInterval`, should a notification be lost
/// or the listening connection break), and again, until graceful shutdown. A stretch it is
/// applying when shutdown comes is finished (a stretch commits whole); the wait is not.
///
/// Run it in the server's `ServiceGroup` beside the HTTP server.
public struct ProjectorService: Service {
    public let projector: Projector
    public let pollInterval: Duration
    public let logger: Logger

    public init(projector: Projector, pollInterval: Duration = .seconds(1), logger: Logger = Logger(label: "shiplog.projector")) {
        self.projector = projector
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        var listener: PostgresConnection?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Listen before catching up: an append that commits in between still wakes the wait.
            if listener?.isHealthy != true {
                do {
                    let connection = try await PostgresConnection.connect(projector.pool.configuration)
                    try await connection.listen(EventStore.notificationChannel)
                    listener = connection
                } catch {
                    listener = nil
                    logger.warning("cannot listen for appends; polling instead", metadata: ["error": "\(error)"])
                }
            }
            do {
                let applied = try await projector.catchUp()
                if applied > 0 { logger.debug("projections caught up", metadata: ["events": "\(applied)"]) }
            } catch {
                logger.error("projections could not catch up; trying again", metadata: ["error": "\(error)"])
            }
            await wait(on: listener)
        }
    }

    /// Until the next NOTIFY or `pollInterval`, in short slices, so graceful shutdown ends
    /// the wait within a quarter of a second.
    private func wait(on listener: PostgresConnection?) async {
        let clock = ContinuousClock()
        let deadline = clock.now + pollInterval
        let slice = min(pollInterval, .milliseconds(250))
        while clock.now < deadline && !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let listener, listener.isHealthy, let notified = try? await listener.notifications(waitingUpTo: slice) {
                if !notified.isEmpty { return }
            } else {
                // No listener (or it broke): poll; the next round connects again.
                try? await Task.sleep(for: slice)
            }
        }
    }
}
