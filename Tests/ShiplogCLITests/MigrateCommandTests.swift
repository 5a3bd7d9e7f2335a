import Foundation
import ShiplogTestSupport
import Testing

@Suite("shiplog migrate and choosing the database")
struct MigrateCommandTests {
    @Test("migrate applies the schema, and run again says the schema is current")
    func migrateTwice() async throws {
        let shiplog = ShiplogBinary(database: try await TestDatabase.create(migrated: false))

        let first = try await shiplog("migrate")
        let second = try await shiplog("migrate")
        let json = try await shiplog("migrate", "--json")

        #expect(first.status == 0, "\(first)")
        #expect(first.stdout.contains("applied 0001_event_store.sql"))
        #expect(second.status == 0, "\(second)")
        #expect(second.stdout.contains("schema is current"))
        let report = try json.jsonObject()
        #expect(report["applied"] as? [String] == [])
        #expect((report["current"] as? [String])?.contains("0001_event_store.sql") == true)
    }

    @Test("two migrate processes at once both succeed")
    func concurrentMigrate() async throws {
        let shiplog = ShiplogBinary(database: try await TestDatabase.create(migrated: false))

        async let first = shiplog("migrate", "--json")
        async let second = shiplog("migrate", "--json")
        let runs = try await [first, second]

        #expect(runs.map(\.status) == [0, 0], "\(runs)")
        let reports = try runs.map { try $0.jsonObject() }
        let applied: [[String]] = reports.map { $0["applied"] as? [String] ?? ["?"] }
        let current = try #require(reports.first?["current"] as? [String])
        // One process applied everything, the other found the schema current.
        #expect(applied.map(\.count).sorted() == [0, current.count])
        #expect(applied.joined().sorted() == current.sorted())
    }

    @Test("a malformed --database-url is refused with a message saying so")
    func malformedURL() async throws {
        let shiplog = ShiplogBinary(database: try await TestDatabase.create())

        for command in [["migrate"], ["events", "read"], ["verify"]] {
            let run = try await shiplog.run(command + ["--database-url", "mysql://x"])
            #expect(run.status != 0)
            #expect(run.stderr.contains("malformed database URL"), "\(command): \(run)")
        }
    }

    @Test("a URL whose port is not a number is reported as malformed, not as a server that is down")
    func portIsNotANumber() async throws {
        let shiplog = ShiplogBinary(database: try await TestDatabase.create())

        let run = try await shiplog("verify", "--database-url", "postgres://user@host:notaport/db")

        #expect(run.status != 0)
        #expect(run.stderr.contains("malformed database URL"), "\(run)")
        #expect(!run.stderr.contains("check that the server is running"))
    }

    @Test("a database that is down fails with a message saying it could not connect")
    func databaseDown() async throws {
        let shiplog = ShiplogBinary(database: try await TestDatabase.create())

        for command in [["migrate"], ["events", "append", "--stream", "s", "--type", "T", "--data", "{}"], ["verify"]] {
            let run = try await shiplog.run(command + ["--database-url", "host=/nonexistent-dir user=x dbname=y"])
            #expect(run.status != 0)
            #expect(run.stderr.contains("could not connect"), "\(command): \(run)")
        }
    }

    @Test("--database-url wins over DATABASE_URL")
    func optionWinsOverEnvironment() async throws {
        let database = try await TestDatabase.create()
        let shiplog = ShiplogBinary(environment: [
            "DATABASE_URL": "host=/nonexistent-dir user=x dbname=y", "SHIPLOG_HOME": "/nonexistent/shiplog-home",
        ])

        let run = try await shiplog(
            "events",
            "append",
            "--stream",
            "s",
            "--type",
            "T",
            "--data",
            "{}",
            "--database-url",
            database.conninfo
        )

        #expect(run.status == 0, "\(run)")
        #expect(run.stdout == "1\n")
    }
}
