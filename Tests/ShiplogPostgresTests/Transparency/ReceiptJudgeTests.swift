import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import Testing

@testable import ShiplogPostgres

/// Receipts judged as the ledger judges: a start the log holds but the gate never allowed
/// cannot be proven, and the Merkle tree the database keeps is the one its rows make.
@Suite("Receipts and the Merkle tree, against a real ledger")
struct ReceiptJudgeTests {
    let prod = try! Environment("prod")
    let web = try! ServiceName("web")

    /// A checkpointer with a fresh key, enrolled by the story's admin.
    func checkpointer(_ story: TrustStory) async throws -> Checkpointer {
        let key = SigningKey.generate()
        try await story.ledger.setCheckpointKey(origin: "ledger.example/prod", publicKey: key.publicKey.base64, key: story.admin)
        return try Checkpointer(
            pool: PostgresPool(configuration: story.login, maximumConnections: 2), signer: NoteSigner(name: "ledger.example/prod", key: key))
    }

    @Test("an approver revoked before the start: the receipt of that start fails and names why")
    func revokedBeforeTheStart() async throws {
        let story = try await TrustStory.make()
        let id = try await story.request()
        try await story.ledger.approve(id.rawValue, key: story.alice)
        try await story.ledger.approve(id.rawValue, key: story.bob)
        try await story.ledger.revokeApprover(name: "bob", reason: "left the team", key: story.admin)
        // The database role writes the start the gate would now refuse, signed by the CI key.
        let now = Date()
        let started = LedgerEvent.deployStarted(
            .init(
                deployID: id, environment: prod, service: web, version: try ServiceVersion("1.2.3"),
                artifact: try ArtifactDigest(TrustStory.digest), approvedBy: [try ActorName("alice"), try ActorName("bob")],
                breakGlass: false, breakGlassReason: nil, startedBy: try story.actor("ci", story.ci), startedAt: now))
        let forged = try await story.forger.append(
            [(.deploy(id), started)], as: .startDeploy(id: id, breakGlassReason: nil), signedWith: story.ci, at: now)

        let checkpointer = try await checkpointer(story)
        let made = try await checkpointer.checkpoint()
        #expect(made.checkpoint.size == forged + 1)
        let receipt = try await checkpointer.pool.withConnection { try await ReceiptBuilder.receipt(for: id, on: $0) }
        #expect(receipt.entries.contains { $0.position == forged })
        let verdict = ReceiptVerifier.verify(receipt, ledgerKey: checkpointer.signer.verifierKey, witnessKeys: [], quorum: 0)
        #expect(!verdict.ok)
        #expect(verdict.summary.hasPrefix("FAILS: DeployStarted at \(forged) does not count"), "\(verdict)")
        #expect(verdict.summary.contains("needs 2 approvals, has 1 of 2 (alice)"), "\(verdict)")
        #expect(verdict.summary.contains("bob"), "\(verdict)")
    }

    @Test("a checkpoint signed by a key the ledger did not enroll proves nothing, even checked with that key")
    func unenrolledCheckpointKey() async throws {
        let story = try await TrustStory.make()
        let id = try await story.request()
        let checkpointer = try await checkpointer(story)
        _ = try await checkpointer.checkpoint()
        // Someone with the database signs the same tree with a key of their own.
        let rogue = try NoteSigner(name: "ledger.example/prod", key: .generate())
        let (size, root) = try await checkpointer.pool.withConnection { connection in
            let size = try await LogTree.size(on: connection)
            return (size, try await LogTree.root(size: size, on: connection))
        }
        let text = Checkpoint(origin: "ledger.example/prod", size: size, rootHash: root).text
        let note = SignedNote(text: text, signatures: [rogue.signature(of: text)]).serialized
        let receipt = try await checkpointer.pool.withConnection { try await ReceiptBuilder.receipt(for: id, checkpoint: note, on: $0) }
        let verdict = ReceiptVerifier.verify(receipt, ledgerKey: rogue.verifierKey, witnessKeys: [], quorum: 0)
        #expect(!verdict.ok)
        #expect(verdict.summary.contains("the ledger enrolled checkpoint key"), "\(verdict)")
        // The real key still proves it.
        let real = try await checkpointer.pool.withConnection { try await ReceiptBuilder.receipt(for: id, on: $0) }
        #expect(ReceiptVerifier.verify(real, ledgerKey: checkpointer.signer.verifierKey, witnessKeys: [], quorum: 0).ok)
    }

    @Test("the tree the trigger keeps under concurrent group commits is the one the rows make, and its proofs verify")
    func treeUnderGroupCommit() async throws {
        let story = try await TrustStory.make(maximumConnections: 8, groupCommit: true)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for round in 0..<10 {
                        try await story.forger.appendUnsigned(stream: "notes-\(writer)", type: "Note", payload: #"{"round":\#(round)}"#)
                    }
                }
            }
            try await group.waitForAll()
        }
        let connection = try await story.database.connect()
        let events = try await EventStore.read(fromPosition: 1, limit: 10_000, on: connection)
        var frontier = MerkleFrontier()
        for event in events { frontier.append(leafHash: LogTree.leafHash(of: event)) }
        let size = try await LogTree.size(on: connection)
        #expect(size == Int64(events.count))
        #expect(try await LogTree.root(size: size, on: connection) == frontier.root)
        let rows = try await connection.query("SELECT count(*) FROM shiplog_merkle")[0].decode(Int64.self, at: 0)
        #expect(rows == (LogTree.storedLevel...62).reduce(Int64(0)) { $0 + (size >> Int64($1)) })
        for event in events where event.position % 7 == 0 {
            let proof = try await LogTree.inclusionProof(position: event.position, size: size, on: connection)
            #expect(
                MerkleTree.verifyInclusion(
                    leafHash: LogTree.leafHash(of: event), index: event.position - 1, size: size, proof: proof, root: frontier.root))
        }
        #expect(try await story.verify().ok)
        // The tree is append-only too, for the application role.
        let login = try await PostgresConnection.connect(story.login)
        await #expect(throws: PostgresError.self) { try await login.query("DELETE FROM shiplog_merkle") }
        await #expect(throws: PostgresError.self) { try await login.query("SELECT shiplog_merkle_extend()") }
    }

    @Test("a node of the Merkle tree changed behind the triggers: verify names the positions it covers")
    func alteredTree() async throws {
        let story = try await TrustStory.make()
        for note in 0..<40 { try await story.forger.appendUnsigned(stream: "notes", type: "Note", payload: #"{"n":\#(note)}"#) }
        let connection = try await story.database.connect()
        try await connection.execute(
            unsafeSQL: "SET session_replication_role = replica; UPDATE shiplog_merkle SET hash = sha256('x') WHERE level = 4 AND idx = 1")
        let verification = try await story.verify()
        #expect(!verification.ok)
        #expect(verification.firstBadPosition == 17)
        #expect(verification.reason?.contains("the stored Merkle tree's node over positions 17–32 is not the hash of its events") == true, "\(verification)")
    }
}
