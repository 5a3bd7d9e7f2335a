import ArgumentParser
import Foundation
import ShiplogCore
import ShiplogHTTP
import ShiplogPostgres
import ShiplogServer

/// `shiplog serve`: the HTTP server — Slack's endpoints, health and metrics — with the
/// projector beside it, until SIGTERM or SIGINT (in-flight requests finish first).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server: Slack slash commands, /healthz, /readyz, /metrics.",
        discussion: """
            Settings come from the environment (see the README): SLACK_SIGNING_SECRET, \
            SHIPLOG_BOT_KEY, SLACK_BOT_TOKEN, SLACK_WEBHOOK_URL, SLACK_API_URL, SHIPLOG_SLACK_CHANNEL, \
            SHIPLOG_HOST and PORT; each secret may be given as NAME_FILE, a file holding it. With a \
            checkpoint key (SHIPLOG_CHECKPOINT_KEY or --checkpoint-key) it also signs, witnesses and \
            publishes checkpoints: at least every --checkpoint-interval while the log grows, and at \
            once after every production deploy's outcome.
            """)

    @Option(help: "Listen address (default $SHIPLOG_HOST or 127.0.0.1).") var host: String?
    @Option(help: "Listen port (default $PORT or 8080).", transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var port: Int?
    @OptionGroup var checkpoints: CheckpointOptions
    @Option(
        help: "Seconds between checkpoints while the log grows (default $SHIPLOG_CHECKPOINT_INTERVAL or 60).",
        transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var checkpointInterval: Int?
    @Option(help: "Environments whose deploy outcomes are checkpointed at once, comma-separated (default prod,production).")
    var productionEnvironments = "prod,production"
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.fromEnvironment(host: host, port: port)
        } catch {
            throw ValidationError(error.message)
        }
        let pool = try await database.open(maximumConnections: 16)
        if let key = configuration.botKey {
            let keyID = try SignerKeyID(key.keyID.description)
            let approvers = try await database.ledger().approvers()
            guard let bot = approvers.approver(keyID: keyID), bot.kind == .slackBot, bot.revokedAt == nil else {
                throw ValidationError(
                    "SHIPLOG_BOT_KEY (key \(keyID)) is not enrolled as the Slack bot: enroll it with shiplog approvers add slack-bot --public-key \(key.publicKey.base64) --slack-bot --key ADMIN_KEY")
            }
        }
        var checkpointService: CheckpointService?
        if checkpoints.isConfigured {
            let interval =
                checkpointInterval ?? ProcessInfo.processInfo.environment["SHIPLOG_CHECKPOINT_INTERVAL"].flatMap { Int($0) } ?? 60
            let checkpointer = try checkpoints.checkpointer(pool: pool, http: HTTPClient(maxConcurrentTransfers: 4, label: "shiplog.checkpoint"))
            checkpointService = CheckpointService(
                checkpointer: checkpointer, interval: .seconds(max(1, interval)),
                productionEnvironments: Set(productionEnvironments.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }))
            print("shiplog serve: checkpoints as \(checkpointer.signer.verifierKey) every \(interval) s while the log grows")
        }
        let application = buildApplication(configuration: configuration, pool: pool, checkpoints: checkpointService)
        print("shiplog serve: listening on http://\(configuration.host):\(configuration.port)")
        try await application.runService()
    }
}
