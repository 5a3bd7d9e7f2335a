import Foundation
import ShiplogTestSupport
import ShiplogCore
import Testing

@testable import ShiplogPostgres

/// Design, Trust: "the application role appends only through the append function". Every
/// test connects as a login role of its own that holds shiplog_app and nothing else, as a
/// CLI user does (migrations/0003_the_door.sql).
@Suite("The database enforces the door")
struct ApplicationRoleTests {
    static let appendSignature = "shiplog_append(text[], bigint[], int[], uuid[], text[], text[], text[], text[], boolean)"

    /// How the owner changes the time limit of an append.
    static func appendTimeout(_ interval: String) -> String {
        "CREATE OR REPLACE FUNCTION shiplog_append_timeout() RETURNS interval LANGUAGE sql STABLE AS $$ SELECT interval '\(interval)' $$"
    }

    /// A migrated database with three events, projected, and a store connected as a login role.
    private func ledger() async throws -> (TestDatabase, login: PostgresConfiguration) {
        let database = try await TestDatabase.create()
        try await database.store().append([testEvent(), testEvent(), testEvent()], to: "release-d-1")
        try await Projector(pool: database.pool()).catchUp()
        return (database, try await database.applicationLogin())
    }

    /// What a writer could change: the log, its head, and the projection checkpoint.
    private func state(_ database: TestDatabase) async throws -> [String] {
        let connection = try await database.connect()
        return try await connection.query(
            """
            SELECT format('%s %s %s', position, encode(hash, 'hex'), actor) FROM events
            UNION ALL SELECT format('head %s %s', position, encode(hash, 'hex')) FROM shiplog_head
            UNION ALL SELECT format('checkpoint %s %s', name, position) FROM projection_checkpoints
            UNION ALL SELECT format('deploys %s', count(*)) FROM deploy_history
            """
        ).decode(String.self)
    }

    @Test(
        "a login role holding shiplog_app may not write the log, its head or the projections itself",
        arguments: [
            // A well-formed forged event, chained onto the head as the function would.
            """
            INSERT INTO events (position, id, stream, stream_version, type, payload, metadata, recorded_at, actor, prev_hash, hash)
            SELECT position + 1, gen_random_uuid(), stream, stream_version + 1, type, payload, metadata, now(), 'mallory', hash, sha256(hash)
              FROM events WHERE position = 3
            """,
            "UPDATE shiplog_head SET hash = sha256('forged')",
            "UPDATE shiplog_head SET position = position + 1",
            "SELECT position FROM shiplog_head FOR UPDATE",
            "UPDATE events SET actor = 'mallory' WHERE position = 2",
            "DELETE FROM events WHERE position = 3",
            "DELETE FROM events",
            "TRUNCATE events",
            """
            INSERT INTO deploy_history (id, environment, service, version, artifact, allow_unrecorded, requester,
                                        requested_at, outcome, last_position)
            VALUES ('d-forged', 'prod', 'web', '6.6.6', 'sha256:00', false, 'mallory', now(), 'succeeded', 3)
            """,
            "UPDATE deploy_history SET outcome = 'succeeded'",
            "DELETE FROM deploy_history",
            "TRUNCATE deploy_history",
            "INSERT INTO projection_checkpoints (name, position) VALUES ('mine', 0)",
            "UPDATE projection_checkpoints SET position = 0",
            "DELETE FROM projection_checkpoints",
            "INSERT INTO builds (service, version, artifact, recorded_by, recorded_at, position) VALUES ('web', '6.6.6', 'sha256:00', 'mallory', now(), 1)",
            "TRUNCATE builds, environment_services, environment_locks, active_alarms, deploy_participants",
            "INSERT INTO shiplog_migrations (name, checksum) VALUES ('9999_mine.sql', '00')",
            // The projector's inner function writes as its caller: not callable from outside.
            "SELECT shiplog_project(1, 3)",
            // Projections take a judgment (0004): the unjudged entry points are the owner's alone.
            "SELECT shiplog_project_batch('ledger', 10)",
            "SELECT shiplog_project_counted(1, 3, '{}', '{}')",
            "INSERT INTO skipped_events (position, reason) VALUES (2, 'hidden')",
            "DELETE FROM skipped_events",
        ]
    )
    func directWritesAreRefused(statement: String) async throws {
        let (database, login) = try await ledger()
        // A deploy row to update or delete.
        try await database.connect().execute(
            unsafeSQL: """
                INSERT INTO deploy_history (id, environment, service, version, artifact, allow_unrecorded, requester,
                                            requested_at, outcome, last_position)
                VALUES ('d-1', 'prod', 'web', '1.0.0', 'sha256:11', false, 'carol', now(), 'requested', 1)
                """)
        let before = try await state(database)

        let connection = try await PostgresConnection.connect(login)
        let error = try await #require(throws: PostgresError.self) {
            try await connection.query(PostgresQuery(unsafeSQL: statement))
        }

