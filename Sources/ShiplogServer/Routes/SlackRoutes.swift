import Foundation
import Hummingbird
import ShiplogSlack

/// `POST /slack/commands` (the `/shiplog` slash command) and `POST /slack/interactions`
/// (button presses), behind `SlackVerificationMiddleware`.
struct SlackRoutes {
    let middleware: SlackVerificationMiddleware
    let commands: SlashCommandHandler?
    let interactions: InteractionHandler?

    func add(to router: Router<ShiplogRequestContext>) {
        let slack = router.group("slack").add(middleware: middleware).group(context: SlackRequestContext.self)
        slack.post("commands") { _, context -> Response in
            guard let commands else {
                throw HTTPError(.serviceUnavailable, message: "Slack commands need SHIPLOG_BOT_KEY on this server")
            }
            let reply = await commands.handle(context.slack, logger: context.logger)
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: reply.json)))
        }
        slack.post("interactions") { _, context -> Response in
            guard let interactions else {
                throw HTTPError(.serviceUnavailable, message: "Slack buttons need SHIPLOG_BOT_KEY on this server")
            }
            // A press's outcome goes to its response_url; a dialog's refusal comes back here.
            guard let body = await interactions.handle(context.slack, logger: context.logger) else { return Response(status: .ok) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
