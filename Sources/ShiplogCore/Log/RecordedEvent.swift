import Foundation

/// An event as the log holds it.
public struct RecordedEvent: Sendable, Hashable {
    /// Gapless global position, 1-based, in commit order.
    public var position: Int64
    public var id: UUID
    public var stream: String
    /// 1-based position within its stream.
    public var streamVersion: Int64
    public var type: String
    public var payload: String
    public var metadata: String
    /// Microseconds since 1970-01-01T00:00:00Z, as hashed.
    public var recordedAtMicroseconds: Int64
    public var actor: String
    public var previousHash: [UInt8]
    public var hash: [UInt8]

    public init(
        position: Int64, id: UUID, stream: String, streamVersion: Int64, type: String,
        payload: String, metadata: String, recordedAtMicroseconds: Int64, actor: String,
        previousHash: [UInt8], hash: [UInt8]
    ) {
        self.position = position
        self.id = id
        self.stream = stream
        self.streamVersion = streamVersion
        self.type = type
        self.payload = payload
        self.metadata = metadata
        self.recordedAtMicroseconds = recordedAtMicroseconds
        self.actor = actor
        self.previousHash = previousHash
        self.hash = hash
    }

    public var recordedAt: Date {
        Date(timeIntervalSince1970: Double(recordedAtMicroseconds) / 1_000_000)
    }
}
