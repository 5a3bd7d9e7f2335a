import Foundation
import Hummingbird
import ShiplogSlack

/// `POST /slack/commands`: the `/shiplog` slash command, behind `SlackVerificationMiddleware`.
struct SlackRoutes {
    let middleware: SlackVerificationMiddleware
    let commands: SlashCommandHandler?

    func add(to router: Router<ShiplogRequestContext>) {
        let slack = router.group("slack").add(middleware: middleware).group(context: SlackRequestContext.self)
        slack.post("commands") { _, context -> Response in
            guard let commands else {
                throw HTTPError(.serviceUnavailable, message: "Slack commands need SHIPLOG_BOT_KEY on this server")
            }
            let reply = await commands.handle(context.slack, logger: context.logger)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(reply))))
        }
    }
}
