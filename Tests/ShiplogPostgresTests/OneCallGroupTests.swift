import Foundation
import ShiplogCore
import ShiplogTestSupport
import Testing

@testable import ShiplogPostgres

/// One call of `shiplog_append_commands` (migration 0014) decides its units in order, each
/// against the log and against what the units before it appended, and writes the landed ones
/// with one INSERT: a refused unit leaves nothing behind, and positions, versions and the
/// chain are as if each landed unit had been appended alone.
@Suite("One group, one call: units decided in order")
struct OneCallGroupTests {
    @Test("a unit refused after its first request wrote nothing; the units around it land gapless, and the chain verifies")
    func refusedUnitRollsBack() async throws {
        let database = try await TestDatabase.create()
        let pool = database.pool()
        let store = EventStore(pool: pool)
        try await store.append([testEvent()], to: "s-0")
        let units: [[AppendRequest]] = [
            // 1: lands at position 2, s-1 version 1.
            [AppendRequest(stream: "s-1", expectedVersion: .noStream, events: [try testEvent()])],
            // 2: appends to s-2, then expects s-1 not to exist, but unit 1 just wrote it: refused whole.
            [
                AppendRequest(stream: "s-2", expectedVersion: .noStream, events: [try testEvent(), try testEvent()]),
                AppendRequest(stream: "s-1", expectedVersion: .noStream, events: []),
            ],
            // 3: sees unit 1's version of s-1 (1), and lands right after it: position 3.
            [AppendRequest(stream: "s-1", expectedVersion: .exact(1), events: [try testEvent()])],
            // 4: s-2 does not exist, since unit 2 was refused.
            [AppendRequest(stream: "s-2", expectedVersion: .noStream, events: [try testEvent()])],
        ]
        let outcomes = try await pool.withConnection { try await EventStore.appendCommands(units, on: $0) }
        #expect(try outcomes[0].get().map(\.firstPosition) == [2])
        #expect(throws: AppendError.self) { try outcomes[1].get() }
        if case .failure(let error as AppendError) = outcomes[1] {
            #expect(error.stream == "s-1")
            #expect(error.actualVersion == 1)
        }
        let third = try outcomes[2].get()
        #expect(third.map(\.firstPosition) == [3])
        #expect(third.map(\.streamVersion) == [2])
        let fourth = try outcomes[3].get()
        #expect(fourth.map(\.firstPosition) == [4])
        #expect(fourth.map(\.streamVersion) == [1])
        #expect(try await store.rowCount() == 4)
        #expect(try await store.read(stream: "s-2").count == 1)
        #expect(try await ChainVerifier(pool: pool).verify().ok)
    }

    @Test("an event id a unit before it in the same call appended is that unit's: the same event is a duplicate, another is refused")
    func idsWithinTheCall() async throws {
        let database = try await TestDatabase.create()
        let pool = database.pool()
        let store = EventStore(pool: pool)
        let event = try testEvent()
        let other = try testEvent("SomethingElse", id: event.id)
        let units: [[AppendRequest]] = [
            [AppendRequest(stream: "s-1", expectedVersion: .any, events: [event])],
            [AppendRequest(stream: "s-1", expectedVersion: .any, events: [event])],
            [AppendRequest(stream: "s-9", expectedVersion: .any, events: [other])],
        ]
        let outcomes = try await pool.withConnection { try await EventStore.appendCommands(units, on: $0) }
        let first = try outcomes[0].get(), second = try outcomes[1].get()
        #expect(first.map(\.wasDuplicate) == [false])
        #expect(second.map(\.wasDuplicate) == [true])
        #expect(second.map(\.firstPosition) == first.map(\.firstPosition))
        #expect(throws: AppendError.self) { try outcomes[2].get() }
        #expect(try await store.rowCount() == 1)
        #expect(try await ChainVerifier(pool: pool).verify().ok)
    }

    @Test("a call that read the log before the head row was free sees what committed while it waited: a retry is a duplicate, a stale expected version is refused")
    func lookupsBeforeTheLock() async throws {
        let database = try await TestDatabase.create()
        let pool = database.pool(maximumConnections: 3)
        let store = EventStore(pool: pool)
        try await store.append([testEvent()], to: "s-1")
        let original = try testEvent()
        let holder = try await database.connect()
        let watcher = try await database.connect()
        let waiter = try await holder.transaction { holder in
            // The group holding the head row: it appends the original and has not committed.
            let held = try await EventStore.appendCommands(
                [[AppendRequest(stream: "s-1", expectedVersion: .exact(1), events: [original])]], on: holder)
            #expect(try held[0].get().map(\.firstPosition) == [2])
            // The next group reads s-1 at version 1 and no event with the original's id, then
            // waits for the head row.
            let waiter = Task {
                try await pool.withConnection { connection in
                    try await EventStore.appendCommands(
                        [
                            [AppendRequest(stream: "s-1", expectedVersion: .any, events: [original])],
                            [AppendRequest(stream: "s-1", expectedVersion: .exact(1), events: [try testEvent()])],
                            [AppendRequest(stream: "s-1", expectedVersion: .any, events: [try testEvent()])],
                        ], on: connection)
                }
            }
            var waiting = false
            for _ in 0..<500 where !waiting {
                waiting = try await watcher.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )[0].decode(Int64.self, at: 0) > 0
                if !waiting { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(waiting, "the second group never waited for the head row")
            return waiter
        }
        let outcomes = try await waiter.value
        let retry = try outcomes[0].get()
        #expect(retry.map(\.wasDuplicate) == [true])
        #expect(retry.map(\.firstPosition) == [2])
        #expect(throws: AppendError.self) { try outcomes[1].get() }
        if case .failure(let error as AppendError) = outcomes[1] { #expect(error.actualVersion == 2) }
        let landed = try outcomes[2].get()
        #expect(landed.map(\.firstPosition) == [3])
        #expect(landed.map(\.streamVersion) == [3])
        #expect(try await store.rowCount() == 3)
        #expect(try await ChainVerifier(pool: pool).verify().ok)
    }
}
