import Foundation

/// How an approval reached the ledger.
///
/// - `.cli`: the person signed the statement with their own key (`shiplog deploy approve`).
/// - `.slack(evidence)`: the person pressed Approve in Slack; the server's Slack bot key signed
///   the statement and the Slack request is kept as evidence. A policy with
///   `requirePersonalKey` needs at least one `.cli` approval.
///
/// JSON: `{"kind":"cli"}` or `{"kind":"slack","slack":{...evidence...}}`.
public enum ApprovalChannel: Hashable, Sendable, Codable {
    case cli
    case slack(SlackEvidence)

    /// True when the approver signed with their own key.
    public var isPersonalKey: Bool {
        if case .cli = self { return true }
        return false
    }

    private enum CodingKeys: String, CodingKey { case kind, slack }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "cli": self = .cli
        case "slack": self = .slack(try container.decode(SlackEvidence.self, forKey: .slack))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container, debugDescription: "unknown approval channel '\(kind)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .cli:
            try container.encode("cli", forKey: .kind)
        case .slack(let evidence):
            try container.encode("slack", forKey: .kind)
            try container.encode(evidence, forKey: .slack)
        }
    }
}
