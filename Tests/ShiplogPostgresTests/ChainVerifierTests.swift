import Foundation
import ShiplogTestSupport
import ShiplogCore
import ShiplogCrypto
import Testing

@testable import ShiplogPostgres

/// Design invariant 3: `shiplog verify` recomputes the chain and names the first bad position,
/// whatever a superuser did to the rows behind the triggers' back.
@Suite("Chain verification catches tampering")
struct ChainVerifierTests {
    /// Six events on three streams, appended one by one and in a batch.
    private func seededLog() async throws -> (TestDatabase, EventStore) {
        let database = try await TestDatabase.create()
        let store = database.store()
        try await store.append([testEvent("BuildRegistered")], to: "build-api")
        try await store.append([testEvent(), testEvent("ApprovalGiven")], to: "deploy-d-1")
        try await store.append([testEvent("RolloutBegan", actor: "système ✓")], to: "deploy-d-1")
        try await store.append([testEvent(payload: #"{"note":"ünïcode \" and \\ escapes"}"#)], to: "deploy-d-2")
        try await store.append([testEvent("DeployFinished")], to: "deploy-d-1")
        return (database, store)
    }

    private func tamper(_ database: TestDatabase, _ sql: String) async throws {
        try await database.tamperingConnection().execute(unsafeSQL: sql)
    }

    private func verify(_ database: TestDatabase, batchSize: Int = 10_000) async throws -> ChainVerification {
        // These rows are not the ledger's commands: only the chain is under test here.
        try await ChainVerifier(pool: database.pool(maximumConnections: 1), batchSize: batchSize).verify(chainOnly: true)
    }

    @Test(
        "an untouched log verifies: every event counted, head at N with the stored hash of N",
        arguments: [10_000, 2, 4]
    )
    func cleanLog(batchSize: Int) async throws {
        let (database, store) = try await seededLog()
        let stored = try #require(try await store.all().last)

        let verification = try await verify(database, batchSize: batchSize)

        #expect(verification.ok)
        #expect(verification.events == 6)
        #expect(verification.head.position == 6)
        #expect(verification.head.hash == Hex.encode(stored.hash))
        #expect(try await store.head().hash == stored.hash)
        #expect(verification.firstBadPosition == nil)
        #expect(verification.reason == nil)
    }

    @Test("an empty log verifies, with the genesis hash as head")
    func emptyLog() async throws {
        let verification = try await verify(try await TestDatabase.create())
        #expect(verification.ok)
        #expect(verification.events == 0)
        #expect(verification.head == .init(position: 0, hash: String(repeating: "0", count: 64)))
    }

    @Test(
        "a changed column of event 4 makes 4 the first bad position",
        arguments: [
            "payload = '{\"service\":\"api\",\"version\":\"6.6.6\"}'",
            "metadata = '{}'",
            "actor = 'mallory'",
            "type = 'DeployRolledBack'",
            "recorded_at = recorded_at - interval '1 hour'",
            "id = gen_random_uuid()",
            "stream = 'deploy-d-9'",
            "hash = sha256('forged')",
        ]
    )
    func changedColumn(assignment: String) async throws {
        let (database, _) = try await seededLog()
        try await tamper(database, "UPDATE events SET \(assignment) WHERE position = 4")

        let verification = try await verify(database)

        #expect(!verification.ok)
        #expect(verification.firstBadPosition == 4)
        #expect(verification.events == 3)
        #expect(verification.head.position == 3)
        #expect(verification.reason != nil)
    }

    @Test("a payload change is reported as an altered event, also across read batches", arguments: [10_000, 2, 3])
    func changedPayload(batchSize: Int) async throws {
        let (database, _) = try await seededLog()
        try await tamper(
            database,
            #"UPDATE events SET payload = '{"service":"api","version":"0.0.1"}' WHERE position = 5"#
        )

        let verification = try await verify(database, batchSize: batchSize)

        #expect(verification.firstBadPosition == 5)
        #expect(verification.reason?.contains("altered") == true)
    }

    @Test("a row deleted in the middle: the deleted position is the first bad one")
    func deletedInTheMiddle() async throws {
        let (database, _) = try await seededLog()
        try await tamper(database, "DELETE FROM events WHERE position = 3")

        let verification = try await verify(database)

        #expect(!verification.ok)
        #expect(verification.firstBadPosition == 3)
        #expect(verification.events == 2)
        #expect(verification.reason?.contains("missing") == true)
    }

    @Test("a row deleted at the end: the head row still says 6")
    func deletedAtTheEnd() async throws {
        let (database, _) = try await seededLog()
        try await tamper(database, "DELETE FROM events WHERE position = 6")

        let verification = try await verify(database)

        #expect(!verification.ok)
        #expect(verification.firstBadPosition == 6)
        #expect(verification.events == 5)
        #expect(verification.reason?.contains("removed") == true)
    }

    @Test("the last row deleted and the head rewound to 5 with a made-up hash: caught at 5")
    func deletedAtTheEndWithHeadRewound() async throws {
        let (database, _) = try await seededLog()
        try await tamper(
            database,
            """
            DELETE FROM events WHERE position = 6;
            UPDATE shiplog_head SET position = 5, hash = sha256('not the hash of 5');
            """
        )

        let verification = try await verify(database)

        #expect(!verification.ok)
        #expect(verification.firstBadPosition == 5)
    }

    @Test("a forged row inserted after the end: its position is the first bad one")
    func forgedRowInserted() async throws {
        let (database, _) = try await seededLog()
        try await tamper(
            database,
            """
            INSERT INTO events (position, id, stream, stream_version, type, payload, metadata, recorded_at, actor, prev_hash, hash)
            SELECT 7, gen_random_uuid(), stream, stream_version + 1, type, payload, metadata, recorded_at, actor, hash, hash
              FROM events WHERE position = 6
            """
        )

        let verification = try await verify(database)

        #expect(!verification.ok)
        #expect(verification.firstBadPosition == 7)
        #expect(verification.events == 6)
    }

    @Test("a correctly chained row appended without moving the head: reported as inserted outside the append path")
    func chainedRowBehindTheHead() async throws {
        let (database, _) = try await seededLog()
        let connection = try await database.tamperingConnection()
        try await connection.transaction { connection in
            _ = try await EventStore.append(
                [AppendRequest(stream: "deploy-d-1", events: [try testEvent("Forged")])],
                atomic: true,
                on: connection
            )
            try await connection.execute(
                unsafeSQL: "UPDATE shiplog_head SET position = 6, hash = (SELECT hash FROM events WHERE position = 6)"
            )
        }

        let verification = try await verify(database)

        #expect(!verification.ok)
        #expect(verification.firstBadPosition == 7)
        #expect(verification.events == 7)
        #expect(verification.reason?.contains("inserted") == true)
    }

    @Test("positions 3 and 4 swapped: 3 is the first bad position")
    func swappedRows() async throws {
        let (database, _) = try await seededLog()
        try await tamper(
            database,
            """
            UPDATE events SET position = 1000 WHERE position = 3;
            UPDATE events SET position = 3 WHERE position = 4;
            UPDATE events SET position = 4 WHERE position = 1000;
            """
        )

        let verification = try await verify(database)

        #expect(!verification.ok)
        #expect(verification.firstBadPosition == 3)
        #expect(verification.events == 2)
    }

    @Test("a head row whose hash was replaced is caught at the last position")
    func headHashReplaced() async throws {
        let (database, _) = try await seededLog()
        try await tamper(database, "UPDATE shiplog_head SET hash = sha256('forged')")

        let verification = try await verify(database)

        #expect(!verification.ok)
        #expect(verification.firstBadPosition == 6)
    }

    @Test("judging commands, a ledger event appended without shiplog's command signature is named")
    func unsignedLedgerEvent() async throws {
        let database = try await TestDatabase.create()
        let store = database.store()
        try await store.append([testEvent("NoteTaken")], to: "operator-notes")
        try await store.append(
            [testEvent("EnvironmentLocked", payload: #"{"environment":"production"}"#)],
            to: "environment-production"
        )

        let structural = try await verify(database)
        let judged = try await ChainVerifier(pool: database.pool()).verify()

        #expect(structural.ok)
        #expect(!judged.ok)
        #expect(judged.firstBadPosition == 2)
        #expect(judged.reason?.contains("no command signature") == true)
    }

    @Test("verifying a live ledger: an append committing while verify runs is not reported as tampering")
    func appendDuringVerify() async throws {
        let (database, _) = try await seededLog()
        // Hold the head row's table so verify, having read the events, waits to read the head;
        // append and commit meanwhile, as a busy server would.
        let writer = try await database.connect()
        try await writer.execute(unsafeSQL: "BEGIN; LOCK TABLE shiplog_head IN ACCESS EXCLUSIVE MODE")
        let verifying = Task { try await verify(database) }
        let observer = try await database.connect()
        try await waitUntil("verify to wait for the head row") { try await observer.sessionsWaitingForLocks() == 1 }
        _ = try await EventStore.append(
            [AppendRequest(stream: "deploy-d-3", events: [try testEvent()])],
            atomic: true,
            on: writer
        )
        try await writer.execute(unsafeSQL: "COMMIT")

        let verification = try await verifying.value

        #expect(
            verification.ok,
            "verify reported \(verification.reason ?? "nothing") at \(verification.firstBadPosition ?? 0)"
        )
    }
}
