import ShiplogCore

/// Follows the log from a position onwards, forever, in position order.
///
/// It reads forward from its checkpoint, and when caught up waits for the NOTIFY that every
/// append sends at commit, or for `pollInterval` to pass (the fallback if a notification is
/// lost or the listening connection breaks). Because positions are assigned under the head
/// row lock held until commit, position P becomes visible only after every position below it
/// is committed: reading `position > checkpoint` in order can never skip a late commit.
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent

    let store: EventStore
    let startPosition: Int64
    let pollInterval: Duration
    let batchSize: Int

    public func makeAsyncIterator() -> AsyncThrowingStream<RecordedEvent, any Error>.Iterator {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: RecordedEvent.self, bufferingPolicy: .bufferingOldest(batchSize))
        let task = Task { [self] in
            do {
                try await follow(continuation)
                continuation.finish()
            } catch is CancellationError {
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream.makeAsyncIterator()
    }

    private func follow(_ continuation: AsyncThrowingStream<RecordedEvent, any Error>.Continuation) async throws {
        var next = startPosition
        var listener: PostgresConnection?
        while !Task.isCancelled {
            if listener == nil || listener?.isHealthy == false {
                listener = try? await PostgresConnection.connect(store.pool.configuration)
                try? await listener?.listen(EventStore.notificationChannel)
            }
            let events = try await store.read(fromPosition: next, limit: batchSize)
            for event in events {
                // Back-pressure: wait while the consumer's buffer is full.
                while case .dropped = continuation.yield(event) {
                    try await Task.sleep(for: .milliseconds(5))
                }
                next = event.position + 1
            }
            if events.count == batchSize { continue }
            if let listener, listener.isHealthy {
                _ = try? await listener.notifications(waitingUpTo: pollInterval)
            } else {
                try await Task.sleep(for: pollInterval)
            }
        }
    }
}

extension EventStore {
    /// The channel `shiplog_append` notifies at commit, with the new head position.
    public static let notificationChannel = "shiplog_events"

    /// Every event from `position` on, then each new one as it commits.
    public func subscribe(from position: Int64 = 1, pollInterval: Duration = .seconds(1), batchSize: Int = 500) -> EventSubscription {
        EventSubscription(store: self, startPosition: position, pollInterval: pollInterval, batchSize: batchSize)
    }
}
