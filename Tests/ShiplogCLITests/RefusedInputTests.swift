import Foundation
import Testing

/// Input the real binary refuses with a message, before it can crash or reach SQL.
@Suite("Refused input")
struct RefusedInputTests {
    @Test(
        "an age too far back exits 64 with a message, instead of crashing or leaking a PostgreSQL error",
        arguments: [
            ["history", "--since", "999999999d"], ["history", "--since", "9999999d"], ["history", "--until", "9999999d"],
            ["audit", "--actor", "alice", "--since", "999999999d"], ["metrics", "--since", "9999999d"],
        ]
    )
    func agesTooFarBack(arguments: [String]) async throws {
        let shiplog = ShiplogBinary(database: try await TestDatabase.create())
        let run = try await shiplog.run(arguments)
        #expect(run.status == 64, "\(run)")
        #expect(run.stderr.contains("longer than 100 years: write at most 36500d"), "\(run)")
        #expect(!run.stderr.contains("out of range"), "\(run)")
        #expect(run.stdout.isEmpty)
    }
}
