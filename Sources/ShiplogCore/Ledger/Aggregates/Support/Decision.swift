import Foundation

/// What a command decided to append: events per stream, in order.
///
/// The app appends all of a decision's streams in one transaction, each with the expected
/// version it read the stream at, so a decision that read stale state fails as a whole
/// (that is how two racing deploy requests for one service cannot both land). An empty
/// decision means the command changed nothing (e.g. a build recorded twice identically).
public struct Decision: Hashable, Sendable {
    /// Events to append to one stream.
    public struct Append: Hashable, Sendable {
        public var stream: LedgerStream
        public var events: [LedgerEvent]

        public init(stream: LedgerStream, events: [LedgerEvent]) {
            self.stream = stream
            self.events = events
        }
    }

    public var appends: [Append]

    public init(_ appends: [Append] = []) { self.appends = appends }

    /// One stream, these events.
    public init(stream: LedgerStream, events: [LedgerEvent]) {
        self.init([Append(stream: stream, events: events)])
    }

    /// A decision that appends nothing.
    public static let nothing = Decision()

    public var isEmpty: Bool { appends.allSatisfy { $0.events.isEmpty } }

    /// Every event, stream by stream.
    public var events: [LedgerEvent] { appends.flatMap(\.events) }

    /// The events this decision appends to `stream`.
    public func events(in stream: LedgerStream) -> [LedgerEvent] {
        appends.filter { $0.stream == stream }.flatMap(\.events)
    }
}
