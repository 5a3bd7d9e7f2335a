import Foundation

extension LedgerEvent {
    /// `shiplog init`: the ledger's trust root is created with its first admin key
    /// (stream `ledger`). Self-signed by that key.
    public struct LedgerInitialized: Hashable, Sendable, Codable {
        public var admin: ActorName
        public var publicKey: PublicKeyBytes
        public var keyID: SignerKeyID
        public var initializedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case admin, publicKey, keyID, initializedAt
        }

        public init(admin: ActorName, publicKey: PublicKeyBytes, keyID: SignerKeyID, initializedAt: Date) {
            self.admin = admin
            self.publicKey = publicKey
            self.keyID = keyID
            self.initializedAt = initializedAt
        }
    }

    /// Another admin key joins the trust root (stream `ledger`), signed by an existing admin.
    public struct AdminAdded: Hashable, Sendable, Codable {
        public var admin: ActorName
        public var publicKey: PublicKeyBytes
        public var keyID: SignerKeyID
        public var addedBy: LedgerActor
        public var addedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case admin, publicKey, keyID, addedBy, addedAt
        }

        public init(
            admin: ActorName, publicKey: PublicKeyBytes, keyID: SignerKeyID, addedBy: LedgerActor, addedAt: Date
        ) {
            self.admin = admin
            self.publicKey = publicKey
            self.keyID = keyID
            self.addedBy = addedBy
            self.addedAt = addedAt
        }
    }

    /// An admin key leaves the trust root (stream `ledger`), removed by another admin. The last
    /// admin cannot be removed. Commands it signs from here on are not counted.
    public struct AdminRemoved: Hashable, Sendable, Codable {
        public var admin: ActorName
        public var keyID: SignerKeyID
        public var reason: String?
        public var removedBy: LedgerActor
        public var removedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case admin, keyID, reason, removedBy, removedAt
        }

        public init(admin: ActorName, keyID: SignerKeyID, reason: String?, removedBy: LedgerActor, removedAt: Date) {
            self.admin = admin
            self.keyID = keyID
            self.reason = reason
            self.removedBy = removedBy
            self.removedAt = removedAt
        }
    }

    /// The key the ledger's checkpoints are signed with, and the origin they name (stream
    /// `ledger`), set by an admin. The key itself never enters the database: `shiplog
    /// checkpoint` signs only with this one, and `receipt verify` checks the key an auditor
    /// gives against it.
    public struct CheckpointKeySet: Hashable, Sendable, Codable {
        public var origin: String
        public var publicKey: PublicKeyBytes
        public var keyID: SignerKeyID
        public var setBy: LedgerActor
        public var setAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case origin, publicKey, keyID, setBy, setAt
        }

        public init(origin: String, publicKey: PublicKeyBytes, keyID: SignerKeyID, setBy: LedgerActor, setAt: Date) {
            self.origin = origin
            self.publicKey = publicKey
            self.keyID = keyID
            self.setBy = setBy
            self.setAt = setAt
        }
    }
}
