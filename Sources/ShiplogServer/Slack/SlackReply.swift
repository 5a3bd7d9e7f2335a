/// What a slash command answers in its HTTP response: seen by the person alone (`ephemeral`),
/// or by the channel (`in_channel`).
struct SlackReply: Codable, Sendable, Equatable {
    var responseType: String
    var text: String

    private enum CodingKeys: String, CodingKey {
        case responseType = "response_type"
        case text
    }

    static func ephemeral(_ text: String) -> SlackReply { SlackReply(responseType: "ephemeral", text: text) }
    static func inChannel(_ text: String) -> SlackReply { SlackReply(responseType: "in_channel", text: text) }
}
