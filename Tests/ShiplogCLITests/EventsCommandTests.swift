import Foundation
import ShiplogTestSupport
import Testing

@Suite("shiplog events")
struct EventsCommandTests {
    private func migratedCLI() async throws -> ShiplogBinary {
        let shiplog = ShiplogBinary(database: try await TestDatabase.create(migrated: false))
        let migrated = try await shiplog("migrate")
        try #require(migrated.status == 0, "\(migrated)")
        return shiplog
    }

    @Test("append prints the new event's position")
    func appendPrintsPosition() async throws {
        let shiplog = try await migratedCLI()

        let first = try await shiplog(
            "events",
            "append",
            "--stream",
            "release-d-1",
            "--type",
            "ReleaseNoted",
            "--data",
            #"{"service":"api"}"#
        )
        let second = try await shiplog(
            "events",
            "append",
            "--stream",
            "release-d-2",
            "--type",
            "ReleaseNoted",
            "--data",
            "{}"
        )

        #expect(first.status == 0, "\(first)")
        #expect(first.stdout == "1\n")
        #expect(second.stdout == "2\n")
    }

    @Test("append --json prints exactly id, position, stream, streamVersion and duplicate")
    func appendJSON() async throws {
        let shiplog = try await migratedCLI()
        let id = UUID().uuidString.lowercased()
        try #require(
            try await shiplog("events", "append", "--stream", "release-d-1", "--type", "A", "--data", "1").status == 0
        )

        let run = try await shiplog(
            "events",
            "append",
            "--stream",
            "release-d-1",
            "--type",
            "RolloutBegan",
            "--data",
            #"{"by":"bob"}"#,
            "--id",
            id,
            "--json"
        )

