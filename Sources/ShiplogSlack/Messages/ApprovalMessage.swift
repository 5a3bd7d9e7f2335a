import Foundation

/// The Block Kit message a deploy's approval request is, and becomes as it goes: what is
/// asked (service, version, environment, artifact, requester, reason), the approvals so far
/// and how many are still needed, and, while approvals can still count, Approve and Reject
/// buttons (`action_id` `approve` / `reject`, `value` the deploy id), each with a confirm dialog.
public struct ApprovalMessage: Sendable, Equatable {
    public var deployID: String
    public var service: String
    public var version: String
    public var environment: String
    public var artifact: String
    public var requester: String
    public var reason: String?
    public var approvedBy: [String]
    public var required: Int
    /// "requested", "started", "succeeded", "failed", "rejected", "cancelled", ...
    public var status: String
    /// True when the gate would let it start now.
    public var gateOpen: Bool

    public init(
        deployID: String, service: String, version: String, environment: String, artifact: String, requester: String,
        reason: String?, approvedBy: [String], required: Int, status: String, gateOpen: Bool
    ) {
        self.deployID = deployID
        self.service = service
        self.version = version
        self.environment = environment
        self.artifact = artifact
        self.requester = requester
        self.reason = reason
        self.approvedBy = approvedBy
        self.required = required
        self.status = status
        self.gateOpen = gateOpen
    }

    /// The one-line text Slack shows in notifications and where blocks cannot be shown.
    public var text: String {
        "\(requester) asks to deploy \(service) \(version) to \(environment) (\(deployID)): \(progress)"
    }

    var progress: String {
        let names = approvedBy.isEmpty ? "" : " (\(approvedBy.joined(separator: ", ")))"
        switch status {
        case "requested":
            return gateOpen
                ? "approved \(approvedBy.count) of \(required)\(names): the gate is open"
                : "\(approvedBy.count) of \(required) approvals\(names), \(max(required - approvedBy.count, 0)) still needed"
        default:
            // What needs a person now says so loudly.
            let mark = ["failed", "rollback failed"].contains(status) ? "🚨 " : ["rolling back", "rolled back"].contains(status) ? "↩️ " : ""
            return mark + (approvedBy.isEmpty ? status : "\(status), approved by \(approvedBy.joined(separator: ", "))")
        }
    }

    /// The message's JSON body for `chat.postMessage`, `chat.update` or a `response_url`
    /// (`extra` adds fields such as `channel`, `ts`, `replace_original`).
    public func json(_ extra: [String: Any] = [:]) -> [UInt8] {
        var fields: [[String: Any]] = [
            ["type": "mrkdwn", "text": "*Service*\n\(service)"],
            ["type": "mrkdwn", "text": "*Version*\n\(version)"],
            ["type": "mrkdwn", "text": "*Environment*\n\(environment)"],
            ["type": "mrkdwn", "text": "*Requested by*\n\(requester)"],
        ]
        if let reason { fields.append(["type": "mrkdwn", "text": "*Reason*\n\(reason)"]) }
        var blocks: [[String: Any]] = [
            ["type": "section", "text": ["type": "mrkdwn", "text": "*Deploy \(deployID)* — \(progress)"], "fields": fields],
            ["type": "context", "elements": [["type": "mrkdwn", "text": "artifact `\(artifact)`"]]],
        ]
        if status == "requested" && !gateOpen {
            func button(_ id: String, _ label: String, style: String, confirm: String) -> [String: Any] {
                [
                    "type": "button", "action_id": id, "value": deployID, "style": style,
                    "text": ["type": "plain_text", "text": label],
                    "confirm": [
                        "title": ["type": "plain_text", "text": "\(label) \(deployID)?"],
                        "text": ["type": "mrkdwn", "text": "\(label) \(service) \(version) to \(environment)?"],
                        "confirm": ["type": "plain_text", "text": label],
                        "deny": ["type": "plain_text", "text": "Not now"],
                    ],
                ]
            }
            blocks.append([
                "type": "actions", "block_id": "approval-\(deployID)",
                "elements": [
                    button("approve", "Approve", style: "primary", confirm: "approve"),
                    button("reject", "Reject", style: "danger", confirm: "reject"),
                ],
            ])
        }
        var object: [String: Any] = ["text": text, "blocks": blocks]
        for (key, value) in extra { object[key] = value }
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }
}
