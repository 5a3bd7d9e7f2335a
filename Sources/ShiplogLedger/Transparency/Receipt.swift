import Foundation
import ShiplogCore
import ShiplogCrypto

/// One file that proves a deploy offline: its events and every event its commands were judged
/// by (the trust root, the approvers' enrolment, the policy, the build, the service's
/// environment), each with its inclusion proof in a signed, witnessed checkpoint.
///
/// The format (`shiplog-receipt/v1`, JSON), for auditors checking it with their own tools:
///
///     format      "shiplog-receipt/v1"
///     deploy      the deploy id
///     checkpoint  the C2SP signed note: origin, size, base64 root; the ledger's signature and
///                 the witnesses' cosignatures (C2SP tlog-cosignature)
///     streams     the streams whose events are all here up to the deploy's last event
///     entries[]   position, id, stream, streamVersion, type, payload and metadata (the exact
///                 stored JSON text), recordedAt (µs since the epoch), actor, and proof: the
///                 RFC 6962 inclusion proof (base64 hashes, bottom-up) of leaf position - 1
///
/// leaf = SHA-256(0x00 || canonical(entry)), canonical as `EventHashEncoding` and the README
/// say; each proof must lead to the checkpoint's root at its size.
public struct Receipt: Codable, Sendable, Hashable {
    public static let currentFormat = "shiplog-receipt/v1"

    public struct Entry: Codable, Sendable, Hashable {
        public var position: Int64
        public var id: UUID
        public var stream: String
        public var streamVersion: Int64
        public var type: String
        public var payload: String
        public var metadata: String
        public var recordedAt: Int64
        public var actor: String
        public var proof: [String]

        public init(_ event: RecordedEvent, proof: [[UInt8]]) {
            position = event.position
            id = event.id
            stream = event.stream
            streamVersion = event.streamVersion
            type = event.type
            payload = event.payload
            metadata = event.metadata
            recordedAt = event.recordedAtMicroseconds
            actor = event.actor
            self.proof = proof.map(Base64.encode)
        }

        /// The event as the log recorded it (the chain's hashes are not part of a receipt).
        public var event: RecordedEvent {
            RecordedEvent(
                position: position, id: id, stream: stream, streamVersion: streamVersion, type: type, payload: payload,
                metadata: metadata, recordedAtMicroseconds: recordedAt, actor: actor, previousHash: [], hash: [])
        }
    }

    public var format: String
    public var deploy: String
    public var checkpoint: String
    public var streams: [String]
    public var entries: [Entry]

    public init(deploy: String, checkpoint: String, streams: [String], entries: [Entry]) {
        self.format = Self.currentFormat
        self.deploy = deploy
        self.checkpoint = checkpoint
        self.streams = streams
        self.entries = entries
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> Receipt {
        try JSONDecoder().decode(Receipt.self, from: data)
    }
}
