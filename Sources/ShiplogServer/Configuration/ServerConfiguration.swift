import Foundation
import ShiplogAWS
import ShiplogCrypto
import ShiplogHTTP

/// `shiplog serve`'s settings, read from the environment. A secret may also be given as
/// `NAME_FILE`, the path of a file holding it (trailing newline ignored); secrets never reach a
/// log line or an error message.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// `SLACK_SIGNING_SECRET`: without it the Slack endpoints answer 503.
    public var slackSigningSecret: [UInt8]?
    /// `SLACK_BOT_TOKEN` (`xoxb-…`).
    public var slackBotToken: String?
    /// `SLACK_WEBHOOK_URL`: notices only, when there is no bot token.
    public var slackWebhookURL: String?
    /// `SLACK_API_URL`: the Web API base (tests point it at a loopback stand-in).
    public var slackAPIURL: String
    /// `SHIPLOG_SLACK_CHANNEL`: where approval requests and notices go.
    public var slackChannel: String?
    /// `SHIPLOG_BOT_KEY`: the bot's key file, enrolled with `approvers add NAME --slack-bot`;
    /// or `SHIPLOG_BOT_KEY_CONTENT`, the key file's text (a secret injected by ECS).
    public var botKey: SigningKey?
    /// How often the outbox worker looks for messages to deliver when it has none.
    public var outboxPollInterval: Duration = .milliseconds(200)
    /// `SHIPLOG_OUTBOX_CLAIM_SECONDS`: how long a message a worker took is left to it before
    /// another worker (or this one, restarted) takes it again.
    public var outboxClaimSeconds: TimeInterval = 60
    /// `SHIPLOG_SLACK_ANSWER_MS`: how long a slash command's HTTP response waits for its
    /// answer; a slower answer is acknowledged with an empty 200 and posted to the command's
    /// `response_url` when ready (Slack's own limit is 3,000 ms).
    public var slackAnswerWithin: Duration = .milliseconds(20)
    /// `SHIPLOG_SNS_TOPIC_ARNS`: the SNS topics whose alarms are believed (comma-separated);
    /// none: `/hooks/sns` answers 503.
    public var snsTopicArns: Set<String> = []
    /// `SHIPLOG_SNS_CERTIFICATES`: PEM files of SNS signing certificates to trust instead of
    /// fetching them (comma-separated paths); the texts.
    public var snsCertificates: [String] = []
    /// `AWS_REGION` / `AWS_DEFAULT_REGION` and `SHIPLOG_AWS_ENDPOINT`.
    public var aws = AWSSettings()
    /// The AWS keys (or the container credentials endpoint), when the environment has them.
    public var awsCredentials: AWSCredentialSource?
    /// How often a rollback's rollout is asked about, and how long it may take.
    public var rolloutPollInterval: Duration = .seconds(5)
    public var rolloutLimit: Duration = .seconds(15 * 60)

    public init(
        host: String = "127.0.0.1", port: Int = 8080, slackSigningSecret: [UInt8]? = nil, slackBotToken: String? = nil,
        slackWebhookURL: String? = nil, slackAPIURL: String = "https://slack.com/api", slackChannel: String? = nil,
        botKey: SigningKey? = nil
    ) {
        self.host = host
        self.port = port
        self.slackSigningSecret = slackSigningSecret
        self.slackBotToken = slackBotToken
        self.slackWebhookURL = slackWebhookURL
        self.slackAPIURL = slackAPIURL
        self.slackChannel = slackChannel
        self.botKey = botKey
    }

    /// Reads the settings from `environment`; `host` and `port` given on the command line win.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, host: String? = nil, port: Int? = nil
    ) throws(ServerConfigurationError) -> ServerConfiguration {
        func value(_ name: String) -> String? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            return text
        }
        func secret(_ name: String) throws(ServerConfigurationError) -> String? {
            if let path = value("\(name)_FILE") {
                guard let data = FileManager.default.contents(atPath: path),
                    let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .newlines), !text.isEmpty
                else {
                    throw ServerConfigurationError("\(name)_FILE names \(path), which cannot be read or is empty: point it at the file holding \(name)")
                }
                return text
            }
            return value(name)
        }
        var configuration = ServerConfiguration()
        configuration.host = host ?? value("SHIPLOG_HOST") ?? "127.0.0.1"
        if let port {
            configuration.port = port
        } else if let text = value("PORT") {
            guard let number = Int(text), (1...65535).contains(number) else {
                throw ServerConfigurationError("PORT is '\(text)': give a port number from 1 to 65535")
            }
            configuration.port = number
        }
        configuration.slackSigningSecret = try secret("SLACK_SIGNING_SECRET").map { Array($0.utf8) }
        configuration.slackBotToken = try secret("SLACK_BOT_TOKEN")
        if let token = configuration.slackBotToken, !token.hasPrefix("xoxb-") {
            throw ServerConfigurationError("SLACK_BOT_TOKEN is not a bot token (xoxb-…): copy the Bot User OAuth Token from the app's OAuth page")
        }
        configuration.slackWebhookURL = try secret("SLACK_WEBHOOK_URL")
        if let url = configuration.slackWebhookURL, !url.hasPrefix("https://"), !url.hasPrefix("http://127.0.0.1") {
            throw ServerConfigurationError("SLACK_WEBHOOK_URL must be an https:// incoming webhook URL")
        }
        configuration.slackAPIURL = value("SLACK_API_URL") ?? "https://slack.com/api"
        configuration.slackChannel = value("SHIPLOG_SLACK_CHANNEL")
        if let text = value("SHIPLOG_OUTBOX_CLAIM_SECONDS") {
            guard let seconds = TimeInterval(text), seconds >= 1 else {
                throw ServerConfigurationError("SHIPLOG_OUTBOX_CLAIM_SECONDS is '\(text)': give a number of seconds, at least 1")
            }
            configuration.outboxClaimSeconds = seconds
        }
        if let text = value("SHIPLOG_SLACK_ANSWER_MS") {
            guard let milliseconds = Int(text), (0...2500).contains(milliseconds) else {
                throw ServerConfigurationError(
                    "SHIPLOG_SLACK_ANSWER_MS is '\(text)': give milliseconds from 0 to 2500 (Slack waits 3,000 ms at most)")
            }
            configuration.slackAnswerWithin = .milliseconds(milliseconds)
        }
        configuration.aws = AWSSettings.fromEnvironment(environment)
        configuration.snsTopicArns = Set(
            (value("SHIPLOG_SNS_TOPIC_ARNS") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty })
        for arn in configuration.snsTopicArns where !arn.hasPrefix("arn:aws") || arn.split(separator: ":").count != 6 {
            throw ServerConfigurationError(
                "SHIPLOG_SNS_TOPIC_ARNS has '\(arn)', which is not a topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)")
        }
        for path in (value("SHIPLOG_SNS_CERTIFICATES") ?? "").split(separator: ",").map(String.init) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8), text.contains("BEGIN CERTIFICATE") else {
                throw ServerConfigurationError("SHIPLOG_SNS_CERTIFICATES names \(path), which is not a readable PEM certificate")
            }
            configuration.snsCertificates.append(text)
        }
        do {
            _ = try SNSVerifier(
                allowedTopics: [], http: HTTPClient(label: "shiplog.check"), settings: AWSSettings(), credentials: nil,
                pinnedPEM: configuration.snsCertificates)
        } catch {
            throw ServerConfigurationError("SHIPLOG_SNS_CERTIFICATES: \(error)")
        }
        do {
            configuration.awsCredentials = try AWSCredentialSource.fromEnvironment(environment, http: HTTPClient(label: "shiplog.aws.credentials"))
        } catch where configuration.snsTopicArns.isEmpty {
            // No AWS: Slack's run and rollback say so; nothing else needs it.
        } catch {
            throw ServerConfigurationError("SHIPLOG_SNS_TOPIC_ARNS is set, so alarms may roll deploys back on ECS, but \(error)")
        }
        if let path = value("SHIPLOG_BOT_KEY") {
            do {
                let passphrase = try value("SHIPLOG_BOT_KEY_PASSPHRASE_FILE").map(KeyFile.readPassphrase(fromFile:))
                configuration.botKey = try KeyFile.read(from: path, passphrase: passphrase)
            } catch {
                throw ServerConfigurationError("SHIPLOG_BOT_KEY: \(error)")
            }
        } else if let text = value("SHIPLOG_BOT_KEY_CONTENT") {
            // The key file's text itself, as ECS injects a Secrets Manager secret.
            do {
                configuration.botKey = try KeyFile.read(contents: Array(text.utf8), named: "SHIPLOG_BOT_KEY_CONTENT")
            } catch {
                throw ServerConfigurationError("SHIPLOG_BOT_KEY_CONTENT: \(error)")
            }
        }
        if configuration.slackBotToken != nil, configuration.slackChannel == nil {
            throw ServerConfigurationError(
                "SLACK_BOT_TOKEN is set but SHIPLOG_SLACK_CHANNEL is not: give the id (C…) of the channel approval requests go to")
        }
        if !configuration.snsTopicArns.isEmpty, configuration.botKey == nil {
            throw ServerConfigurationError(
                "SHIPLOG_SNS_TOPIC_ARNS is set but SHIPLOG_BOT_KEY is not: the server signs the alarms and rollbacks it records with that key")
        }
        if configuration.slackSigningSecret != nil, configuration.botKey == nil {
            throw ServerConfigurationError(
                "SLACK_SIGNING_SECRET is set but SHIPLOG_BOT_KEY is not: the bot signs what people do from Slack; create a key (shiplog keys generate), enroll it (shiplog approvers add slack-bot --slack-bot) and set SHIPLOG_BOT_KEY")
        }
        return configuration
    }
}

/// A setting that stops the server at start-up: one line saying which and what to do.
public struct ServerConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
