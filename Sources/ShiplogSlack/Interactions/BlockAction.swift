import Foundation

/// A submitted dialog (`"type":"view_submission"`): Shiplog's reject dialog carries the deploy
/// id in `private_metadata` and the reason in its one input.
public struct ViewSubmission: Sendable, Equatable {
    public var userID: String
    public var teamID: String
    public var callbackID: String
    public var deployID: String
    public var reason: String

    public init?(payload: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any],
            object["type"] as? String == "view_submission",
            let user = object["user"] as? [String: Any], let userID = user["id"] as? String,
            let view = object["view"] as? [String: Any], let callbackID = view["callback_id"] as? String,
            let deployID = view["private_metadata"] as? String
        else { return nil }
        let values = (view["state"] as? [String: Any])?["values"] as? [String: Any] ?? [:]
        let reason = ((values["reason"] as? [String: Any])?["reason"] as? [String: Any])?["value"] as? String
        self.userID = userID
        self.teamID = (object["team"] as? [String: Any])?["id"] as? String ?? user["team_id"] as? String ?? ""
        self.callbackID = callbackID
        self.deployID = deployID
        self.reason = reason ?? ""
    }

    /// The reject dialog for `views.open`: one required input, the reason.
    public static func rejectDialog(deployID: String, triggerID: String) -> [String: Any] {
        [
            "trigger_id": triggerID,
            "view": [
                "type": "modal", "callback_id": "reject", "private_metadata": deployID,
                "title": ["type": "plain_text", "text": "Reject \(deployID)"],
                "submit": ["type": "plain_text", "text": "Reject"],
                "close": ["type": "plain_text", "text": "Cancel"],
                "blocks": [
                    [
                        "type": "input", "block_id": "reason",
                        "label": ["type": "plain_text", "text": "Why? (everyone in the channel sees it)"],
                        "element": ["type": "plain_text_input", "action_id": "reason", "multiline": true],
                    ]
                ],
            ] as [String: Any],
        ]
    }
}

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
