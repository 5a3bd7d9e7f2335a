import Foundation

extension LedgerEvent {
    /// An admin enrolls a key (stream `approvers`): a person who may approve the listed
    /// environments, a CI pipeline, or the Slack bot.
    public struct ApproverEnrolled: Hashable, Sendable, Codable {
        public var name: ActorName
        public var publicKey: PublicKeyBytes
        public var keyID: SignerKeyID
        public var slackUserID: SlackUserID?
        /// The environments this approver may approve. Empty means none.
        public var environments: [Environment]
        public var kind: ApproverKind
        public var enrolledBy: LedgerActor
        public var enrolledAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case name, publicKey, keyID, slackUserID, environments, kind, enrolledBy, enrolledAt
        }

        public init(
            name: ActorName, publicKey: PublicKeyBytes, keyID: SignerKeyID, slackUserID: SlackUserID?,
            environments: [Environment], kind: ApproverKind, enrolledBy: LedgerActor, enrolledAt: Date
        ) {
            self.name = name
            self.publicKey = publicKey
            self.keyID = keyID
            self.slackUserID = slackUserID
            self.environments = environments
            self.kind = kind
            self.enrolledBy = enrolledBy
            self.enrolledAt = enrolledAt
        }
    }

    /// An admin revokes an approver's key (stream `approvers`). The key stays known so history
    /// still verifies, but nothing it signs counts from `revokedAt` on.
    public struct ApproverRevoked: Hashable, Sendable, Codable {
        public var name: ActorName
        public var keyID: SignerKeyID
        public var reason: String?
        public var revokedBy: LedgerActor
        public var revokedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case name, keyID, reason, revokedBy, revokedAt
        }

        public init(name: ActorName, keyID: SignerKeyID, reason: String?, revokedBy: LedgerActor, revokedAt: Date) {
            self.name = name
            self.keyID = keyID
            self.reason = reason
            self.revokedBy = revokedBy
            self.revokedAt = revokedAt
        }
    }
}
