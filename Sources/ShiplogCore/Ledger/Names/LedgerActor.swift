import Foundation

/// Who did something (the actor of `shiplog history --actor`): the enrolled name of the key that
/// signed the command, and that key's id. Not named `Actor`, which is Swift's actor protocol.
///
/// The app layer verifies a command's signature and resolves its key to an actor with
/// `LedgerActor.resolve(keyID:trustRoot:approvers:at:)` before calling `decide`; the domain trusts
/// the actor it is given and checks only what that actor may do.
public struct LedgerActor: Hashable, Sendable, Codable, CustomStringConvertible {
    public var name: ActorName
    public var keyID: SignerKeyID

    /// The JSON keys inside event payloads: renaming a property must not rename its key.
    private enum CodingKeys: String, CodingKey {
        case name, keyID
    }

    public init(name: ActorName, keyID: SignerKeyID) {
        self.name = name
        self.keyID = keyID
    }

    public var description: String { name.rawValue }

    /// The actor a key speaks for: an admin of the trust root, else an enrolled approver
    /// (person, CI or Slack bot) whose key is not revoked at `at`.
    public static func resolve(
        keyID: SignerKeyID, trustRoot: TrustRoot.State, approvers: ApproverRegistry.State, at: Date
    ) throws -> LedgerActor {
        if let admin = trustRoot.admin(keyID: keyID) {
            return LedgerActor(name: admin.name, keyID: keyID)
        }
        if let removal = trustRoot.removed.last(where: { $0.keyID == keyID }), approvers.approver(keyID: keyID) == nil {
            throw LedgerError(
                .notAuthorized,
                "\(removal.admin)'s admin key \(keyID) was removed by \(removal.removedBy.name) at \(LedgerTime.secondsString(removal.removedAt)); it signs nothing any more"
            )
        }
        guard let approver = approvers.approver(keyID: keyID) else {
            throw LedgerError(
                .notAuthorized,
                "key \(keyID) is not enrolled: an admin can enroll it with shiplog approvers add NAME --public-key KEY"
            )
        }
        if let revokedAt = approver.revokedAt, revokedAt <= at {
            throw LedgerError(
                .notAuthorized,
                "\(approver.name)'s key \(keyID) was revoked at \(LedgerTime.secondsString(revokedAt))")
        }
        return LedgerActor(name: approver.name, keyID: keyID)
    }
}
