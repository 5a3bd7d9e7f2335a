import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import ShiplogAWS
import ShiplogCrypto
import ShiplogHTTP
import ShiplogLedger
import ShiplogPostgres
import ShiplogSlack

/// Both values, or nil.
private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}

/// `shiplog serve`'s application: the routes, and beside the HTTP server, the services that
/// keep the projections current and close the pool last at graceful shutdown (SIGTERM, SIGINT:
/// in-flight requests finish first).
public func buildApplication(
    configuration: ServerConfiguration, pool: PostgresPool, logger: Logger = Logger(label: "shiplog.server"),
    checkpoints: CheckpointService? = nil, clock: @escaping @Sendable () -> Date = Date.init
) -> some ApplicationProtocol {
    _ = ServerMetrics.registry
    let router = Router(context: ShiplogRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    // One judged trust for every command the server decides and every stretch its projector
    // judges (`JudgedTrust`).
    let trust = TrustCache()
    HealthRoutes(pool: pool, trust: trust).add(to: router)

    let events = EventStore(pool: pool, groupCommit: true)
    let ledger = configuration.botKey.map { key in
        LedgerService(store: LedgerStore(events: events, snapshotKey: key, trust: trust), clock: clock)
    }
    // ECS: deploys and rollbacks from Slack, and the rollbacks alarms start, carried out in
    // the background; alarms through SNS.
    var rollbackService: RollbackService?
    var slackAWS: SlashCommandHandler.SlackAWS?
    var sns: SNSHandler?
    var eventBridge: EventBridgeHandler?
    if let ledger, let key = configuration.botKey, let credentials = configuration.awsCredentials {
        let awsHTTP = HTTPClient(maxConcurrentTransfers: 16, label: "shiplog.aws")
        var ecs = ECSClient(http: awsHTTP, credentials: credentials, settings: configuration.aws)
        ecs.logger = logger
        var rollbacks = Rollbacks(ledger: ledger, ecs: ecs, key: key)
        rollbacks.pollInterval = configuration.rolloutPollInterval
        rollbacks.rolloutLimit = configuration.rolloutLimit
        var runner = DeployRunner(ledger: ledger, ecs: ecs)
        runner.pollInterval = configuration.rolloutPollInterval
        runner.rolloutLimit = configuration.rolloutLimit
        let background = RollbackService(rollbacks: rollbacks, pool: pool, logger: logger)
        rollbackService = background
        slackAWS = SlashCommandHandler.SlackAWS(runner: runner, rollbacks: rollbacks, background: background)
        let intake = AlarmIntake(rollbacks: rollbacks, background: background, pool: pool)
        eventBridge = EventBridgeHandler(ledger: ledger, intake: intake)
        if !configuration.snsTopicArns.isEmpty,
            let verifier = try? SNSVerifier(
                allowedTopics: configuration.snsTopicArns, http: awsHTTP, settings: configuration.aws, credentials: credentials,
                pinnedPEM: configuration.snsCertificates)
        {
            sns = SNSHandler(verifier: verifier, intake: intake, http: awsHTTP, settings: configuration.aws)
        }
    }
    let commands = zip(ledger, configuration.botKey).map { ledger, key in
        SlashCommandHandler(
            ledger: ledger, pool: pool, botKey: key,
            outboxPostsMessages: configuration.slackBotToken != nil && configuration.slackChannel != nil, aws: slackAWS)
    }
    let http = HTTPClient(maxConcurrentTransfers: 32, label: "shiplog.slack")
    let late = LateReplies(http: http)
    let webAPI = configuration.slackBotToken.map { _ in
        SlackDelivery(http: http, apiURL: configuration.slackAPIURL, token: configuration.slackBotToken, webhookURL: nil)
    }
    let interactions = zip(ledger, configuration.botKey).map { ledger, key in
        InteractionHandler(ledger: ledger, botKey: key, http: http, slack: webAPI)
    }
    SlackRoutes(
        middleware: SlackVerificationMiddleware(
            verifier: configuration.slackSigningSecret.map(SlackVerifier.init(signingSecret:)),
            replayGuard: SlackReplayGuard(pool: pool), clock: clock),
        commands: commands, interactions: interactions, late: late, answerWithin: configuration.slackAnswerWithin
    ).add(to: router)

    HookRoutes(sns: sns, eventBridge: eventBridge).add(to: router)

    // The /v1 JSON API: pipelines with a token, the CLI with SHIPLOG_URL. Reads and a
    // person's signed commands need no key of the server's; a token's writes are signed by it.
    let apiLedger = ledger ?? LedgerService(store: LedgerStore(events: events), clock: clock)
    APIRoutes(
        client: DirectLedgerClient(ledger: apiLedger, pool: pool), serverKey: configuration.botKey,
        tokens: APITokenMiddleware(tokens: TokenCache(ledger: apiLedger, events: events), clock: clock), clock: clock
    ).add(to: router)

    // Services stop in reverse order: the HTTP server first, then the late slash-command
    // answers (those acknowledged are still answered), the outbox worker (it finishes the
    // message in hand), the projector, and the pool last.
    var services: [any Service] = [PostgresPoolService(pool: pool), ProjectorService(projector: Projector(pool: pool, trust: trust))]
    if configuration.slackBotToken != nil || configuration.slackWebhookURL != nil {
        let delivery = SlackDelivery(
            http: http, apiURL: configuration.slackAPIURL, token: configuration.slackBotToken,
            webhookURL: configuration.slackWebhookURL)
        services.append(
            OutboxWorker(
                store: OutboxStore(pool: pool, claim: configuration.outboxClaimSeconds), ledger: ledger ?? LedgerService(store: LedgerStore(events: events), clock: clock),
                events: events,
                delivery: delivery, channel: configuration.slackChannel, pollInterval: configuration.outboxPollInterval))
    }
    if let rollbackService { services.append(rollbackService) }
    if let checkpoints { services.append(checkpoints) }
    services.append(late)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "shiplog"),
        services: services,
        logger: logger)
}