        #expect(run.status == 0, "\(run)")
        let report = try run.jsonObject()
        #expect(Set(report.keys) == ["id", "position", "stream", "streamVersion", "duplicate"])
        #expect(report["id"] as? String == id)
        #expect(report["position"] as? Int == 2)
        #expect(report["stream"] as? String == "release-d-1")
        #expect(report["streamVersion"] as? Int == 2)
        #expect(report["duplicate"] as? Bool == false)
    }

    @Test("a version conflict exits 75 (try again) with a one-line message saying so, and writes nothing")
    func versionConflict() async throws {
        let shiplog = try await migratedCLI()
        let append = [
            "events", "append", "--stream", "lock-production", "--type", "LockTaken", "--data", "{}",
            "--expected-version", "none",
        ]

        let first = try await shiplog.run(append)
        let second = try await shiplog.run(append)
        let stale = try await shiplog.run(Array(append.dropLast()) + ["0"])

        #expect(first.status == 0, "\(first)")
        #expect(second.status == 75, "try again: \(second)")
        #expect(second.stdout.isEmpty)
        let message = second.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(message.contains("version conflict"))
        #expect(message.contains("lock-production"))
        #expect(!message.contains("\n"), "more than one line: \(message)")
        #expect(stale.status == 75)
        #expect((try await shiplog("events", "read", "--json").json() as? [Any])?.count == 1)
    }

    @Test("an append retried with the same --id prints the same position and writes once")
    func retryWithSameID() async throws {
        let shiplog = try await migratedCLI()
        let id = UUID().uuidString
        let append = [
            "events", "append", "--stream", "release-d-7", "--type", "ApprovalGiven", "--data", #"{"approver":"carol"}"#,
            "--id", id,
        ]

        let first = try await shiplog.run(append)
        try #require(
            try await shiplog("events", "append", "--stream", "release-d-8", "--type", "X", "--data", "{}").status == 0
        )
        let retry = try await shiplog.run(append)
        let retryJSON = try await shiplog.run(append + ["--json"])

        #expect(first.stdout == "1\n")
        #expect(retry.status == 0, "\(retry)")
        #expect(retry.stdout == "1\n")
        #expect(try retryJSON.jsonObject()["duplicate"] as? Bool == true)
        #expect(try retryJSON.jsonObject()["position"] as? Int == 1)
        #expect((try await shiplog("events", "read", "--json").json() as? [Any])?.count == 2)
    }

    @Test("the same --id with different data is refused")
    func reusedID() async throws {
        let shiplog = try await migratedCLI()
        let id = UUID().uuidString
        let base = ["events", "append", "--stream", "release-d-7", "--type", "ApprovalGiven", "--id", id, "--data"]
        try #require(try await shiplog.run(base + [#"{"approver":"carol"}"#]).status == 0)

        let reused = try await shiplog.run(base + [#"{"approver":"mallory"}"#])

        #expect(reused.status == 1, "\(reused)")
        #expect(reused.stderr.contains("already belongs to a different event"))
    }

    @Test("read --json returns the events with their data as JSON values")
    func readJSON() async throws {
        let shiplog = try await migratedCLI()
        try #require(
            try await shiplog(
                "events",
                "append",
                "--stream",
                "release-d-1",
                "--type",
                "ReleaseNoted",
                "--data",
                #"{"service":"api","replicas":3,"canary":true}"#,
                "--metadata",
                #"{"requestId":"r-1"}"#,
                "--actor",
                "alice"
            ).status == 0
        )
        try #require(
            try await shiplog("events", "append", "--stream", "release-d-1", "--type", "Note", "--data", #""just text""#)
                .status == 0
        )
        try #require(
            try await shiplog(
                "events",
                "append",
                "--stream",
                "artifacts-api",
                "--type",
                "BuildRegistered",
                "--data",
                "[1,2]"
            ).status == 0
        )

        let run = try await shiplog("events", "read", "--json")

        #expect(run.status == 0, "\(run)")
        let events = try #require(try run.json() as? [[String: Any]])
        #expect(events.map { $0["position"] as? Int } == [1, 2, 3])
        let first = try #require(events.first)
        #expect(
            Set(first.keys) == [
                "position", "id", "stream", "streamVersion", "type", "data", "metadata", "actor", "recordedAt", "hash",
            ]
        )
        let data = try #require(first["data"] as? [String: Any])
        #expect(data["service"] as? String == "api")
        #expect(data["replicas"] as? Int == 3)
        #expect(data["canary"] as? Bool == true)
        #expect((first["metadata"] as? [String: Any])?["requestId"] as? String == "r-1")
        #expect(first["actor"] as? String == "alice")
        #expect(first["stream"] as? String == "release-d-1")
        #expect(first["streamVersion"] as? Int == 1)
        #expect((first["hash"] as? String)?.count == 64)
        #expect(events[1]["data"] as? String == "just text")
        #expect(events[1]["actor"] as? String == "ci-runner")
        #expect(events[2]["data"] as? [Int] == [1, 2])

        let stream = try #require(
            try await shiplog("events", "read", "--stream", "release-d-1", "--json").json() as? [[String: Any]]
        )
        #expect(stream.map { $0["type"] as? String } == ["ReleaseNoted", "Note"])
        let typed = try #require(
            try await shiplog("events", "read", "--type", "BuildRegistered", "--json").json() as? [[String: Any]]
        )
        #expect(typed.map { $0["position"] as? Int } == [3])
    }

    @Test("read for people prints a table, or says there are no events")
    func readText() async throws {
        let shiplog = try await migratedCLI()
        #expect(try await shiplog("events", "read").stdout == "no events\n")
        try #require(
            try await shiplog("events", "append", "--stream", "release-d-1", "--type", "ReleaseNoted", "--data", "{}")
                .status == 0
        )

        let run = try await shiplog("events", "read")

        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("POSITION") == true)
        #expect(lines.last?.contains("ReleaseNoted") == true)
    }

    @Test("read for people shows escape sequences and bidi overrides from stored text as visible escapes; --json keeps them exact")
    func readEscapesStoredText() async throws {
        let shiplog = try await migratedCLI()
        let type = "Foo\u{1b}[31m"
        let data = #"{"note":"\#u{202e}gnp.exe"}"#
        try #require(try await shiplog("events", "append", "--stream", "release-d-1", "--type", type, "--data", data).status == 0)

        let run = try await shiplog("events", "read")

        #expect(run.status == 0, "\(run)")
        #expect(!run.stdout.contains("\u{1b}"), "the terminal must not be recoloured")
        #expect(!run.stdout.contains("\u{202e}"))
        #expect(run.stdout.contains(#"Foo\x1b[31m"#), "\(run)")
        #expect(run.stdout.contains(#"{"note":"\u{202E}gnp.exe"}"#), "\(run)")
        let events = try #require(try await shiplog("events", "read", "--json").json() as? [[String: Any]])
        #expect(events.first?["type"] as? String == type)
        #expect((events.first?["data"] as? [String: Any])?["note"] as? String == "\u{202e}gnp.exe")
    }

    @Test("reading a stream nobody appended to fails and says it was not found")
    func unknownStream() async throws {
        let shiplog = try await migratedCLI()

        let run = try await shiplog("events", "read", "--stream", "deploy-nobody")

        #expect(run.status != 0)
        #expect(run.stderr.contains("not found"), "\(run)")
        #expect(run.stderr.contains("deploy-nobody"))
    }

    @Test("--data that is not JSON fails with a message saying so, and nothing is written")
    func dataIsNotJSON() async throws {
        let shiplog = try await migratedCLI()

        let run = try await shiplog(
            "events",
            "append",
            "--stream",
            "release-d-1",
            "--type",
            "ReleaseNoted",
            "--data",
            "{service: api}"
        )

        #expect(run.status != 0)
        #expect(run.stderr.contains("not valid JSON"), "\(run)")
        #expect((try await shiplog("events", "read", "--json").json() as? [Any])?.isEmpty == true)
    }

    @Test("appending to a database that was never migrated says to run shiplog migrate")
    func unmigratedDatabase() async throws {
        let shiplog = ShiplogBinary(database: try await TestDatabase.create(migrated: false))

        let run = try await shiplog("events", "append", "--stream", "s", "--type", "T", "--data", "{}")

        #expect(run.status != 0)
        #expect(run.stderr.contains("shiplog migrate"), "\(run)")
    }

    @Test("an --expected-version that is not a version is a usage error naming the option")
    func badExpectedVersion() async throws {
        let shiplog = try await migratedCLI()

        let run = try await shiplog(
            "events",
            "append",
            "--stream",
            "s",
            "--type",
            "T",
            "--data",
            "{}",
            "--expected-version",
            "banana"
        )

        #expect(run.status == 64, "\(run)")
        #expect(run.stderr.contains("--expected-version"))
        #expect((try await shiplog("events", "read", "--json").json() as? [Any])?.isEmpty == true)
    }
}
