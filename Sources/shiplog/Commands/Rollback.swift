import ArgumentParser
import Foundation
import ShiplogAWS
import ShiplogCore
import ShiplogHTTP

/// `shiplog rollback`: a person rolls a service back to what ran before its last deploy.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Roll a service back on ECS to the release that ran before its last deploy, and lock it.",
        discussion: """
            Records RollbackStarted for the service's last deploy, calls UpdateService with the task \
            definition that ran before it, follows the rollout, records RollbackSucceeded or \
            RollbackFailed, and locks the service with the reason (unlock it deliberately, with \
            shiplog unlock). Exit 1 when the rollback failed (recorded). AWS settings as for \
            deploy run.
            """)

    @Option(help: "The environment.") var env: String
    @Option(help: "The service.") var service: String
    @Option(help: "Why (recorded, and the lock's reason).") var reason: String
    @OptionGroup var rollout: RolloutOptions
    @OptionGroup var key: KeyOptions
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let (ledger, signer) = try await database.ledger(key)
        var rollbacks = Rollbacks(ledger: ledger, ecs: try ECSClient.fromEnvironment(), key: signer)
        rollbacks.rolloutLimit = try rollout.limit
        rollbacks.logger.logLevel = .warning  // the command prints what happened itself
        let outcome = try await rollbacks.rollBack(
            environment: try Environment(env), service: try ServiceName(service), reason: reason, key: signer)
        print(
            "\(outcome.deployID): \(service) on \(env) back to \(outcome.toTaskDefinition ?? "?")"
                + (outcome.failure.map { " — FAILED: \($0)" } ?? " — rolled back") + "; \(service) on \(env) is locked")
        if let failure = outcome.failure {
            throw DeployCommand.Run.Failed(description: "the rollback of \(outcome.deployID) failed (recorded): \(failure)")
        }
    }
}
