import Foundation

/// Why a recorded approval does not count (or, at submission, is refused).
public enum ApprovalProblem: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The signing key was never enrolled.
    case unknownKey(SignerKeyID)
    /// The statement names a different signer than the key that submitted it.
    case signerMismatch(statement: SignerKeyID, submitted: SignerKeyID)
    /// The signature does not verify against the enrolled public key.
    case badSignature(approver: String)
    /// The statement names another deploy, environment, service, version or artifact.
    case doesNotMatch(approver: String, fields: [String])
    /// The key (the person's, or the Slack bot's) was revoked at or before now.
    case keyRevoked(approver: String, at: Date)
    /// A CI key signed it; CI cannot approve.
    case ciKey(approver: String)
    /// The Slack bot key signed a CLI approval, or a Slack approval was not signed by the bot.
    case wrongChannel(approver: String, detail: String)
    /// The Slack user is not an enrolled approver.
    case unknownSlackUser(SlackUserID)
    /// The person is not enrolled for this environment.
    case environmentNotAllowed(approver: String, environment: Environment, allowed: [Environment])
    /// The approval's lifetime ended.
    case expired(approver: String, at: Date)
    /// The requester approved their own deploy and the policy does not allow it.
    case requester(approver: String)
    /// The person's approval was already counted.
    case duplicate(approver: String)

    /// A sentence for the person reading the gate's answer.
    public var description: String {
        switch self {
        case .unknownKey(let key):
            return "approval signed by key \(key), which is not enrolled"
        case .signerMismatch(let statement, let submitted):
            return "approval names signer \(statement) but was signed with key \(submitted)"
        case .badSignature(let approver):
            return "signature by \(approver) does not verify"
        case .doesNotMatch(let approver, let fields):
            return
                "approval by \(approver) does not match this deploy: \(fields.joinedAsList) \(fields.count == 1 ? "differs" : "differ")"
        case .keyRevoked(let approver, let at):
            return "\(approver)'s key was revoked at \(LedgerTime.secondsString(at))"
        case .ciKey(let approver):
            return "\(approver) signs with a CI key, which cannot approve"
        case .wrongChannel(let approver, let detail):
            return "approval by \(approver) \(detail)"
        case .unknownSlackUser(let user):
            return "approval from Slack user \(user), who is not an enrolled approver"
        case .environmentNotAllowed(let approver, let environment, let allowed):
            let list = allowed.isEmpty ? "none" : allowed.map(\.rawValue).joined(separator: ", ")
            return "\(approver) may not approve \(environment) (may approve: \(list))"
        case .expired(let approver, let at):
            return "\(approver)'s approval expired at \(LedgerTime.secondsString(at))"
        case .requester(let approver):
            return "\(approver) requested this deploy and cannot approve it"
        case .duplicate(let approver):
            return "\(approver) already approved; a person counts once"
        }
    }
}

extension Array where Element == String {
    /// "a", "a and b", "a, b and c".
    fileprivate var joinedAsList: String {
        switch count {
        case 0: return ""
        case 1: return self[0]
        default: return dropLast().joined(separator: ", ") + " and " + last!
        }
    }
}
