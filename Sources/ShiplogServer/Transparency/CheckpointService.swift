import Foundation
import Logging
import ServiceLifecycle
import ShiplogCore
import ShiplogLedger
import ShiplogPostgres

/// Makes the ledger's checkpoints while the server runs: one at start when the log has grown
/// since the last, then at least every `interval` while it grows, and at once after every
/// production deploy's outcome (succeeded, failed, rolled back), so a receipt of it can be
/// made without waiting. It follows the log by the NOTIFY every append sends.
///
/// A checkpoint that cannot be made is logged and tried again next time; one refused because
/// the log no longer extends the last checkpoint (a rewrite, a fork) is logged as critical.
public struct CheckpointService: Service {
    public let checkpointer: Checkpointer
    public let interval: Duration
    /// Environments whose deploy outcomes are checkpointed at once.
    public let productionEnvironments: Set<String>
    public let logger: Logger

    static let outcomes = ["DeploySucceeded", "DeployFailed", "RollbackSucceeded", "RollbackFailed"]

    public init(
        checkpointer: Checkpointer, interval: Duration = .seconds(60), productionEnvironments: Set<String> = ["prod", "production"],
        logger: Logger = Logger(label: "shiplog.checkpoints")
    ) {
        self.checkpointer = checkpointer
        self.interval = interval
        self.productionEnvironments = productionEnvironments
        self.logger = logger
    }

    public func run() async throws {
        let clock = ContinuousClock()
        var listener: PostgresConnection?
        // Where the log stood when this service last looked (nil until the database answers).
        var seen: Int64?
        var due = clock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if listener?.isHealthy != true {
                do {
                    let connection = try await PostgresConnection.connect(checkpointer.pool.configuration)
                    try await connection.listen(EventStore.notificationChannel)
                    listener = connection
                } catch {
                    listener = nil
                    logger.warning("cannot listen for appends; polling instead", metadata: ["error": "\(error)"])
                }
            }
            var now = clock.now >= due
            do {
                if let position = seen {
                    let (outcome, head) = try await productionOutcome(after: position)
                    seen = head
                    now = now || outcome
                } else {
                    seen = try await checkpointer.pool.withConnection { try await EventStore.head(on: $0).position }
                }
            } catch {
                logger.error("cannot read the log's new events", metadata: ["error": "\(error)"])
            }
            if now {
                await checkpoint()
                due = clock.now + interval
            }
            await wait(on: listener, until: due)
        }
    }

    /// Whether a production deploy's outcome was appended after `position`, and the head.
    func productionOutcome(after position: Int64) async throws -> (Bool, Int64) {
        try await checkpointer.pool.withConnection { connection in
            let head = try await EventStore.head(on: connection).position
            guard head > position else { return (false, head) }
            let events = try await EventStore.read(
                fromPosition: position + 1, limit: Int(min(head - position, 10_000)), types: Self.outcomes, on: connection)
            let outcome = events.contains { event in
                switch try? LedgerEvent.decode(type: event.type, payloadJSON: event.payload) {
                case .deploySucceeded(let e): return productionEnvironments.contains(e.environment.rawValue)
                case .deployFailed(let e): return productionEnvironments.contains(e.environment.rawValue)
                case .rollbackSucceeded(let e): return productionEnvironments.contains(e.environment.rawValue)
                case .rollbackFailed(let e): return productionEnvironments.contains(e.environment.rawValue)
                default: return false
                }
            }
            return (outcome, head)
        }
    }

    private func checkpoint() async {
        do {
            let made = try await checkpointer.checkpoint()
            if made.isNew {
                logger.info(
                    "checkpoint made",
                    metadata: [
                        "size": "\(made.checkpoint.size)", "cosigners": "\(made.cosigners.joined(separator: ","))",
                        "published": "\(made.published.joined(separator: ","))",
                    ])
            }
        } catch let error as CheckpointError where error.isFork {
            logger.critical("refusing to sign a checkpoint", metadata: ["reason": "\(error.description)"])
        } catch {
            logger.error("a checkpoint could not be made; trying again later", metadata: ["error": "\(error)"])
        }
    }

    private func wait(on listener: PostgresConnection?, until due: ContinuousClock.Instant) async {
        let clock = ContinuousClock()
        let slice = Duration.milliseconds(250)
        while clock.now < due && !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let listener, listener.isHealthy, let notified = try? await listener.notifications(waitingUpTo: slice) {
                if !notified.isEmpty { return }
            } else {
                try? await Task.sleep(for: slice)
            }
        }
    }
}
