import Foundation
import Logging
import ShiplogCore
import ShiplogCrypto

/// A signed snapshot of one long stream's judged state (`snapshots`, migration 0008), so a
/// command reads only the events after it: `env-prod-web` grows with every deploy, while what a
/// decision needs of it (the active deploy, the lock, the last releases, the target) does not.
///
/// A snapshot is this reader's own judgment, cached: it is used only when signed by the key
/// the reader holds (the CLI user's, the server's), when the event at its version still has
/// the hash it names (history not rewritten under it), and when its format is this Shiplog's.
/// Anything else is ignored and the stream is read whole. The signed bytes:
///
///     shiplog-snapshot-v1\nstream=<name>\nversion=<n>\nposition=<n>\nhash=<hex>\nformat=<format>\n<state JSON>
enum StreamSnapshot {
    /// Events read past the newest snapshot before a command writes a newer one.
    static let refreshAfter = 64

    static let logger = Logger(label: "shiplog.snapshots")

    static func signedBytes(
        stream: String, version: Int64, position: Int64, hash: [UInt8], format: String, state: String
    ) -> [UInt8] {
        Array(
            "shiplog-snapshot-v1\nstream=\(stream)\nversion=\(version)\nposition=\(position)\nhash=\(Hex.encode(hash))\nformat=\(format)\n\(state)"
                .utf8)
    }

    /// The usable snapshots of `streams` signed by `key`.
    static func read(_ streams: Set<LedgerStream>, signedBy key: SigningKey, on connection: PostgresConnection)
        async throws -> [LedgerStream: LoadedStreams.Restored]
    {
        let byName = Dictionary(uniqueKeysWithValues: streams.map { ($0.name, $0) })
        let rows = try await connection.query(
            """
            SELECT s.stream, s.version, s.position, s.event_hash, s.state, s.signature
              FROM snapshots s
              JOIN events e ON e.stream = s.stream AND e.stream_version = s.version
                           AND e.position = s.position AND e.hash = s.event_hash
             WHERE s.signer = \(key.keyID.description) AND s.format = \(LedgerWorld.snapshotFormat)
               AND s.stream = ANY(\(Array(byName.keys))::text[])
            """)
        var restored: [LedgerStream: LoadedStreams.Restored] = [:]
        for row in rows {
            let (name, version, position, hash, state, signature) = try row.decode(
                (String, Int64, Int64, PostgresBytes, String, PostgresBytes).self)
            guard let stream = byName[name] else { continue }
            guard
                key.publicKey.isValidSignature(
                    signature.bytes,
                    for: signedBytes(
                        stream: name, version: version, position: position, hash: hash.bytes,
                        format: LedgerWorld.snapshotFormat, state: state))
            else {
                logger.warning(
                    "a snapshot signed in this key's name does not verify: it was altered in the database; reading the stream whole",
                    metadata: ["stream": "\(name)", "signer": "\(key.keyID)"])
                continue
            }
            do {
                _ = try LedgerWorld(loaded: [stream]).restoring(stream, from: state, through: position)
            } catch {
                logger.warning("a snapshot no longer decodes; reading the stream whole", metadata: ["stream": "\(name)", "error": "\(error)"])
                continue
            }
            restored[stream] = LoadedStreams.Restored(stateJSON: state, version: version, position: position)
        }
        return restored
    }

    /// Writes a snapshot of each snapshotted stream that was read `refreshAfter` events or
    /// more past its last one, signed by `key`. A cache: failing to write costs only speed.
    static func refresh(
        _ loaded: LoadedStreams, recorded: [RecordedEvent], restored: [LedgerStream: LoadedStreams.Restored],
        signedBy key: SigningKey, on connection: PostgresConnection
    ) async {
        for stream in loaded.streams where LedgerWorld.isSnapshotted(stream) {
            let after = restored[stream]?.version ?? 0
            let read = recorded.filter { $0.stream == stream.name && $0.streamVersion > after }
            guard read.count >= refreshAfter, let last = read.max(by: { $0.streamVersion < $1.streamVersion }),
                last.streamVersion == loaded.version(stream)
            else { continue }
            let state: String
            do {
                guard let encoded = try loaded.world.snapshot(of: stream) else { continue }
                state = encoded
            } catch {
                logger.warning("could not encode a snapshot", metadata: ["stream": "\(stream.name)", "error": "\(error)"])
                continue
            }
            let signature = key.signature(
                for: signedBytes(
                    stream: stream.name, version: last.streamVersion, position: last.position, hash: last.hash,
                    format: LedgerWorld.snapshotFormat, state: state))
            do {
                _ = try await connection.query(
                """
                INSERT INTO snapshots (stream, signer, version, position, event_hash, format, state, signature)
                VALUES (\(stream.name), \(key.keyID.description), \(last.streamVersion), \(last.position),
                        \(PostgresBytes(last.hash))::bytea, \(LedgerWorld.snapshotFormat), \(state), \(PostgresBytes(signature))::bytea)
                ON CONFLICT (stream, signer) DO UPDATE
                   SET version = EXCLUDED.version, position = EXCLUDED.position, event_hash = EXCLUDED.event_hash,
                       format = EXCLUDED.format, state = EXCLUDED.state, signature = EXCLUDED.signature,
                       written_at = clock_timestamp()
                 WHERE snapshots.version < EXCLUDED.version OR snapshots.format <> EXCLUDED.format
                """)
            } catch {
                logger.warning("could not write a snapshot; the next command reads more", metadata: ["stream": "\(stream.name)", "error": "\(error)"])
            }
        }
    }
}
