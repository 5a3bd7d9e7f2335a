import Foundation
import Logging
import ServiceLifecycle
import ShiplogAWS
import ShiplogCore
import ShiplogCrypto
import ShiplogPostgres

/// Carries out started rollbacks in the background (an SNS delivery does not wait for ECS), and
/// is a service: at start it resumes every rollback the ledger says is still in progress (a
/// server killed half way through one), at graceful shutdown it finishes those in hand.
public actor RollbackService: Service {
    private let rollbacks: Rollbacks
    private let pool: PostgresPool
    private let logger: Logger
    private var running: [DeployID: Task<Void, Never>] = [:]
    private var drained: [CheckedContinuation<Void, Never>] = []

    public init(rollbacks: Rollbacks, pool: PostgresPool, logger: Logger = Logger(label: "shiplog.rollback")) {
        self.rollbacks = rollbacks
        self.pool = pool
        self.logger = logger
    }

    /// Carries out a started deploy on ECS (a Slack `/shiplog run`): its outcome is recorded by
    /// `key`, the server's, for itself.
    public func finish(_ started: DeployRunner.Started, with runner: DeployRunner, key: SigningKey) {
        let id = started.deployID
        guard running[id] == nil else { return }
        let logger = self.logger
        running[id] = Task.detached {
            do {
                try await runner.finish(started, key: key)
            } catch {
                logger.error("a deploy could not be carried out", metadata: ["deploy": "\(id)", "error": "\(error)"])
            }
            await self.finished(id)
        }
    }

    /// Carries out deploy `id`'s rollback, unless this server already is.
    public func carryOut(_ id: DeployID) {
        guard running[id] == nil else { return }
        let rollbacks = self.rollbacks, logger = self.logger
        running[id] = Task.detached {
            do {
                try await rollbacks.carryOut(id)
            } catch {
                logger.error("a rollback could not be carried out", metadata: ["deploy": "\(id)", "error": "\(error)"])
            }
            await self.finished(id)
        }
    }

    private func finished(_ id: DeployID) {
        running[id] = nil
        if running.isEmpty {
            for continuation in drained { continuation.resume() }
            drained = []
        }
    }

    /// Rollbacks in hand.
    public var inProgress: Int { running.count }

    public func drain() async {
        if running.isEmpty { return }
        await withCheckedContinuation { drained.append($0) }
    }

    /// The deploys the ledger says are rolling back, as the projections know them once caught up.
    func unfinished() async throws -> [DeployID] {
        try await Projector(pool: pool).catchUp()
        return try await LedgerQueries(pool: pool).history(HistoryFilter(outcome: .rollingBack, limit: 1000))
            .compactMap { try? DeployID($0.id) }
    }

    public func run() async throws {
        do {
            for id in try await unfinished() {
                logger.notice("resuming a rollback left in progress", metadata: ["deploy": "\(id)"])
                carryOut(id)
            }
        } catch {
            logger.error("could not look for rollbacks left in progress", metadata: ["error": "\(error)"])
        }
        try? await gracefulShutdown()
        await drain()
    }
}
