import ArgumentParser
import ShiplogCore
import Testing

@testable import shiplog

/// The command line's parsing and validation, without running anything.
@Suite("Parsing the command line")
struct ParsingTests {
    private let append = ["events", "append", "--stream", "release-d-1", "--type", "ReleaseNoted", "--data", "{}"]

    @Test(
        "--expected-version takes a number, any, or none",
        arguments: [
            ("none", ExpectedVersion.noStream), ("no-stream", .noStream), ("0", .noStream), ("any", .any),
            ("ANY", .any),
            ("7", .exact(7)),
        ]
    )
    func expectedVersionSpellings(spelling: String, expected: ExpectedVersion) throws {
        let command = try Shiplog.parseAsRoot(append + ["--expected-version", spelling])
        let parsed = try #require(command as? Events.Append)
        #expect(parsed.expectedVersion == expected)
    }

    @Test("without --expected-version, any version is accepted")
    func expectedVersionDefault() throws {
        let parsed = try #require(try Shiplog.parseAsRoot(append) as? Events.Append)
        #expect(parsed.expectedVersion == .any)
        #expect(parsed.stream == "release-d-1")
        #expect(parsed.id == nil)
        #expect(parsed.output.json == false)
    }

    @Test(
        "--expected-version banana (or a negative number) is a validation error naming the option",
        arguments: ["banana", "-1", "1.5", ""]
    )
    func badExpectedVersion(spelling: String) {
        let error = #expect(throws: (any Error).self) {
            try Shiplog.parseAsRoot(append + ["--expected-version=\(spelling)"])
        }
        guard let error else { return }
        #expect(Shiplog.exitCode(for: error) == .validationFailure)
        #expect(Shiplog.message(for: error).contains("--expected-version"), "\(Shiplog.message(for: error))")
    }

    @Test("--id must be a UUID")
    func badID() {
        let error = #expect(throws: (any Error).self) { try Shiplog.parseAsRoot(append + ["--id", "retry-1"]) }
        guard let error else { return }
        #expect(Shiplog.exitCode(for: error) == .validationFailure)
        #expect(Shiplog.message(for: error).contains("--id must be a UUID"))
    }

    @Test("append needs --stream, --type and --data")
    func missingOptions() {
        for dropped in ["--stream", "--type", "--data"] {
            let index = append.firstIndex(of: dropped)!
            var arguments = append
            arguments.removeSubrange(index...index + 1)
            let error = #expect(throws: (any Error).self) { try Shiplog.parseAsRoot(arguments) }
            if let error { #expect(Shiplog.message(for: error).contains(dropped)) }
        }
    }

    @Test("read refuses --limit 0 and --from 0", arguments: [["--limit", "0"], ["--from", "0"]])
    func readValidation(arguments: [String]) {
        let error = #expect(throws: (any Error).self) { try Shiplog.parseAsRoot(["events", "read"] + arguments) }
        if let error { #expect(Shiplog.exitCode(for: error) == .validationFailure) }
    }

    @Test("shared options: --database-url and --json reach the command")
    func sharedOptions() throws {
        let verify = try #require(
            try Shiplog.parseAsRoot(["verify", "--json", "--database-url", "postgresql://db/ledger"]) as? Verify
        )
        #expect(verify.output.json)
        #expect(verify.database.databaseURL == "postgresql://db/ledger")
        #expect(verify.database.chosenURL == "postgresql://db/ledger")

        let read = try #require(
            try Shiplog.parseAsRoot(["events", "read", "--stream", "release-d-1", "--type", "A", "--type", "B"])
                as? Events.Read
        )
        #expect(read.type == ["A", "B"])
        #expect(read.from == 1)
        #expect(read.limit == 100)
    }

    @Test("the db subcommands parse")
    func databaseSubcommands() throws {
        #expect(try Shiplog.parseAsRoot(["db", "status", "--json"]) is Database.Status)
        #expect(try Shiplog.parseAsRoot(["db", "start"]) is Database.Start)
        #expect(try Shiplog.parseAsRoot(["db", "stop"]) is Database.Stop)
    }
}
