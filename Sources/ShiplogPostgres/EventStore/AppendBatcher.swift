import Foundation

/// Coalesces concurrent appends into one transaction: the log is serialized on its head row,
/// so appends taking turns would each wait for the previous commit's disk flush; a group
/// pays for one flush together (design invariant 6: group commit).
///
/// What waits is a unit: one request, or a ledger command's requests, which land all or
/// nothing (`shiplog_append_commands` decides each unit whole). Every unit keeps
/// its own outcome: one stream's version conflict does not fail the others sharing its
/// transaction.
///
/// No task of its own: a caller that may start a group commits it (its own unit first, then
/// whoever waits), and hands the lead to the next waiter, whose task commits the next group.
/// Callers arriving meanwhile wait and form that group.
///
/// Two groups may be in flight, each on its own connection, when there are writers enough
/// for two: while one holds the log's head row, the other is already at the database, where
/// it parses and does its lookups (before the lock since migration 0016) and takes the head
/// row the moment the first commits. The writers then split into two even halves. Each call
/// costs a statement, a lock hand-over and a commit whatever its size, so a group starts
/// beside another only with `minimumConcurrentGroup` units or more: measured with `bench
/// append`, 16 writers in two groups of 8 made fewer appends a second than in one group of
/// 16; 64 writers in two of 32 made more than in one of 64.
///
/// A group that took in every waiter leaves nobody waiting: its writers come back one by one,
/// and the first would commit alone while the rest queue behind it, so groups would alternate
/// between one unit and all the others. A caller that finds no group in flight right after a
/// group of several therefore lets the others' tasks run first (a yield per writer about last
/// time at most, no timer), and commits with whoever has arrived by then.
public actor AppendBatcher {
    /// What a waiting caller is told: its outcome, or that it commits the next group.
    private enum Turn {
        case done(Result<[AppendResult], any Error>)
        case lead
    }

    private typealias Waiter = (requests: [AppendRequest], continuation: CheckedContinuation<Turn, Never>)

    public nonisolated let pool: PostgresPool
    /// The most events one group commits.
    public let maximumGroupEvents: Int
    /// The most groups in flight at once.
    public let maximumGroupsInFlight: Int
    /// The fewest units a group sent beside another holds: below that, its own call (a
    /// statement, a lock hand-over, a commit) costs more than waiting for the next turn.
    public let minimumConcurrentGroup: Int
    private var pending: [Waiter] = []
    /// Groups sent and not yet answered, and the units they hold.
    private var inFlight = 0
    private var unitsInFlight = 0
    /// A caller is gathering its group, or was told to lead and has not run yet: nobody else
    /// starts one meanwhile.
    private var forming = false
    private var leadHandedOver = false
    /// How many units were about when the last group started: its own, those left waiting and
    /// those in flight. They come back for the next group, which waits for them a little.
    private var lastWriters = 0
    /// Groups and units committed so far (`bench append` reports the mean group size).
    public private(set) var groups = 0
    public private(set) var units = 0
    /// The most groups that were in flight at once.
    public private(set) var mostInFlight = 0

    public init(pool: PostgresPool, maximumGroupEvents: Int = 2_000, maximumGroupsInFlight: Int = 2, minimumConcurrentGroup: Int = 16) {
        self.pool = pool
        self.maximumGroupEvents = maximumGroupEvents
        self.maximumGroupsInFlight = max(1, maximumGroupsInFlight)
        self.minimumConcurrentGroup = max(1, minimumConcurrentGroup)
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
        if !mayStartGroup(arriving: true) {
            switch await withCheckedContinuation({ pending.append((requests, $0)) }) {
            case .done(let outcome): return try outcome.get()
            case .lead: leadHandedOver = false
            }
        }
        forming = true
        if inFlight == 0 && lastWriters > 1 {
            // Writers of the last group may be on their way back: let them join this one.
            for _ in 0..<lastWriters where pending.count + 1 < lastWriters { await Task.yield() }
        }
        // Split with a group beside this one only where each half is worth its own call.
        let half = share(callerIncluded: true)
        let others = takeGroup(after: requests, units: half >= minimumConcurrentGroup ? half : .max)
        let size = others.count + 1
        forming = false
        lastWriters = size + pending.count + unitsInFlight
        groups += 1
        units += size
        inFlight += 1
        unitsInFlight += size
        mostInFlight = max(mostInFlight, inFlight)
        // Enough left for another group beside this one: it goes now, on its own connection.
        handOverLead()
        let outcomes = await commit([requests] + others.map(\.requests))
        inFlight -= 1
        unitsInFlight -= size
        for (waiter, outcome) in zip(others, outcomes.dropFirst()) { waiter.continuation.resume(returning: .done(outcome)) }
        handOverLead()
        return try outcomes[0].get()
    }

    /// Tells the oldest waiter to commit the next group, if one may start now.
    private func handOverLead() {
        guard !pending.isEmpty, mayStartGroup(arriving: false) else { return }
        leadHandedOver = true
        pending.removeFirst().continuation.resume(returning: .lead)
    }

    /// A group's share of the units waiting or in flight (and the caller's, when it is in
    /// neither): the writers split evenly between the groups in flight.
    private func share(callerIncluded: Bool) -> Int {
        let active = pending.count + (callerIncluded ? 1 : 0) + unitsInFlight
        return max(1, (active + maximumGroupsInFlight - 1) / maximumGroupsInFlight)
    }

    /// Whether a group may start now: always when none is in flight; beside others, once the
    /// waiters (with a caller `arriving`) make up a group's share, and that share is worth a
    /// call of its own (`minimumConcurrentGroup` units).
    private func mayStartGroup(arriving: Bool) -> Bool {
        if forming || leadHandedOver { return false }
        if inFlight == 0 { return true }
        guard inFlight < maximumGroupsInFlight else { return false }
        let waiting = pending.count + (arriving ? 1 : 0)
        return waiting >= max(share(callerIncluded: arriving), minimumConcurrentGroup)
    }

    /// The oldest waiters that fit beside the leader's unit, up to `units` units in all and the
    /// size limit, without two units sharing an event id (a retry racing its original): those
    /// wait for the next group.
    private func takeGroup(after leader: [AppendRequest], units: Int) -> [Waiter] {
        var group: [Waiter] = [], later: [Waiter] = []
        var ids = Set(leader.flatMap { $0.events.map(\.id) })
        var events = ids.count
        for waiter in pending {
            let unitIDs = waiter.requests.flatMap { $0.events.map(\.id) }
            if group.count + 1 < units, events + unitIDs.count <= maximumGroupEvents, ids.isDisjoint(with: unitIDs) {
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
            return try await pool.withConnection { try await EventStore.appendCommands(units, on: $0) }
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
