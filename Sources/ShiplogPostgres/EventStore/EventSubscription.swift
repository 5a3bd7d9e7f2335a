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

    public func makeAsyncIterator() -> Iterator {
        Iterator(subscription: self, next: startPosition)
    }

    /// Pulls: it reads the next batch when the consumer has taken the last one (so a slow
    /// consumer is never overrun), and waits only when caught up. No task of its own; a
    /// cancelled consumer's `next()` returns nil.
    public struct Iterator: AsyncIteratorProtocol {
        let subscription: EventSubscription
        var next: Int64
        var buffer: [RecordedEvent] = []
        var index = 0
        var listener: PostgresConnection?

        public mutating func next() async throws -> RecordedEvent? {
            while !Task.isCancelled {
                if index < buffer.count {
                    let event = buffer[index]
                    index += 1
                    next = event.position + 1
                    return event
                }
                // Listen before reading: a commit between the read and the wait still wakes us.
                if listener?.isHealthy != true {
                    listener = try? await PostgresConnection.connect(subscription.store.pool.configuration)
                    try? await listener?.listen(EventStore.notificationChannel)
                }
                buffer = try await subscription.store.read(fromPosition: next, limit: subscription.batchSize)
                index = 0
                if !buffer.isEmpty { continue }
                if let listener, listener.isHealthy {
                    _ = try? await listener.notifications(waitingUpTo: subscription.pollInterval)
                } else {
                    try? await Task.sleep(for: subscription.pollInterval)
                }
            }
            return nil
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
