import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import ShiplogCrypto
import ShiplogLedger
import ShiplogPostgres
import ShiplogSlack

/// `shiplog serve`'s application: the routes, and beside the HTTP server, the services that
/// keep the projections current and close the pool last at graceful shutdown (SIGTERM, SIGINT:
/// in-flight requests finish first).
public func buildApplication(
    configuration: ServerConfiguration, pool: PostgresPool, logger: Logger = Logger(label: "shiplog.server"),
    clock: @escaping @Sendable () -> Date = Date.init
) -> some ApplicationProtocol {
    _ = ServerMetrics.registry
    let router = Router(context: ShiplogRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    HealthRoutes(pool: pool).add(to: router)

    let events = EventStore(pool: pool, groupCommit: true)
    let commands = configuration.botKey.map { key in
        SlashCommandHandler(
            ledger: LedgerService(store: LedgerStore(events: events, snapshotKey: key), clock: clock), pool: pool, botKey: key)
    }
    SlackRoutes(
        middleware: SlackVerificationMiddleware(
            verifier: configuration.slackSigningSecret.map(SlackVerifier.init(signingSecret:)),
            replayGuard: SlackReplayGuard(pool: pool), clock: clock),
        commands: commands
    ).add(to: router)

    // Services stop in reverse order: the HTTP server first, the pool last.
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "shiplog"),
        services: [PostgresPoolService(pool: pool), ProjectorService(projector: Projector(pool: pool))],
        logger: logger)
}
