import ArgumentParser
import Foundation
import ShiplogCore
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
            SHIPLOG_HOST and PORT; each secret may be given as NAME_FILE, a file holding it.
            """)

    @Option(help: "Listen address (default $SHIPLOG_HOST or 127.0.0.1).") var host: String?
    @Option(help: "Listen port (default $PORT or 8080).", transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var port: Int?
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
        let application = buildApplication(configuration: configuration, pool: pool)
        print("shiplog serve: listening on http://\(configuration.host):\(configuration.port)")
        try await application.runService()
    }
}
