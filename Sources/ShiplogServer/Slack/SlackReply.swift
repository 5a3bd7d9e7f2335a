import Foundation
import ShiplogSlack

/// What a slash command answers in its HTTP response: seen by the person alone (`ephemeral`),
/// or by the channel (`in_channel`), as text or as a deploy's approval message.
struct SlackReply: Sendable, Equatable {
    var responseType: String
    var text: String
    var message: ApprovalMessage?

    static func ephemeral(_ text: String) -> SlackReply { SlackReply(responseType: "ephemeral", text: text) }
    static func inChannel(_ text: String, message: ApprovalMessage? = nil) -> SlackReply {
        SlackReply(responseType: "in_channel", text: text, message: message)
    }

    /// The HTTP response body Slack reads.
    var json: [UInt8] {
        if let message { return message.json(["response_type": responseType]) }
        let object = ["response_type": responseType, "text": text]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }
}
