import Foundation

/// An enrolled key and who it belongs to, with its revocation if any.
public struct Approver: Hashable, Sendable {
    public var name: ActorName
    public var publicKey: PublicKeyBytes
    public var keyID: SignerKeyID
    public var slackUserID: SlackUserID?
    /// The environments this approver may approve; empty means none.
    public var environments: [Environment]
    public var kind: ApproverKind
    public var enrolledBy: LedgerActor
    public var enrolledAt: Date
    public var revokedAt: Date?
    public var revokedBy: LedgerActor?
    public var revocationReason: String?

    /// True when the key was revoked at or before `date`.
    public func isRevoked(at date: Date) -> Bool {
        guard let revokedAt else { return false }
        return revokedAt <= date
    }

    /// True for a person enrolled for `environment`.
    public func mayApprove(_ environment: Environment) -> Bool {
        kind == .person && environments.contains(environment)
    }

    /// "staging, dev" or "none", for messages.
    var environmentList: String {
        environments.isEmpty ? "none" : environments.map(\.rawValue).joined(separator: ", ")
    }
}
