import Foundation

/// Coalesces concurrent appends into one transaction: the log is serialized on its head row,
/// so appends taking turns would each wait for the previous commit's disk flush; a group
/// pays for one flush together (design invariant 6: group commit).
///
/// What waits is a unit: one request, or a ledger command's requests, which land all or
/// nothing (`shiplog_append_commands` runs each unit in a subtransaction). Every unit keeps
/// its own outcome: one stream's version conflict does not fail the others sharing its
/// transaction.
public actor AppendBatcher {
    private typealias Waiter = (requests: [AppendRequest], continuation: CheckedContinuation<[AppendResult], any Error>)

    private let pool: PostgresPool
    /// The most events one group commits.
    public let maximumGroupEvents: Int
    private var pending: [Waiter] = []
    private var draining = false

    public init(pool: PostgresPool, maximumGroupEvents: Int = 2_000) {
        self.pool = pool
        self.maximumGroupEvents = maximumGroupEvents
    }

    /// Appends `request` in the next group and returns where it landed.
    public func append(_ request: AppendRequest) async throws -> AppendResult {
        try EventStore.validate([request])
        return try await enqueue([request])[0]
    }

    /// Appends `requests` (one command) in the next group, all or nothing; a request with no
    /// events only checks its stream's version.
    public func appendAtomically(_ requests: [AppendRequest]) async throws -> [AppendResult] {
        try EventStore.validate(requests, allowingVersionChecks: true)
        return try await enqueue(requests)
    }

    private func enqueue(_ requests: [AppendRequest]) async throws -> [AppendResult] {
        try await withCheckedThrowingContinuation { continuation in
            pending.append((requests, continuation))
            if !draining {
                draining = true
                Task { await drain() }
            }
        }
    }

    /// Commits groups until nothing waits. Appends that arrive during a commit form the next group.
    private func drain() async {
        while !pending.isEmpty {
            await commit(takeGroup())
        }
        draining = false
    }

    /// The oldest waiters, up to the size limit, without two units sharing an event id
    /// (a retry racing its original): those wait for the next group.
    private func takeGroup() -> [Waiter] {
        var group: [Waiter] = [], later: [Waiter] = []
        var ids = Set<UUID>(), events = 0
        for waiter in pending {
            let unitIDs = waiter.requests.flatMap { $0.events.map(\.id) }
            let fits = group.isEmpty || events + unitIDs.count <= maximumGroupEvents
            if fits, ids.isDisjoint(with: unitIDs) {
                group.append(waiter)
                ids.formUnion(unitIDs)
                events += unitIDs.count
            } else {
                later.append(waiter)
            }
        }
        pending = later
        return group
    }

    private func commit(_ group: [Waiter]) async {
        do {
            let outcomes = try await pool.withConnection { connection in
                try await EventStore.appendCommands(group.map(\.requests), on: connection)
            }
            for (waiter, outcome) in zip(group, outcomes) { waiter.continuation.resume(with: outcome) }
        } catch let error as PostgresError where group.count > 1 && !error.isConnectionProblem && !error.isTimeout {
            // One unit poisoned the statement (say, JSON PostgreSQL rejects): nothing was
            // written, so commit each alone and let only the bad one fail. Not after a timeout,
            // which every unit of the group would wait for again, one after the other.
            for waiter in group { await commit([waiter]) }
        } catch {
            for waiter in group { waiter.continuation.resume(throwing: error) }
        }
    }
}
