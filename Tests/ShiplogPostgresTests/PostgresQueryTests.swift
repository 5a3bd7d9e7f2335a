import Foundation
import ShiplogTestSupport
import ShiplogPostgres
import Testing

/// Values reach SQL only as binds, and come back as they went.
@Suite("Binds and decoding")
struct PostgresQueryTests {
    @Test("interpolated values become $n placeholders, and the query's description never shows them")
    func interpolationMakesBinds() {
        let secret = "hunter2"
        let limit = 5
        let query: PostgresQuery = "SELECT * FROM events WHERE actor = \(secret) LIMIT \(limit)"
        #expect(query.sql == "SELECT * FROM events WHERE actor = $1 LIMIT $2")
        #expect(query.binds == ["hunter2", "5"])
        #expect(!query.description.contains(secret))
    }

    @Test(
        "text that looks like SQL round-trips as data",
        arguments: [
            "'; DROP TABLE events; --",
            "Robert'); DROP TABLE students;--",
            "$1",
            "\\x00 \\' \" ` ; /* */",
            "",
            "日本語 ✓ émoji 🚀",
        ]
    )
    func injectionRoundTripsAsData(value: String) async throws {
        let database = try await TestDatabase.create()
        let connection = try await database.connect()

        let echoed = try await connection.query("SELECT \(value)::text")[0].decode(String.self, at: 0)
        #expect(echoed == value)

        try await connection.query("CREATE TABLE notes (body text)")
        try await connection.query("INSERT INTO notes (body) VALUES (\(value))")
        #expect(try await connection.query("SELECT body FROM notes WHERE body = \(value)").count == 1)
        #expect(try await connection.query("SELECT to_regclass('events') IS NOT NULL")[0].decode(Bool.self, at: 0))
    }

    @Test("a bind holding a NUL byte is refused, not silently cut short")
    func nulByteIsNotTruncated() async throws {
        let connection = try await TestDatabase.create(migrated: false).connect()
        let value = "deploy-d-1\u{0}-and-more"

        // PostgreSQL text cannot hold NUL: an error is right, answering "deploy-d-1" is not.
        let echoed = try? await connection.query("SELECT \(value)::text")[0].decode(String.self, at: 0)

        #expect(echoed == nil, "the bind came back as \(echoed.debugDescription) instead of being refused")
    }

    @Test("NULL decodes as nil into an Optional, and is an error for a non-optional type")
    func nullDecoding() async throws {
        let connection = try await TestDatabase.create(migrated: false).connect()
        let missing: String? = nil
        let present: Int64? = 42

        let row = try await connection.query("SELECT \(missing)::text AS note, \(present)::bigint, NULL::uuid")[0]
        #expect(try row.decode(String?.self, at: 0) == nil)
        #expect(try row.decode(Int64?.self, at: 1) == 42)
        #expect(try row.decode(UUID?.self, column: "uuid") == nil)

        let error = try #require(throws: PostgresError.self) { try row.decode(String.self, at: 0) }
        #expect(error.code == .decoding)
        #expect(error.description.contains("note"))
        #expect(error.description.contains("NULL"))
    }

    @Test("scalars round-trip: integers, booleans, doubles, UUIDs and bytes")
    func scalarsRoundTrip() async throws {
        let connection = try await TestDatabase.create(migrated: false).connect()
        let id = UUID()
        let bytes = PostgresBytes([0, 1, 0x7f, 0x80, 0xff])

        let row = try await connection.query(
            "SELECT \(Int64.min + 1)::bigint, \(Int32.max)::int, \(true)::boolean, \(false)::boolean, \(0.1)::float8, \(id)::uuid, \(bytes)::bytea"
        )[0]
        let (minimum, maximum, yes, no, tenth, uuid, decodedBytes) = try row.decode(
            (Int64, Int32, Bool, Bool, Double, UUID, PostgresBytes).self
        )

        #expect(minimum == Int64.min + 1)
        #expect(maximum == Int32.max)
        #expect(yes == true)
        #expect(no == false)
        #expect(tenth == 0.1)
        #expect(uuid == id)
        #expect(decodedBytes == bytes)
    }

    @Test("the extremes of bigint round-trip")
    func bigintExtremes() async throws {
        // In a child process: a decoder that traps must fail this test, not end the test run.
        await #expect(processExitsWith: .success) {
            let connection = try await TestDatabase.create(migrated: false).connect()
            let row = try await connection.query("SELECT \(Int64.max)::bigint, \(Int64.min)::bigint")[0]
            let (maximum, minimum) = try row.decode((Int64, Int64).self)
            guard maximum == .max, minimum == .min else { exit(1) }
        }
    }

    @Test("an integer too large for Int64 is a decoding error, not a wrapped-around number")
    func integerOverflowIsAnError() async throws {
        let connection = try await TestDatabase.create(migrated: false).connect()
        let row = try await connection.query("SELECT 18446744073709551617::numeric AS total")[0]

        #expect(
            throws: PostgresError.self,
            "decoded as \((try? row.decode(Int64.self, at: 0)).map(String.init) ?? "an error")"
        ) {
            try row.decode(Int64.self, at: 0)
        }
    }

    @Test("arrays with quotes, backslashes, commas, braces, NULL and the word NULL round-trip through ::text[]")
    func arraysRoundTrip() async throws {
        let connection = try await TestDatabase.create(migrated: false).connect()
        let values: [String?] = [
            #"say "hi""#, #"back\slash"#, #"\""#, "a,b", "{braces}", "NULL", nil, "", "  spaced  ", "ünï ✓",
            "'; DROP TABLE x; --",
        ]

        let rows = try await connection.query(
            "SELECT value FROM unnest(\(values)::text[]) WITH ORDINALITY AS t(value, n) ORDER BY n"
        )
        #expect(try rows.decode(String?.self) == values)
        #expect(try await connection.query("SELECT cardinality(\([String]())::text[])")[0].decode(Int.self, at: 0) == 0)
        #expect(
            try await connection.query("SELECT (\([Int64(3), -4])::bigint[])[2]")[0].decode(Int64.self, at: 0) == -4
        )
    }

    @Test("raw SQL needs the explicitly unsafe spelling and is spliced in as text")
    func unsafeRaw() async throws {
        let connection = try await TestDatabase.create(migrated: false).connect()
        let column = "answer"
        let row = try await connection.query("SELECT \(41 + 1) AS \(unsafeRaw: column)")[0]
        #expect(try row.decode(Int.self, column: "answer") == 42)
    }
}
