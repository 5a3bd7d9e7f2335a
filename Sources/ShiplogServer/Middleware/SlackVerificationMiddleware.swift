import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ShiplogSlack

/// In front of every Slack route: reads the body (at most 64 KiB: 413 above), answers Slack's
/// `ssl_check` with 200, verifies the v0 signature and refuses a request seen before (401 with
/// the reason, nothing written), and only then lets the route see it, as `context.slack`.
struct SlackVerificationMiddleware: RouterMiddleware {
    typealias Context = ShiplogRequestContext

    static let maximumBody = 64 * 1024

    let verifier: SlackVerifier?
    let replayGuard: SlackReplayGuard
    let clock: @Sendable () -> Date

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let verifier else {
            throw HTTPError(.serviceUnavailable, message: "Slack is not configured on this server: set SLACK_SIGNING_SECRET")
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: Self.maximumBody)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw HTTPError(.contentTooLarge, message: "a Slack request is at most 64 KiB")
        }
        let body = Array(buffer.readableBytesView)
        if FormBody(body)["ssl_check"] == "1" { return Response(status: .ok) }
        let unverified = SlackRequest(
            timestamp: request.headers[.slackRequestTimestamp], signature: request.headers[.slackSignature], body: body)
        var context = context
        do {
            let verified = try verifier.verify(unverified, now: clock())
            try await replayGuard.admit(verified, now: clock())
            context.slack = verified
        } catch let error as SlackRequestError {
            context.logger.notice("refused a Slack request", metadata: ["reason": "\(error.code.rawValue)"])
            throw HTTPError(.unauthorized, message: error.message)
        }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let slackRequestTimestamp = Self("X-Slack-Request-Timestamp")!
    static let slackSignature = Self("X-Slack-Signature")!
}
