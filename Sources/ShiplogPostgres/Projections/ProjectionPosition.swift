/// How far the projections have read the log.
public struct ProjectionPosition: Sendable, Hashable, Codable {
    /// The last position applied to the projection tables.
    public var checkpoint: Int64
    /// The last position of the log.
    public var head: Int64

    public init(checkpoint: Int64, head: Int64) {
        self.checkpoint = checkpoint
        self.head = head
    }

    /// Events appended but not yet projected.
    public var lag: Int64 { head - checkpoint }
}
