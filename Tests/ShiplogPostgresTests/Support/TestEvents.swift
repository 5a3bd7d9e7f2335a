import Foundation
import ShiplogTestSupport
import ShiplogCore
import ShiplogPostgres

/// A valid event with a recognisable payload.
func testEvent(
    _ type: String = "ReleaseNoted",
    payload: String = #"{"service":"api","version":"1.2.3"}"#,
    id: UUID = UUID(),
    actor: String = "alice"
) throws -> NewEvent {
    try NewEvent(id: id, type: type, payload: payload, metadata: #"{"source":"tests"}"#, actor: actor)
}

extension EventStore {
    /// The whole log, in position order.
    func all() async throws -> [RecordedEvent] {
        try await read(fromPosition: 1, limit: 1_000_000)
    }

    /// Row count of the events table, independent of the read path.
    func rowCount() async throws -> Int64 {
        try await pool.withConnection { try await $0.query("SELECT count(*) FROM events")[0].decode(Int64.self, at: 0) }
    }
}

extension PostgresConnection {
    /// How many other sessions of this database wait for a lock right now.
    func sessionsWaitingForLocks() async throws -> Int {
        try await query(
            """
            SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
            """
        )[0].decode(Int.self, at: 0)
    }
}

/// Waits for a state of the database that another task is bringing about. Not a timing
/// assertion: the bound only turns a hang into a failure with a reason.
func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
    for _ in 0..<6_000 {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TestDatabaseError("gave up waiting for \(what)")
}

/// A one-shot signal between tasks.
actor Signal {
    private var raised = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func raise() {
        raised = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }

    func wait() async {
        if raised { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}

/// Lets `parties` tasks continue only once all of them have arrived.
actor Barrier {
    private let parties: Int
    private var arrived = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(parties: Int) { self.parties = parties }

    func arriveAndWait() async {
        arrived += 1
        if arrived == parties {
            for waiter in waiters { waiter.resume() }
            waiters.removeAll()
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }
}
