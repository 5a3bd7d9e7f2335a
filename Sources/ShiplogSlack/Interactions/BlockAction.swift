import Foundation

/// A button press, as Slack posts it to the interactivity URL: the form field `payload` holds
/// JSON of `"type":"block_actions"`. Only what Shiplog acts on is read.
public struct BlockAction: Sendable, Equatable {
    public var userID: String
    public var teamID: String
    public var actionID: String
    /// The button's `value`: the deploy id.
    public var value: String
    public var actionTimestamp: String
    public var responseURL: String?
    public var triggerID: String?
    public var channelID: String?
    public var messageTimestamp: String?

    /// Reads a `block_actions` payload; nil for anything else (view submissions, shortcuts).
    public init?(payload: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any],
            object["type"] as? String == "block_actions",
            let user = object["user"] as? [String: Any], let userID = user["id"] as? String,
            let action = (object["actions"] as? [[String: Any]])?.first,
            let actionID = action["action_id"] as? String, let value = action["value"] as? String
        else { return nil }
        let team = (object["team"] as? [String: Any])?["id"] as? String ?? user["team_id"] as? String ?? ""
        self.userID = userID
        self.teamID = team
        self.actionID = actionID
        self.value = value
        self.actionTimestamp = action["action_ts"] as? String ?? ""
        self.responseURL = object["response_url"] as? String
        self.triggerID = object["trigger_id"] as? String
        let container = object["container"] as? [String: Any]
        self.channelID = (object["channel"] as? [String: Any])?["id"] as? String ?? container?["channel_id"] as? String
        self.messageTimestamp = container?["message_ts"] as? String
    }
}
