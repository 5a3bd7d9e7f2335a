import Foundation

/// The canonical encoding the hash chain covers, written out independently of the database
/// function that computes it at append time (`shiplog_append` in migrations/0001), so that
/// `shiplog verify` is a second implementation checking the first.
///
///     hash(event)      = SHA-256(prev_hash || canonical(event)); the first prev_hash is 32 zero bytes
///     canonical(event) = u64 position || 16-byte event id || str(stream) || u64 stream_version
///                        || str(type) || str(payload) || str(metadata)
///                        || i64 recorded_at (µs since the Unix epoch) || str(actor)
///     str(s)           = u32 byte length of UTF-8 s || UTF-8 s
///
/// All integers are big-endian. Payload and metadata are the exact JSON text stored.
public enum EventHashEncoding {
    /// The `prev_hash` of position 1.
    public static let genesisHash = [UInt8](repeating: 0, count: 32)

    /// Appends `prev_hash || canonical(event)` to `buffer`: exactly the bytes SHA-256 runs over.
    public static func appendHashInput(previousHash: [UInt8], of event: RecordedEvent, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: previousHash)
        appendCanonical(event, to: &buffer)
    }

    /// Appends canonical(event): the chain's input without prev_hash, and the entry a leaf of
    /// the log's Merkle tree covers (leaf = SHA-256(0x00 || canonical(event))).
    public static func appendCanonical(_ event: RecordedEvent, to buffer: inout [UInt8]) {
        appendUInt64(UInt64(bitPattern: event.position), to: &buffer)
        withUnsafeBytes(of: event.id.uuid) { buffer.append(contentsOf: $0) }
        appendString(event.stream, to: &buffer)
        appendUInt64(UInt64(bitPattern: event.streamVersion), to: &buffer)
        appendString(event.type, to: &buffer)
        appendString(event.payload, to: &buffer)
        appendString(event.metadata, to: &buffer)
        appendUInt64(UInt64(bitPattern: event.recordedAtMicroseconds), to: &buffer)
        appendString(event.actor, to: &buffer)
    }

    private static func appendUInt64(_ value: UInt64, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    private static func appendString(_ string: String, to buffer: inout [UInt8]) {
        var string = string
        string.withUTF8 { utf8 in
            withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { buffer.append(contentsOf: $0) }
            buffer.append(contentsOf: utf8)
        }
    }
}