        #expect(error.sqlState == "42501", "\(statement): \(error)")
        #expect(error.message.contains("permission denied"))
        #expect(try await state(database) == before)
        #expect(try await ChainVerifier(pool: PostgresPool(configuration: login)).verify(chainOnly: true).ok)
    }

    @Test("through the door the same role appends, projects, rebuilds and reads, and verify finds the chain whole")
    func theDoorWorks() async throws {
        let (_, login) = try await ledger()
        let connection = try await PostgresConnection.connect(login)
        #expect(try await connection.query("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[0].decode(Bool.self, at: 0) == false)

        // The function itself, as a client of any language would call it.
        let row = try await connection.query(
            """
            SELECT status, first_position FROM shiplog_append(
                ARRAY['release-d-2'], ARRAY[0]::bigint[], ARRAY[1], ARRAY[\(UUID())]::uuid[], ARRAY['ReleaseNoted'],
                ARRAY['{"service":"api"}'], ARRAY['{}'], ARRAY['alice'])
            """)[0]
        let (status, position) = try row.decode((String, Int64).self)
        #expect(status == "appended")
        #expect(position == 4)

        // The store, and a batch as large as the benchmark's seed sends.
        let store = EventStore(pool: PostgresPool(configuration: login))
        try await store.append([testEvent()], to: "release-d-2", expectedVersion: .exact(1))
        let batch = try (0..<1_000).map { try testEvent(payload: #"{"n":\#($0)}"#) }
        let landed = try await store.append(batch, to: "artifacts-api")
        #expect(landed.lastPosition == 1_005)

        try await Migrator().requireCurrent(on: connection)
        let projector = Projector(pool: PostgresPool(configuration: login))
        #expect(try await projector.catchUp() == 1_002)
        #expect(try await projector.rebuild() == 1_005)
        #expect(try await projector.position() == ProjectionPosition(checkpoint: 1_005, head: 1_005))
        #expect(try await connection.query("SELECT count(*) FROM actor_activity")[0].decode(Int.self, at: 0) == 1_005)

        let verification = try await ChainVerifier(pool: PostgresPool(configuration: login)).verify(chainOnly: true)
        #expect(verification.ok)
        #expect(verification.events == 1_005)
        #expect(try await store.head().position == 1_005)
    }

    @Test("upgrading from 0002: a user's role is told the owner must migrate; once 0003 is applied it can read and append")
    func upgradeFromBeforeTheDoor() async throws {
        let database = try await TestDatabase.create(migrated: false)
        let owner = try await database.connect()
        try await Migrator(migrations: Migration.bundled.filter { $0.name < "0003" }).migrate(on: owner)
        let connection = try await PostgresConnection.connect(try await database.applicationLogin())

        let error = try await #require(throws: MigrationError.self) {
            try await Migrator().requireCurrent(on: connection)
        }
        #expect(error.description.contains("permission denied for table shiplog_migrations"))
        #expect(error.description.contains("run shiplog migrate as the role that owns Shiplog's tables"), "\(error)")

        #expect(
            try await Migrator().migrate(on: owner).map(\.name)
                == ["0003_the_door.sql", "0004_judged_projections.sql", "0005_command_group_commit.sql", "0006_one_summary_wording.sql",
                    "0007_projection_code.sql", "0008_signed_snapshots.sql", "0009_slack_replay_guard.sql", "0010_outbox.sql", "0011_server_role.sql", "0012_targets.sql", "0013_sns_messages.sql", "0014_one_insert_per_group.sql", "0015_merkle_tree.sql", "0016_lookups_before_the_lock.sql", "0017_command_reads.sql"] + Migration.bundledProjections.map(\.name))
        try await Migrator().requireCurrent(on: connection)
        let outcome = try await EventStore.append(
            [AppendRequest(stream: "release-d-1", events: [try testEvent()])], atomic: true, on: connection)
        #expect(outcome.count == 1)
        #expect(try await ChainVerifier(pool: database.pool()).verify(chainOnly: true).ok)
    }

    @Test("a login role without shiplog_app may not append or project at all")
    func outsidersAreRefused() async throws {
        let database = try await TestDatabase.create()
        let outsider = try await PostgresConnection.connect(try await database.applicationLogin(holdingApplicationRole: false))
        for statement in [
            "SELECT * FROM shiplog_append(ARRAY['s'], ARRAY[NULL]::bigint[], ARRAY[1], ARRAY[gen_random_uuid()], ARRAY['T'], ARRAY['{}'], ARRAY['{}'], ARRAY['x'])",
            "SELECT shiplog_project_batch('ledger', 10)",
            "SELECT shiplog_projection_reset('ledger')",
            "SELECT shiplog_projection_rebuild('ledger', 10)",
            "SELECT count(*) FROM events",
        ] {
            let error = try await #require(throws: PostgresError.self) {
                try await outsider.query(PostgresQuery(unsafeSQL: statement))
            }
            #expect(error.sqlState == "42501", "\(statement)")
        }
        #expect(try await database.store().rowCount() == 0)
    }

    @Test("the writers run as their owner with a fixed search_path, so a caller's temporary table cannot stand in for the head")
    func fixedSearchPath() async throws {
        let database = try await TestDatabase.create()
        let owner = try await database.connect()
        let functions = try await owner.query(
            """
            SELECT p.proname, p.prosecdef, 'search_path=pg_catalog, public, pg_temp' = ANY (p.proconfig)
              FROM pg_proc p
             WHERE p.proname IN ('shiplog_append', 'shiplog_project_batch', 'shiplog_projection_reset', 'shiplog_projection_rebuild')
             ORDER BY p.proname
            """
        ).decode((String, Bool, Bool).self)
        #expect(functions.map(\.0) == ["shiplog_append", "shiplog_project_batch", "shiplog_projection_rebuild", "shiplog_projection_reset"])
        #expect(functions.allSatisfy { $0.1 && $0.2 }, "\(functions)")

        let connection = try await PostgresConnection.connect(try await database.applicationLogin())
        try await connection.execute(
            unsafeSQL: """
                CREATE TEMP TABLE shiplog_head (singleton boolean, position bigint, hash bytea);
                INSERT INTO shiplog_head VALUES (true, 41, sha256('forged'));
                """)
        let outcome = try await EventStore.append(
            [AppendRequest(stream: "release-d-1", events: [try testEvent()])], atomic: true, on: connection)
        guard case .appended(let result) = outcome.first else {
            Issue.record("append refused: \(outcome)")
            return
        }
        #expect(result.firstPosition == 1)
        #expect(try await ChainVerifier(pool: database.pool()).verify(chainOnly: true).ok)
    }

    @Test("an append that waited for the head row is recorded no earlier than the append it waited for")
    func recordedTimeFollowsPosition() async throws {
        let database = try await TestDatabase.create()
        let login = try await database.applicationLogin()
        let holder = try await database.connect()
        try await holder.execute(unsafeSQL: "BEGIN; SELECT 1 FROM shiplog_head FOR UPDATE")

        // Starts now, waits for the head row...
        let waiting = Task {
            try await EventStore(pool: PostgresPool(configuration: login)).append([testEvent()], to: "deploy-waited")
        }
        // Not asked on the holder's connection: a transaction sees pg_stat_activity as it first read it.
        let observer = try await database.connect()
        try await waitUntil("the second append to wait for the head row") {
            try await observer.sessionsWaitingForLocks() == 1
        }
        // ...while this one, begun later, takes position 1 and commits first.
        _ = try await EventStore.append(
            [AppendRequest(stream: "deploy-first", events: [try testEvent()])], atomic: true, on: holder)
        try await holder.execute(unsafeSQL: "COMMIT")
        let second = try await waiting.value

        let log = try await database.store().all()
        #expect(second.firstPosition == 2)
        #expect(log.map(\.stream) == ["deploy-first", "deploy-waited"])
        #expect(log[1].recordedAtMicroseconds >= log[0].recordedAtMicroseconds, "\(log.map(\.recordedAtMicroseconds))")
        #expect(try await ChainVerifier(pool: database.pool()).verify(chainOnly: true).ok)
    }

    @Test("appends wait at most 10 s for the head row and run at most 30 s, unless the owner says otherwise")
    func timeoutSettings() async throws {
        let connection = try await TestDatabase.create().connect()
        let config = try await connection.query(
            "SELECT array_to_string(proconfig, '|') FROM pg_proc WHERE oid = \(Self.appendSignature)::regprocedure"
        )[0].decode(String.self, at: 0).split(separator: "|")
        #expect(config.contains("lock_timeout=10s"))
        let limit = try await connection.query("SELECT extract(epoch FROM shiplog_append_timeout())::float8")[0]
        #expect(try limit.decode(Double.self, at: 0) == 30)
    }

    @Test("an append that waits longer than its lock timeout fails with 55P03 and what to do, and writes nothing")
    func lockTimeout() async throws {
        let database = try await TestDatabase.create()
        let holder = try await database.connect()
        try await holder.execute(unsafeSQL: "ALTER FUNCTION \(Self.appendSignature) SET lock_timeout = '200ms'")
        let store = EventStore(pool: PostgresPool(configuration: try await database.applicationLogin()))
        try await holder.execute(unsafeSQL: "BEGIN; SELECT 1 FROM shiplog_head FOR UPDATE")

        let error = try await #require(throws: PostgresError.self) {
            try await store.append([testEvent()], to: "release-d-1")
        }
        try await holder.execute(unsafeSQL: "ROLLBACK")

        #expect(error.sqlState == "55P03")
        #expect(error.isTimeout)
        #expect(error.description.contains("gave up waiting for a lock"), "\(error)")
        #expect(error.description.contains("run the command again"))
        #expect(try await database.store().rowCount() == 0)
        #expect(try await store.append([testEvent()], to: "release-d-1").firstPosition == 1)
    }

    @Test("an append that runs past shiplog_append_timeout() fails with 57014 and what to do, and writes nothing")
    func appendTimeout() async throws {
        let database = try await TestDatabase.create()
        let owner = try await database.connect()
        try await owner.execute(unsafeSQL: Self.appendTimeout("1 microsecond"))
        let store = EventStore(pool: PostgresPool(configuration: try await database.applicationLogin()))

        let batch = try (0..<100).map { try testEvent(payload: #"{"n":\#($0)}"#) }
        let error = try await #require(throws: PostgresError.self) {
            try await store.append(batch, to: "release-d-1")
        }
        #expect(error.sqlState == "57014")
        #expect(error.description.contains("ran longer than its time limit"), "\(error)")
        #expect(error.description.contains("nothing was written"))
        #expect(try await database.store().rowCount() == 0)

        // 0 turns the limit off, as for statement_timeout.
        try await owner.execute(unsafeSQL: Self.appendTimeout("0"))
        #expect(try await store.append(batch, to: "release-d-1").lastPosition == 100)
    }

    @Test("a session's own statement timeout still applies, and its error says what to do")
    func sessionStatementTimeout() async throws {
        let database = try await TestDatabase.create()
        let connection = try await PostgresConnection.connect(try await database.applicationLogin())
        try await connection.execute(unsafeSQL: "SET statement_timeout = '50ms'")
        let error = try await #require(throws: PostgresError.self) {
            try await connection.query("SELECT pg_sleep(5)")
        }
        #expect(error.sqlState == "57014")
        #expect(error.description.contains("statement timeout"))
        #expect(error.description.contains("run the command again"), "\(error)")
    }

    @Test("the server's tables are the server's: a CLI user's role reads them but cannot clear the replay guard or mark a message sent")
    func serverTablesAreTheServers() async throws {
        let (database, login) = try await ledger()
        let user = try await PostgresConnection.connect(login)
        for statement in [
            "DELETE FROM slack_requests", "INSERT INTO slack_requests (signature, request_timestamp) VALUES ('v0=00', 1)",
            "UPDATE outbox SET state = 'delivered'", "INSERT INTO slack_messages (subject, channel, ts) VALUES ('d-1', 'C1', '1.2')",
        ] {
            let error = try await #require(throws: PostgresError.self) { try await user.execute(unsafeSQL: statement) }
            #expect(error.message.contains("permission denied"), "\(statement)")
        }
        #expect(try await user.query("SELECT count(*) FROM outbox")[0].decode(Int64.self, at: 0) == 0)

        // The server's own login holds shiplog_server too.
        let server = try await database.applicationLogin()
        let role = try await PostgresConnection.connect(server).query("SELECT current_user::text")[0].decode(String.self, at: 0)
        try await database.connect().execute(unsafeSQL: "GRANT shiplog_server TO \(role)")
        let serving = try await PostgresConnection.connect(server)
        try await serving.execute(unsafeSQL: "INSERT INTO slack_requests (signature, request_timestamp) VALUES ('v0=00', 1)")
        try await serving.execute(unsafeSQL: "DELETE FROM slack_requests")
    }
}
