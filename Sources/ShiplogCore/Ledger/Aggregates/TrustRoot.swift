import Foundation

/// The ledger's root of trust (stream `ledger`): the admin keys. `shiplog init` records the
/// first admin; admins enroll approvers, set policies and may break glass.
public enum TrustRoot: Aggregate {
    /// An admin key.
    public struct Admin: Hashable, Sendable {
        public var name: ActorName
        public var publicKey: PublicKeyBytes
        public var keyID: SignerKeyID
        /// Nil for the first admin, who initialized the ledger.
        public var addedBy: LedgerActor?
        public var addedAt: Date
    }

    public struct State: Hashable, Sendable {
        public var admins: [Admin] = []
        /// Admin keys taken out of the trust root, with the removal: they sign nothing from then on.
        public var removed: [LedgerEvent.AdminRemoved] = []
        /// The key the ledger's checkpoints are signed with now, nil until an admin sets one.
        public var checkpointKey: LedgerEvent.CheckpointKeySet?

        public init() {}

        public var isInitialized: Bool { !admins.isEmpty }
        public func admin(keyID: SignerKeyID) -> Admin? { admins.first { $0.keyID == keyID } }
        public func isAdmin(_ keyID: SignerKeyID) -> Bool { admin(keyID: keyID) != nil }
    }

    public enum Command: Hashable, Sendable {
        /// `shiplog init`: the key signing the command becomes the first admin.
        case initialize(name: ActorName, publicKey: PublicKeyBytes, keyID: SignerKeyID)
        /// Another admin, added by an existing one.
        case addAdmin(name: ActorName, publicKey: PublicKeyBytes, keyID: SignerKeyID, by: LedgerActor)
        /// An admin removed by another admin; never the last one.
        case removeAdmin(name: ActorName, reason: String?, by: LedgerActor)
        /// The checkpoint key and origin, set (or replaced) by an admin.
        case setCheckpointKey(origin: String, publicKey: PublicKeyBytes, keyID: SignerKeyID, by: LedgerActor)
    }

    public static var initial: State { State() }

    public static func decide(_ command: Command, state: State, now: Date) throws -> Decision {
        switch command {
        case .initialize(let name, let publicKey, let keyID):
            if let first = state.admins.first {
                throw LedgerError(
                    .alreadyExists,
                    "the ledger is already initialized (first admin: \(first.name), key \(first.keyID))")
            }
            return Decision(
                stream: .ledger,
                events: [
                    .ledgerInitialized(
                        .init(admin: name, publicKey: publicKey, keyID: keyID, initializedAt: now))
                ])
        case .addAdmin(let name, let publicKey, let keyID, let actor):
            try requireAdmin(actor, in: state)
            if let existing = state.admins.first(where: { $0.name == name }) {
                throw LedgerError(.alreadyExists, "\(name) is already an admin (key \(existing.keyID))")
            }
            if let existing = state.admins.first(where: { $0.keyID == keyID || $0.publicKey == publicKey }) {
                throw LedgerError(.alreadyExists, "key \(keyID) is already the admin key of \(existing.name)")
            }
            return Decision(
                stream: .ledger,
                events: [
                    .adminAdded(.init(admin: name, publicKey: publicKey, keyID: keyID, addedBy: actor, addedAt: now))
                ])
        case .setCheckpointKey(let origin, let publicKey, let keyID, let actor):
            try requireAdmin(actor, in: state)
            guard !origin.isEmpty, origin.count <= 200, !origin.contains("+"),
                !origin.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 })
            else {
                throw LedgerError(
                    .invalidValue, "a checkpoint origin is a name without spaces or '+', like shiplog.example.com/prod: \(origin.debugDescription)")
            }
            if let current = state.checkpointKey, current.keyID == keyID, current.origin == origin {
                throw LedgerError(.alreadyExists, "the checkpoint key of \(origin) is already \(keyID)")
            }
            return Decision(
                stream: .ledger,
                events: [.checkpointKeySet(.init(origin: origin, publicKey: publicKey, keyID: keyID, setBy: actor, setAt: now))])
        case .removeAdmin(let name, let reason, let actor):
            try requireAdmin(actor, in: state)
            let reason = try FreeText.optional(reason, what: "the reason")
            guard let admin = state.admins.first(where: { $0.name == name }) else {
                let names = state.admins.map(\.name.rawValue).joined(separator: ", ")
                throw LedgerError(.notFound, "\(name) is not an admin (admins: \(names))")
            }
            guard admin.keyID != actor.keyID else {
                throw LedgerError(.notAuthorized, "an admin cannot remove themself: another admin must sign the removal")
            }
            guard state.admins.count > 1 else {
                throw LedgerError(.wrongState, "\(name) is the last admin; add another admin before removing this one")
            }
            return Decision(
                stream: .ledger,
                events: [
                    .adminRemoved(
                        .init(admin: name, keyID: admin.keyID, reason: reason, removedBy: actor, removedAt: now))
                ])
        }
    }

    /// Throws unless `actor` signs with an admin key.
    public static func requireAdmin(_ actor: LedgerActor, in state: State) throws {
        guard state.isInitialized else {
            throw LedgerError(.notAuthorized, "the ledger is not initialized: run shiplog init --key ADMIN_KEY first")
        }
        guard state.isAdmin(actor.keyID) else {
            throw LedgerError(
                .notAuthorized, "\(actor.name) is not an admin: this command must be signed with an admin key")
        }
    }

    public static func apply(_ event: LedgerEvent, to state: inout State) {
        switch event {
        case .ledgerInitialized(let e):
            state.admins.append(
                Admin(name: e.admin, publicKey: e.publicKey, keyID: e.keyID, addedBy: nil, addedAt: e.initializedAt))
        case .adminAdded(let e):
            state.admins.append(
                Admin(name: e.admin, publicKey: e.publicKey, keyID: e.keyID, addedBy: e.addedBy, addedAt: e.addedAt))
        case .adminRemoved(let e):
            state.admins.removeAll { $0.keyID == e.keyID }
            state.removed.append(e)
        case .checkpointKeySet(let e):
            state.checkpointKey = e
        default:
            break
        }
    }
}
