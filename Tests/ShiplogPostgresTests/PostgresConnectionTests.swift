import Foundation
import ShiplogTestSupport
import ShiplogPostgres
import Testing

@Suite("Connecting, errors and notifications")
struct PostgresConnectionTests {
    @Test(
        "a malformed database URL is refused before any connection is tried",
        arguments: [
            "postgres://user@host:notaport/db", "mysql://x", "   ", "host=/tmp dbname",
            "postgresql://user@host/db?nonsense=1",
        ]
    )
    func malformedURL(url: String) throws {
        let error = try #require(throws: PostgresError.self) { try PostgresConfiguration(url) }
        #expect(error.code == .invalidConfiguration)
    }

    @Test("a scheme other than postgresql is named in the message")
    func wrongScheme() throws {
        let error = try #require(throws: PostgresError.self) { try PostgresConfiguration("mysql://x") }
        #expect(error.description.contains("malformed database URL"))
        #expect(error.description.contains("mysql"))
    }

    @Test("URLs and key=value strings are accepted, and their description shows no password")
    func wellFormed() throws {
        let url = try PostgresConfiguration("postgresql://deployer:s3cret@db.internal:6543/ledger")
        #expect(url.description == "db.internal:6543/ledger")
        let short = try PostgresConfiguration("postgres://db.internal/ledger")
        #expect(short.description == "db.internal:5432/ledger")
        let keyValue = try PostgresConfiguration("host=/run/postgresql user=deployer password=s3cret dbname=ledger")
        #expect(keyValue.description == "/run/postgresql/ledger")
    }

    @Test("a key=value string whose password contains :// is accepted, and never quoted in an error")
    func passwordWithSchemeLikeText() throws {
        do {
            _ = try PostgresConfiguration("host=/run/postgresql user=deployer password=zq://xk dbname=ledger")
        } catch {
            #expect(!"\(error)".contains("zq"), "the error shows part of the password: \(error)")
            Issue.record("a valid key=value string was refused: \(error)")
        }
    }

    @Test("a socket folder where nothing listens fails with connectionFailed and says to check the server")
    func nothingListens() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(
            path: "shiplog-empty-\(UUID().uuidString.prefix(8))"
        )
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let error = try await #require(throws: PostgresError.self) {
            try await PostgresConnection.connect(
                PostgresConfiguration("host=\(folder.path) user=nobody password=s3cret dbname=ledger")
            )
        }
        #expect(error.code == .connectionFailed)
        #expect(error.isConnectionProblem)
        #expect(error.description.contains("check that the server is running"))
        #expect(error.description.contains(folder.path))
        #expect(!error.description.contains("s3cret"))
    }

    @Test("a unique violation carries SQLSTATE 23505, and the error does not show the bound values")
    func uniqueViolation() async throws {
        let connection = try await TestDatabase.create(migrated: false).connect()
        try await connection.query("CREATE TABLE tokens (secret text PRIMARY KEY)")
        let secret = "tok-8f3a9c2e"
        try await connection.query("INSERT INTO tokens VALUES (\(secret))")

        let error = try await #require(throws: PostgresError.self) {
            try await connection.query("INSERT INTO tokens VALUES (\(secret))")
        }

        #expect(error.code == .server)
        #expect(error.sqlState == "23505")
        #expect(error.description.contains("23505"))
        #expect(error.description.contains("tokens_pkey"))
        #expect(!error.description.contains(secret))
        #expect(error.file.hasSuffix("PostgresConnectionTests.swift"))
    }

    @Test("a missing table carries SQLSTATE 42P01")
    func missingTable() async throws {
        let connection = try await TestDatabase.create(migrated: false).connect()
        let error = try await #require(throws: PostgresError.self) {
            try await connection.query("SELECT * FROM no_such_table WHERE x = \("value")")
        }
        #expect(error.sqlState == "42P01")
        #expect(error.description.contains("no_such_table"))
        #expect(!error.isConnectionProblem)
    }

    @Test("a bound value PostgreSQL cannot parse is not repeated in the error's description")
    func unparsableBindIsNotShown() async throws {
        let connection = try await TestDatabase.create(migrated: false).connect()
        let secret = "xoxb-1234-secret-token"

        let error = try await #require(throws: PostgresError.self) {
            try await connection.query("SELECT \(secret)::int")
        }

        #expect(error.sqlState == "22P02")
        #expect(!error.description.contains(secret), "the description shows the bind: \(error.description)")
    }

    @Test("the connection stays usable after a server error, and a failed transaction rolls back")
    func transactionRollsBack() async throws {
        let connection = try await TestDatabase.create(migrated: false).connect()
        try await connection.query("CREATE TABLE notes (body text)")

        await #expect(throws: PostgresError.self) {
            try await connection.transaction { connection in
                try await connection.query("INSERT INTO notes VALUES (\("kept?"))")
                try await connection.query("SELECT 1/0")
            }
        }

        #expect(connection.isHealthy)
        #expect(try await connection.query("SELECT count(*) FROM notes")[0].decode(Int.self, at: 0) == 0)
        let committed = try await connection.transaction { connection in
            try await connection.query("INSERT INTO notes VALUES (\("kept"))").affectedRows
        }
        #expect(committed == 1)
        #expect(try await connection.query("SELECT body FROM notes").decode(String.self) == ["kept"])
    }

    @Test("LISTEN/NOTIFY delivers a notification with its payload to the listening connection")
    func listenNotify() async throws {
        let database = try await TestDatabase.create(migrated: false)
        let listener = try await database.connect()
        let notifier = try await database.connect()
        let channel = #"deploys "quoted" channel"#
        try await listener.listen(channel)

        try await notifier.query("SELECT pg_notify(\(channel), \("deploy-d-42 started"))")

        var received: [PostgresNotification] = []
        while received.isEmpty { received = try await listener.notifications(waitingUpTo: .seconds(600)) }
        #expect(received.count == 1)
        #expect(received.first?.channel == channel)
        #expect(received.first?.payload == "deploy-d-42 started")
        #expect(try await listener.notifications(waitingUpTo: .zero).isEmpty)
    }
}
