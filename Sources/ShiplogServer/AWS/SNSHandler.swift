import Foundation
import Logging
import ShiplogAWS
import ShiplogCore
import ShiplogHTTP
import ShiplogPostgres

/// `POST /hooks/sns`: an SNS message, believed only once `SNSVerifier` says so (nothing refused
/// is recorded anywhere), acted on once per `MessageId` across restarts and replicas.
///
/// - `SubscriptionConfirmation` for an allowed topic: confirmed (a GET of its `SubscribeURL`).
/// - `Notification`: a CloudWatch alarm, handed to the rollback watcher: recorded, and any
///   rollback it starts carried out in the background.
/// - `UnsubscribeConfirmation`: logged.
struct SNSHandler: Sendable {
    let verifier: SNSVerifier
    let rollbacks: Rollbacks
    let background: RollbackService
    let pool: PostgresPool
    let http: HTTPClient
    let settings: AWSSettings

    /// What the endpoint answers.
    enum Answer: Sendable {
        case handled(String)
        case duplicate
        case refused(SNSError)
    }

    func handle(_ body: [UInt8], receivedAt: Date, logger: Logger) async throws -> Answer {
        let message: SNSMessage
        do {
            message = try SNSMessage.parse(body)
            try await verifier.verify(message)
        } catch let error as SNSError {
            logger.notice("refused an SNS message", metadata: ["reason": "\(error.message)"])
            return .refused(error)
        }
        guard try await admit(message) else { return .duplicate }
        do {
            switch message.type {
            case .subscriptionConfirmation:
                try await confirm(message, logger: logger)
                return .handled("subscription to \(message.topicArn) confirmed")
            case .unsubscribeConfirmation:
                logger.notice("SNS says the subscription ended", metadata: ["topic": "\(message.topicArn)"])
                return .handled("noted")
            case .notification:
                let alarm: CloudWatchAlarm
                do {
                    alarm = try CloudWatchAlarm.fromSNS(message: message.message)
                } catch let error as SNSError {
                    logger.notice("an SNS notification that is no CloudWatch alarm", metadata: ["topic": "\(message.topicArn)"])
                    return .handled("not a CloudWatch alarm: \(error.message)")
                }
                let targets = try await LedgerQueries(pool: pool).targets()
                let effect = try await rollbacks.record(alarm, targets: targets, receivedAt: receivedAt)
                for id in effect.rollbacks { await background.carryOut(id) }
                ServerMetrics.alarms.increment()
                return .handled(
                    "alarm \(alarm.name) \(alarm.state)"
                        + (effect.rollbacks.isEmpty ? "" : ": rolling back \(effect.rollbacks.map(\.rawValue).joined(separator: ", "))"))
            }
        } catch {
            // Let SNS's redelivery be acted on.
            try? await forget(message)
            throw error
        }
    }

    /// Records the message id; false when it was seen before.
    private func admit(_ message: SNSMessage) async throws -> Bool {
        try await pool.withConnection { connection in
            let rows = try await connection.query(
                """
                INSERT INTO sns_messages (message_id, topic_arn) VALUES (\(message.messageID), \(message.topicArn))
                ON CONFLICT (message_id) DO NOTHING RETURNING 1
                """)
            if Int.random(in: 0..<64) == 0 {
                try await connection.query("DELETE FROM sns_messages WHERE received_at < now() - interval '7 days'")
            }
            return !rows.isEmpty
        }
    }

    private func forget(_ message: SNSMessage) async throws {
        _ = try await pool.withConnection { connection in
            try await connection.query("DELETE FROM sns_messages WHERE message_id = \(message.messageID)")
        }
    }

    /// Confirms a subscription: GET its SubscribeURL (through SHIPLOG_AWS_ENDPOINT when set).
    private func confirm(_ message: SNSMessage, logger: Logger) async throws {
        guard let text = message.subscribeURL, let url = URL(string: text), url.scheme == "https",
            let host = url.host, host.hasPrefix("sns."), host.hasSuffix(".amazonaws.com") || host.hasSuffix(".amazonaws.com.cn")
        else {
            throw SNSError(.malformed, "the SubscribeURL is not an https URL on an sns.<region>.amazonaws.com host")
        }
        var target = text
        if settings.endpoint != nil {
            let base = settings.endpoint(service: "sns", region: message.region ?? "us-east-1")
            target = String(base.dropLast()) + url.path + (url.query.map { "?\($0)" } ?? "")
        }
        let response = try await http.send(HTTPRequest(url: target, timeout: .seconds(10)))
        guard response.status == 200 else {
            throw SNSError(.certificateUnavailable, "SNS refused the subscription confirmation (HTTP \(response.status))")
        }
        logger.notice("confirmed an SNS subscription", metadata: ["topic": "\(message.topicArn)"])
    }
}
