import Foundation
import ShiplogTestSupport
import ShiplogCore
import Testing

@testable import ShiplogPostgres

/// Design invariant 1: the database itself refuses to change or remove events.
@Suite("The events table is append-only")
struct AppendOnlyTests {
    @Test(
        "UPDATE, DELETE and TRUNCATE are refused with SL003, even for the superuser, and nothing changes",
        arguments: [
            #"UPDATE events SET payload = '{"version":"6.6.6"}' WHERE position = 2"#,
            "UPDATE events SET actor = 'mallory'",
            "DELETE FROM events WHERE position = 3",
            "DELETE FROM events",
            "TRUNCATE events",
            "TRUNCATE events CASCADE",
        ]
    )
    func changesAreRefused(statement: String) async throws {
        let database = try await TestDatabase.create()
        let store = database.store()
        try await store.append([testEvent(), testEvent(), testEvent()], to: "deploy-d-1")
        let before = try await store.all()

        let connection = try await database.connect()
        let error = try await #require(throws: PostgresError.self) {
            try await connection.query(PostgresQuery(unsafeSQL: statement))
        }

        #expect(error.sqlState == "SL003")
        #expect(error.code == .server)
        #expect(error.message.contains("append-only"))
        #expect(error.description.contains("record a new event"))
        #expect(try await store.all() == before)
        #expect(try await ChainVerifier(pool: database.pool()).verify(chainOnly: true).ok)
    }

    @Test("the shiplog_app role may append and read, and has no privilege to change events")
    func applicationRole() async throws {
        let database = try await TestDatabase.create()
        let connection = try await database.connect()
        try await connection.execute(unsafeSQL: "SET ROLE shiplog_app")

        let outcomes = try await EventStore.append(
            [AppendRequest(stream: "deploy-d-1", events: [try testEvent()])],
            atomic: true,
            on: connection
        )
        #expect(outcomes.count == 1)
        #expect(try await EventStore.read(fromPosition: 1, limit: 10, on: connection).count == 1)

        for statement in ["UPDATE events SET actor = 'mallory'", "DELETE FROM events", "TRUNCATE events"] {
            let error = try await #require(throws: PostgresError.self) {
                try await connection.query(PostgresQuery(unsafeSQL: statement))
            }
            #expect(error.sqlState == "42501", "\(statement)")
        }
        #expect(try await database.store().rowCount() == 1)
    }
}
