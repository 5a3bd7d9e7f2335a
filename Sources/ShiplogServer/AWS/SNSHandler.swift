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
    let intake: AlarmIntake
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
        guard try await intake.firstDelivery(message.messageID, source: message.topicArn) else { return .duplicate }
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
                return .handled(try await intake.act(on: alarm, receivedAt: receivedAt))
            }
        } catch {
            // Let SNS's redelivery be acted on.
            await intake.forget(message.messageID)
            throw error
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
