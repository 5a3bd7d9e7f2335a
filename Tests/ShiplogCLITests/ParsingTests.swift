import ArgumentParser
import Foundation
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

/// Times, durations and numbers: refused with a message naming the option and what to write,
/// before anything reaches the database.
@Suite("Parsing times, durations and numbers")
struct ArgumentValueTests {
    private func refusal(_ arguments: [String]) -> String? {
        let error = #expect(throws: (any Error).self, "\(arguments) should be refused") {
            try Shiplog.parseAsRoot(arguments)
        }
        guard let error else { return nil }
        #expect(Shiplog.exitCode(for: error) == .validationFailure)
        return Shiplog.message(for: error)
    }

    @Test(
        "ages beyond 100 years, impossible dates and times, and years outside 1970–9999 are refused",
        arguments: [
            ("999999999d", "longer than 100 years: write at most 36500d"),
            ("9999999d", "longer than 100 years"),
            ("36501d", "longer than 100 years"),
            ("99999999999999999999999h", "longer than 100 years"),
            ("0d", "must be more than zero"),
            ("2026-02-30", "not a time: write a real date or UTC time such as 2026-11-01"),
            ("2026-04-31", "not a time"),
            ("2026-11-01T25:00:00Z", "not a time"),
            ("2026-11-01T14:60Z", "not a time"),
            ("2026-11-01T14:00", "not a time"),
            ("-3d", "not a time"),
            ("yesterday", "not a time"),
            ("1969-12-31", "outside the years 1970 to 9999"),
            ("0001-01-01T00:00:00Z", "outside the years 1970 to 9999"),
        ]
    )
    func badTimes(value: String, reason: String) {
        let message = refusal(["history", "--since", value])
        #expect(message?.contains("The value '\(value)' is invalid for '--since <since>'") == true, "\(message ?? "")")
        #expect(message?.contains(reason) == true, "\(message ?? "")")
    }

    @Test(
        "every time option refuses an age that would overflow",
        arguments: [
            ["history", "--since"], ["history", "--until"], ["audit", "--actor", "alice", "--since"], ["metrics", "--since"],
        ]
    )
    func everyTimeOption(command: [String]) {
        let message = refusal(command + ["999999999d"])
        #expect(message?.contains("'\(command.last!) <") == true, "\(message ?? "")")
        #expect(message?.contains("longer than 100 years") == true, "\(message ?? "")")
    }

    @Test("times people write are read exactly; ages count back from now")
    func goodTimes() throws {
        let now = Date(timeIntervalSince1970: 1_795_352_400)
        #expect(try TimeArgument.parse("30d", now: now) == now.addingTimeInterval(-30 * 86_400))
        #expect(try TimeArgument.parse("12h", now: now) == now.addingTimeInterval(-12 * 3600))
        #expect(try TimeArgument.parse("36500d", now: now) == now.addingTimeInterval(-36_500 * 86_400))
        #expect(try TimeArgument.parse("2026-11-01") == Date(timeIntervalSince1970: 1_793_491_200))
        #expect(try TimeArgument.parse("2026-11-01T14:00:00Z") == Date(timeIntervalSince1970: 1_793_541_600))
        #expect(try TimeArgument.parse("2026-11-01T15:00:00+01:00") == Date(timeIntervalSince1970: 1_793_541_600))
        #expect(try TimeArgument.parse("2024-02-29") == Date(timeIntervalSince1970: 1_709_164_800))
        #expect(try TimeArgument.parse("1970-01-01") == Date(timeIntervalSince1970: 0))
        #expect(try TimeArgument.parse("9999-12-31T23:59:59Z") == Date(timeIntervalSince1970: 253_402_300_799))

        let history = try #require(try Shiplog.parseAsRoot(["history", "--since", "2026-11-01", "--limit", "5"]) as? History)
        #expect(history.since == Date(timeIntervalSince1970: 1_793_491_200))
        #expect(history.limit == 5)
    }

    @Test(
        "--ttl takes 90s, 15m, 1h or 2d, and refuses negative, zero, garbage and over-long durations",
        arguments: [
            ("-5m", "not a duration: write it like 90s, 15m, 1h or 2d"), ("0s", "must be more than zero"),
            ("1.5h", "not a duration"), ("1w", "not a duration"), ("", "not a duration"),
            ("99999999999999999999d", "longer than 100 years"), ("36501d", "longer than 100 years"),
        ]
    )
    func badDurations(value: String, reason: String) {
        let message = refusal(["policy", "set", "--env", "prod", "--approvals", "2", "--ttl", value])
        #expect(message?.contains("The value '\(value)' is invalid for '--ttl <ttl>'") == true, "\(message ?? "")")
        #expect(message?.contains(reason) == true, "\(message ?? "")")
    }

    @Test("durations people write")
    func goodDurations() throws {
        #expect(try DurationArgument.seconds("90s") == 90)
        #expect(try DurationArgument.seconds("15m") == 900)
        #expect(try DurationArgument.seconds("1h") == 3600)
        #expect(try DurationArgument.seconds("2d") == 172_800)
        #expect(try DurationArgument.seconds("600") == 600)
        let policy = try #require(
            try Shiplog.parseAsRoot(["policy", "set", "--env", "prod", "--approvals", "0", "--ttl", "30m"]) as? Policy.Set)
        #expect(policy.approvals == 0)
        #expect(policy.ttl == "30m")
    }

    @Test(
        "every numeric option refuses negative numbers, zero where it makes no sense, and words, naming the option",
        arguments: [
            (["events", "read", "--limit", "-5"], "--limit", "at least 1"),
            (["events", "read", "--limit", "0"], "--limit", "at least 1"),
            (["events", "read", "--limit", "ten"], "--limit", "at least 1"),
            (["events", "read", "--limit", "99999999999999999999"], "--limit", "at most 9223372036854775807"),
            (["events", "read", "--from", "-1"], "--from", "at least 1"),
            (["history", "--limit", "-5"], "--limit", "at least 1"),
            (["audit", "--actor", "alice", "--limit", "-5"], "--limit", "at least 1"),
            (["policy", "set", "--env", "prod", "--approvals", "-1"], "--approvals", "from 0 to 20"),
            (["policy", "set", "--env", "prod", "--approvals", "21"], "--approvals", "from 0 to 20"),
            (["bench", "append", "--events", "-1"], "--events", "at least 1"),
            (["bench", "append", "--writers", "-1"], "--writers", "at least 1"),
            (["bench", "append", "--batch-size", "0"], "--batch-size", "at least 1"),
            (["bench", "append", "--batches", "-1"], "--batches", "at least 1"),
            (["bench", "append", "--rounds", "-1"], "--rounds", "at least 1"),
            (["bench", "seed", "--events", "-5"], "--events", "at least 1"),
            (["bench", "ledger", "--runs", "-1"], "--runs", "at least 1"),
            (["bench", "ledger", "--repeats", "-1"], "--repeats", "at least 1"),
        ]
    )
    func badNumbers(arguments: [String], option: String, wanted: String) {
        let message = refusal(arguments)
        #expect(
            message?.contains("The value '\(arguments.last!)' is invalid for '\(option) <") == true,
            "\(message ?? "")")
        #expect(message?.contains("must be a whole number") == true, "\(message ?? "")")
        #expect(message?.contains(wanted) == true, "\(message ?? "")")
    }

    @Test("--expected-version -1 says what --expected-version takes, not 'Missing value'")
    func negativeExpectedVersion() {
        let message = refusal([
            "events", "append", "--stream", "s-1", "--type", "T", "--data", "{}", "--expected-version", "-1",
        ])
        #expect(message?.contains("--expected-version takes a number ≥ 0, any, or none; got '-1'") == true, "\(message ?? "")")
    }
}

@Suite("Exit codes")
struct ExitCodeTests {
    @Test("every kind of failure has an exit code of its own, mapped in one place")
    func oneCodePerKind() {
        let codes = ErrorKind.allCases.map(Shiplog.exitCode(for:))
        #expect(Set(codes).count == ErrorKind.allCases.count)
        #expect(Shiplog.exitCode(for: .refused) == 1)
        #expect(Shiplog.exitCode(for: .gateClosed) == 3)
        #expect(Shiplog.exitCode(for: .invalidInput) == 64)
        #expect(Shiplog.exitCode(for: .retry) == 75)
    }

    @Test("a lost race is a retry, not a refusal; a broken rule is a refusal")
    func raceIsNotRefusal() {
        #expect(LedgerError(.raceLost, "x").kind == .retry)
        #expect(LedgerError(.conflict, "x").kind == .refused)
        #expect(LedgerError(.invalidValue, "x").kind == .invalidInput)
    }
}
