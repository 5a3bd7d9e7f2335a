import Foundation

/// What the server saw when a person approved from Slack: the verified request that carried
/// the button press. Recorded with the approval the Slack bot signs on the person's behalf.
public struct SlackEvidence: Hashable, Sendable, Codable {
    /// The Slack user who pressed the button; maps to an enrolled approver.
    public var userID: SlackUserID
    /// The workspace (team) id.
    public var teamID: String
    /// The action's `action_ts`.
    public var actionTimestamp: String
    /// The request's `X-Slack-Request-Timestamp`.
    public var requestTimestamp: String
    /// The request's `X-Slack-Signature` (`v0=<hex>`), which the server verified.
    public var requestSignature: String

    /// The JSON keys inside event payloads: renaming a property must not rename its key.
    private enum CodingKeys: String, CodingKey {
        case userID, teamID, actionTimestamp, requestTimestamp, requestSignature
    }

    public init(
        userID: SlackUserID, teamID: String, actionTimestamp: String, requestTimestamp: String,
        requestSignature: String
    ) {
        self.userID = userID
        self.teamID = teamID
        self.actionTimestamp = actionTimestamp
        self.requestTimestamp = requestTimestamp
        self.requestSignature = requestSignature
    }
}
