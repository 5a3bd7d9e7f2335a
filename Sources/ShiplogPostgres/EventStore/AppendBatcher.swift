import Foundation

/// Coalesces concurrent appends into one transaction: the log is serialized on its head row,
/// so appends taking turns would each wait for the previous commit's disk flush; a group
/// pays for one flush together (design invariant 6: group commit).
///
/// What waits is a unit: one request, or a ledger command's requests, which land all or
/// nothing (`shiplog_append_commands` runs each unit in a subtransaction). Every unit keeps
/// its own outcome: one stream's version conflict does not fail the others sharing its
/// transaction.
///
/// No task of its own: the caller that finds nobody committing commits a group (its own unit
/// first, then whoever waits), and hands the lead to the next waiter, whose task commits the
/// next group. Callers arriving meanwhile wait and form that group.
///
/// A group that took in every waiter leaves nobody waiting: its writers come back one by one,
/// and the first would commit alone while the rest queue behind it, so groups would alternate
/// between one unit and all the others. A caller that finds the batcher idle right after a
/// group of several therefore lets the others' tasks run first (a few yields, no timer), and
/// commits with whoever has arrived by then.
public actor AppendBatcher {
    /// What a waiting caller is told: its outcome, or that it commits the next group.
    private enum Turn {
        case done(Result<[AppendResult], any Error>)
        case lead
    }

    private typealias Waiter = (requests: [AppendRequest], continuation: CheckedContinuation<Turn, Never>)

    private let pool: PostgresPool
    /// The most events one group commits.
    public let maximumGroupEvents: Int
    private var pending: [Waiter] = []
    private var leading = false
    /// How many units the last group committed.
    private var lastGroup = 0
    /// Groups and units committed so far (`bench append` reports the mean group size).
    public private(set) var groups = 0
    public private(set) var units = 0

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
        if leading {
            switch await withCheckedContinuation({ pending.append((requests, $0)) }) {
            case .done(let outcome): return try outcome.get()
            case .lead: break
            }
        }
        leading = true
        if lastGroup > 1 {
            // Writers of the last group may be on their way back: let them join this one.
            for _ in 0..<min(lastGroup, 8) where pending.count + 1 < lastGroup { await Task.yield() }
        }
        let others = takeGroup(after: requests)
        lastGroup = others.count + 1
        groups += 1
        units += lastGroup
        let outcomes = await commit([requests] + others.map(\.requests))
        for (waiter, outcome) in zip(others, outcomes.dropFirst()) { waiter.continuation.resume(returning: .done(outcome)) }
        if pending.isEmpty {
            leading = false
        } else {
            pending.removeFirst().continuation.resume(returning: .lead)
        }
        return try outcomes[0].get()
    }

    /// The oldest waiters that fit beside the leader's unit, up to the size limit, without two
    /// units sharing an event id (a retry racing its original): those wait for the next group.
    private func takeGroup(after leader: [AppendRequest]) -> [Waiter] {
        var group: [Waiter] = [], later: [Waiter] = []
        var ids = Set(leader.flatMap { $0.events.map(\.id) })
        var events = ids.count
        for waiter in pending {
            let unitIDs = waiter.requests.flatMap { $0.events.map(\.id) }
            if events + unitIDs.count <= maximumGroupEvents, ids.isDisjoint(with: unitIDs) {
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

    /// Commits `units` in one call; each gets its own outcome.
    private func commit(_ units: [[AppendRequest]]) async -> [Result<[AppendResult], any Error>] {
        do {
            return try await pool.withConnection { connection in
                // Single requests need no subtransaction each: one plain call gives each its outcome.
                guard units.allSatisfy({ $0.count == 1 }) else {
                    return try await EventStore.appendCommands(units, on: connection)
                }
                let requests = units.map { $0[0] }
                return try await EventStore.append(requests, atomic: false, on: connection).enumerated().map { index, outcome in
                    Result { [try EventStore.result(of: outcome, for: requests[index])] }
                }
            }
        } catch let error as PostgresError where units.count > 1 && !error.isConnectionProblem && !error.isTimeout {
            // One unit poisoned the statement (say, JSON PostgreSQL rejects): nothing was
            // written, so commit each alone and let only the bad one fail. Not after a timeout,
            // which every unit of the group would wait for again, one after the other.
            var outcomes: [Result<[AppendResult], any Error>] = []
            for unit in units { outcomes += await commit([unit]) }
            return outcomes
        } catch {
            return units.map { _ in .failure(error) }
        }
    }
}
