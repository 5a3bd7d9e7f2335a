import Foundation
import Hummingbird

/// `POST /hooks/sns`: CloudWatch alarms (and subscription handshakes) from SNS.
struct HookRoutes {
    let sns: SNSHandler?
    let eventBridge: EventBridgeHandler?

    static let maximumBody = 256 * 1024

    func add(to router: Router<ShiplogRequestContext>) {
        addEventBridge(to: router)
        router.post("hooks/sns") { request, context -> Response in
            guard let sns else {
                throw HTTPError(
                    .serviceUnavailable,
                    message: "SNS is not configured on this server: set SHIPLOG_SNS_TOPIC_ARNS, SHIPLOG_BOT_KEY and AWS credentials")
            }
            let receivedAt = Date()
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: Self.maximumBody)
            } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
                throw HTTPError(.contentTooLarge, message: "an SNS message is at most 256 KiB")
            }
            switch try await sns.handle(Array(body.readableBytesView), receivedAt: receivedAt, logger: context.logger) {
            case .handled(let what): return Self.json(.ok, ["result": what])
            case .duplicate: return Self.json(.ok, ["result": "duplicate: this MessageId was already acted on"])
            case .refused(let error):
                ServerMetrics.snsRefused.increment()
                switch error.code {
                case .malformed: throw HTTPError(.badRequest, message: error.message)
                case .certificateUnavailable: throw HTTPError(.serviceUnavailable, message: error.message)
                case .topicNotAllowed, .badCertificateURL, .badSignature: throw HTTPError(.forbidden, message: error.message)
                }
            }
        }
    }

    func addEventBridge(to router: Router<ShiplogRequestContext>) {
        router.post("hooks/eventbridge") { request, context -> Response in
            guard let eventBridge else {
                throw HTTPError(.serviceUnavailable, message: "alarms are not configured on this server: set SHIPLOG_BOT_KEY and AWS credentials")
            }
            let receivedAt = Date()
            var request = request
            let body = try await request.collectBody(upTo: Self.maximumBody)
            switch try await eventBridge.handle(
                Array(body.readableBytesView), authorization: request.headers[.authorization], receivedAt: receivedAt,
                logger: context.logger)
            {
            case .handled(let what): return Self.json(.ok, ["result": what])
            case .duplicate: return Self.json(.ok, ["result": "duplicate: this event was already acted on"])
            case .unauthorized(let why): throw HTTPError(.unauthorized, message: why)
            case .forbidden(let why): throw HTTPError(.forbidden, message: why)
            case .malformed(let why): throw HTTPError(.badRequest, message: why)
            }
        }
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: String]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
