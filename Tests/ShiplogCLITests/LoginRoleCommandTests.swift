import Foundation
import ShiplogTestSupport
import Testing

/// The README's set-up for a user: `CREATE ROLE deployer LOGIN; GRANT shiplog_app TO deployer`,
/// with `shiplog migrate` run by the role that owns the schema. (The whole ledger story as
/// such a role is LedgerStoryTests.wholeStory(login: .applicationRole).)
@Suite("shiplog as a login role holding shiplog_app")
struct LoginRoleCommandTests {
    static let appendSignature = "shiplog_append(text[], bigint[], int[], uuid[], text[], text[], text[], text[], boolean)"

    @Test("the README's set-up: an owner that is no superuser migrates; a user's role may not, and once migrated uses the ledger")
    func migrateIsTheOwners() async throws {
        let database = try await TestDatabase.create(migrated: false)
        var owner = ShiplogBinary(database: database)
        owner.environment["DATABASE_URL"] = try await database.ownerLogin()
        var deployer = ShiplogBinary(database: database)
        deployer.environment["DATABASE_URL"] = try await database.applicationLoginURL()

        let refused = try await deployer("migrate")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("permission denied"), "\(refused)")
        #expect(refused.stderr.contains("shiplog migrate must run as the role that owns Shiplog's tables"))
        let pending = try await deployer("events", "read")
        #expect(pending.stderr.contains("run: shiplog migrate"), "\(pending)")

        let migrated = try await owner("migrate")
        #expect(migrated.status == 0, "\(migrated)")
        let current = try await deployer("migrate")
        #expect(current.status == 0, "\(current)")
        #expect(current.stdout.contains("schema is current"))
        let appended = try await deployer("events", "append", "--stream", "release-d-1", "--type", "ReleaseNoted", "--data", "{}")
        #expect(appended.status == 0, "\(appended)")
        #expect(appended.stdout == "1\n")
        #expect(try await deployer("projections", "rebuild").status == 0)
        #expect(try await deployer("verify").status == 0)
    }

    @Test("an append that times out waiting for the head row says so, with SQLSTATE 55P03 and what to do")
    func lockTimeoutMessage() async throws {
        let database = try await TestDatabase.create()
        var deployer = ShiplogBinary(database: database)
        deployer.environment["DATABASE_URL"] = try await database.applicationLoginURL()
        let holder = try await database.connect()
        try await holder.execute(unsafeSQL: "ALTER FUNCTION \(Self.appendSignature) SET lock_timeout = '200ms'")
        try await holder.execute(unsafeSQL: "BEGIN; SELECT 1 FROM shiplog_head FOR UPDATE")

        let run = try await deployer("events", "append", "--stream", "release-d-1", "--type", "ReleaseNoted", "--data", "{}")
        try await holder.execute(unsafeSQL: "ROLLBACK")

        #expect(run.status == 75, "try again: \(run)")
        #expect(run.stderr.contains("lock timeout (SQLSTATE 55P03)"), "\(run)")
        #expect(run.stderr.contains("gave up waiting for a lock"))
        #expect(run.stderr.contains("nothing of it was written: run the command again"))
        #expect((try await deployer("events", "read", "--json").json() as? [Any])?.isEmpty == true)
    }

    @Test("an append that runs past its time limit says so, with SQLSTATE 57014 and what to do")
    func appendTimeoutMessage() async throws {
        let database = try await TestDatabase.create()
        var deployer = ShiplogBinary(database: database)
        deployer.environment["DATABASE_URL"] = try await database.applicationLoginURL()
        try await database.connect().execute(
            unsafeSQL: "CREATE OR REPLACE FUNCTION shiplog_append_timeout() RETURNS interval LANGUAGE sql STABLE AS $$ SELECT interval '1 microsecond' $$")

        let run = try await deployer("events", "append", "--stream", "release-d-1", "--type", "ReleaseNoted", "--data", "{}")

        #expect(run.status == 75, "try again: \(run)")
        #expect(run.stderr.contains("the append was canceled: it ran longer than its time limit"), "\(run)")
        #expect(run.stderr.contains("(SQLSTATE 57014)"))
        #expect(run.stderr.contains("nothing was written; run the command again"))
        #expect((try await deployer("events", "read", "--json").json() as? [Any])?.isEmpty == true)
    }
}
