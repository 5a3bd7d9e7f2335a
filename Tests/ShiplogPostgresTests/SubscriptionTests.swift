import Foundation
import ShiplogTestSupport
import ShiplogCore
import Testing

@testable import ShiplogPostgres

/// Design invariant 2 from a reader's side: following positions never skips a late commit.
///
/// The subscriptions here poll only once an hour, so an event can reach them only through the
/// NOTIFY sent at commit; the time limit turns a missed wake-up into a failure instead of a hang.
@Suite("Subscriptions", .timeLimit(.minutes(10)))
struct SubscriptionTests {
    private static let onlyNotify = Duration.seconds(3_600)

    @Test("a transaction that appended first but commits last is delivered in order, nothing skipped")
    func lateCommitIsNotSkipped() async throws {
        let database = try await TestDatabase.create()
        let store = database.store(maximumConnections: 4)
        try await store.append([testEvent(), testEvent(), testEvent()], to: "deploy-d-1")

        // A transaction that has taken positions 4 and 5 and holds them uncommitted.
        let holder = try await database.connect()
        let appended = Signal(), release = Signal()
        let slow = [try testEvent("Slow"), try testEvent("Slow")]
        let holding = Task {
            try await holder.transaction { connection in
                let outcomes = try await EventStore.append(
                    [AppendRequest(stream: "deploy-slow", events: slow)],
                    atomic: true,
                    on: connection
                )
                await appended.raise()
                await release.wait()
                return outcomes.count
            }
        }
        await appended.wait()

        // Five writers behind it, each blocked on the head row.
        let writerStores = (0..<5).map { _ in database.store(maximumConnections: 1) }
        let writers = Task {
            try await withThrowingTaskGroup(of: AppendResult.self) { group in
                for (index, writer) in writerStores.enumerated() {
                    group.addTask { try await writer.append([testEvent("Fast")], to: "deploy-fast-\(index)") }
                }
                return try await group.reduce(into: [AppendResult]()) { $0.append($1) }
            }
        }
        let observer = try await database.connect()
        try await waitUntil("five writers waiting for the head row") {
            try await observer.sessionsWaitingForLocks() == 5
        }

        var subscription = store.subscribe(from: 1, pollInterval: Self.onlyNotify).makeAsyncIterator()
        var received: [RecordedEvent] = []
        for _ in 0..<3 { received.append(try #require(try await subscription.next())) }
        #expect(received.map(\.position) == [1, 2, 3])

        await release.raise()
        _ = try await holding.value
        let fast = try await writers.value
        #expect(fast.map(\.firstPosition).sorted() == [6, 7, 8, 9, 10])

        while received.count < 10 { received.append(try #require(try await subscription.next())) }
        #expect(received.map(\.position) == Array(1...10))
        #expect(received[3...4].map(\.id) == slow.map(\.id))
        #expect(received[5...].allSatisfy { $0.type == "Fast" })
    }

    @Test("a subscriber waiting on an empty log is woken by the commit and receives every later event")
    func subscriberStartedBeforeAppends() async throws {
        let database = try await TestDatabase.create()
        let store = database.store()
        let observer = try await database.connect()

        var subscription = store.subscribe(from: 1, pollInterval: Self.onlyNotify).makeAsyncIterator()
        let first = Task { [store] in
            // Append only once the subscriber listens and has found the log empty.
            try await waitUntil("the subscriber to wait for a notification") {
                try await observer.query(
                    """
                    SELECT count(*) FILTER (WHERE query LIKE 'LISTEN%'),
                           count(*) FILTER (WHERE query LIKE '%FROM events WHERE position >=%')
                      FROM pg_stat_activity
                     WHERE datname = current_database() AND state = 'idle'
                    """
                )[0].decode((Int, Int).self) == (1, 1)
            }
            return try await store.append([testEvent("First")], to: "deploy-d-1")
        }
        let event = try #require(try await subscription.next())
        #expect(event.position == 1)
        #expect(event.type == "First")
        #expect(try await first.value.firstPosition == 1)

        for index in 2...5 {
            try await store.append([testEvent("Later")], to: "deploy-d-\(index)")
            let next = try #require(try await subscription.next())
            #expect(next.position == Int64(index))
        }
    }

    @Test("a subscriber from position k starts at k, then follows new events")
    func subscriberFromPosition() async throws {
        let store = try await TestDatabase.create().store()
        for index in 1...10 {
            try await store.append([testEvent(payload: #"{"n":\#(index)}"#)], to: "deploy-d-\(index)")
        }

        var subscription = store.subscribe(from: 4, pollInterval: Self.onlyNotify).makeAsyncIterator()
        var received: [RecordedEvent] = []
        for _ in 4...10 { received.append(try #require(try await subscription.next())) }
        #expect(received.map(\.position) == Array(4...10))
        #expect(received.first?.payload == #"{"n":4}"#)

        try await store.append([testEvent()], to: "deploy-d-11")
        #expect(try await subscription.next()?.position == 11)
    }

    @Test("a slow consumer of a small-batch subscription still gets every event once, in order")
    func smallBatchesAndSlowConsumer() async throws {
        let store = try await TestDatabase.create().store()
        for index in 1...25 { try await store.append([testEvent()], to: "deploy-d-\(index % 4)") }

        var subscription = store.subscribe(from: 1, pollInterval: Self.onlyNotify, batchSize: 2).makeAsyncIterator()
        var positions: [Int64] = []
        for _ in 1...25 {
            positions.append(try #require(try await subscription.next()).position)
            await Task.yield()
        }
        #expect(positions == Array(1...25))
    }
}
