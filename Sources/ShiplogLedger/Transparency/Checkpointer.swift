import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogPostgres

/// Makes the ledger's signed checkpoints (C2SP `tlog-checkpoint`): the tree's size and root,
/// signed with the checkpoint key (which never enters the database), checked first to extend
/// the last checkpoint published, cosigned by the configured witnesses, recorded, and
/// published outside the database.
public struct Checkpointer: Sendable {
    public let pool: PostgresPool
    public let signer: NoteSigner
    public var publishers: [any CheckpointPublisher]
    public var witnesses: [WitnessClient]

    public init(pool: PostgresPool, signer: NoteSigner, publishers: [any CheckpointPublisher] = [], witnesses: [WitnessClient] = []) {
        self.pool = pool
        self.signer = signer
        self.publishers = publishers
        self.witnesses = witnesses
    }

    /// The origin (and key name) a checkpoint key signs under when none is configured: one
    /// per key, so two ledgers never share an origin at a witness.
    public static func defaultOrigin(for key: PublicKey) -> String {
        "shiplog/\(key.keyID)"
    }

    /// Refuses a key the ledger has not enrolled as its checkpoint key, or under another origin.
    func requireEnrolled() async throws {
        let root = try await LedgerStore(events: EventStore(pool: pool)).load([.ledger]).state(TrustRoot.self, .ledger)
        let mine = signer.verifierKey
        guard let enrolled = root.checkpointKey else {
            throw CheckpointError(
                "the ledger has no checkpoint key: an admin enrolls this one with shiplog checkpoint enroll --public-key \(mine.publicKey.base64) --origin \(mine.name) --key ADMIN_KEY"
            )
        }
        guard enrolled.publicKey.bytes == mine.publicKey.bytes, enrolled.origin == mine.name else {
            throw CheckpointError(
                "this key (\(mine.publicKey.keyID), origin \(mine.name)) is not the ledger's checkpoint key (\(enrolled.keyID), origin \(enrolled.origin), set by \(enrolled.setBy.name)): use that key, or have an admin enroll this one"
            )
        }
    }

    /// What one checkpoint run made.
    public struct Made: Sendable {
        public var checkpoint: Checkpoint
        public var note: SignedNote
        /// The checkpoint it was checked to extend (nil for the first).
        public var previousSize: Int64?
        public var cosigners: [String]
        public var published: [String]
        /// False when the tree has not grown since the last checkpoint: nothing new was made.
        public var isNew: Bool
    }

    /// Makes a checkpoint of the tree as it stands, unless it is the last one again and
    /// `evenIfUnchanged` is false.
    public func checkpoint(evenIfUnchanged: Bool = false) async throws -> Made {
        try await requireEnrolled()
        return try await pool.withConnection { connection in
            let size = try await LogTree.size(on: connection)
            let root = try await LogTree.root(size: size, on: connection)
            let checkpoint = Checkpoint(origin: signer.verifierKey.name, size: size, rootHash: root)
            let previous = try await self.previous(on: connection)
            if let previous {
                try await check(checkpoint, extends: previous, on: connection)
                if previous.checkpoint.size == size && !evenIfUnchanged {
                    return Made(
                        checkpoint: previous.checkpoint, note: previous.note, previousSize: size,
                        cosigners: [], published: [], isNew: false)
                }
            }
            var note = SignedNote(text: checkpoint.text)
            note.add(signer.signature(of: checkpoint.text))
            var cosigners: [String] = []
            for witness in witnesses {
                let cosignature = try await witness.cosign(note, believedSize: previous?.checkpoint.size ?? 0) { old in
                    guard old > 0, old < size else { return [] }
                    return try await LogTree.consistencyProof(old: old, new: size, on: connection)
                }
                note.add(cosignature)
                cosigners.append(witness.key.name)
            }
            _ = try await connection.query(
                "SELECT shiplog_checkpoint_record(\(size), \(PostgresBytes(root)), \(note.serialized))")
            var published: [String] = []
            for publisher in publishers {
                try await publisher.publish(note.serialized, size: size)
                published.append(publisher.location)
            }
            return Made(
                checkpoint: checkpoint, note: note, previousSize: previous?.checkpoint.size, cosigners: cosigners,
                published: published, isNew: true)
        }
    }

    /// The newest checkpoint this key signed: from the first publisher that has one (outside
    /// the database, where a rewrite cannot reach), else from the ledger's own record.
    func previous(on connection: PostgresConnection) async throws -> (checkpoint: Checkpoint, note: SignedNote)? {
        var texts: [(String, String)] = []
        for publisher in publishers {
            if let text = try await publisher.latest() { texts.append((text, publisher.location)) }
        }
        let recorded = try await connection.query("SELECT note FROM shiplog_checkpoints ORDER BY tree_size DESC LIMIT 1")
        if !recorded.isEmpty { texts.append((try recorded[0].decode(String.self, at: 0), "the ledger's checkpoint table")) }
        guard let (text, location) = texts.first else { return nil }
        do {
            let note = try SignedNote(parsing: text)
            guard try note.verify(signer.verifierKey) != nil else {
                throw CheckpointError("it is not signed by this checkpoint key (\(signer.verifierKey))")
            }
            return (try Checkpoint(text: note.text), note)
        } catch let error as CheckpointError {
            throw CheckpointError("the last checkpoint in \(location) cannot be checked: \(error.description)")
        } catch {
            throw CheckpointError("the last checkpoint in \(location) cannot be checked: \(error)")
        }
    }

    /// Refuses to sign a tree that does not extend the last checkpoint: that is a fork.
    func check(_ checkpoint: Checkpoint, extends previous: (checkpoint: Checkpoint, note: SignedNote), on connection: PostgresConnection)
        async throws
    {
        let old = previous.checkpoint
        guard old.size <= checkpoint.size else {
            throw CheckpointError(
                "the log holds \(checkpoint.size) events but the last checkpoint committed to \(old.size): events were removed; not signing",
                isFork: true)
        }
        let proof = try await LogTree.consistencyProof(old: old.size, new: checkpoint.size, on: connection)
        guard
            MerkleTree.verifyConsistency(
                old: old.size, new: checkpoint.size, oldRoot: old.rootHash, newRoot: checkpoint.rootHash, proof: proof)
        else {
            throw CheckpointError(
                "the log does not extend the last checkpoint (\(old.size) events, root \(Base64.encode(old.rootHash))): history before it was rewritten; not signing. Run shiplog verify --since on that checkpoint",
                isFork: true)
        }
    }
}
