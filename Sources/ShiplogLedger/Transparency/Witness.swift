import Foundation
import Logging
import ShiplogCrypto

/// A witness (C2SP `tlog-witness`): it cosigns a log's checkpoint only when it is signed by the
/// log's key and is consistent with the last checkpoint it cosigned for that log, so that a
/// log cannot show two histories to two readers without one of them holding proof of it.
///
/// It keeps, per origin, the newest checkpoint it cosigned, in a file written whole and renamed
/// into place before it answers; the compare and the update happen inside the actor, so two
/// concurrent submissions cannot both advance from one size.
public actor Witness {
    /// One answer of `add-checkpoint`.
    public struct Answer: Sendable, Equatable {
        public var status: Int
        public var contentType: String
        public var body: String
    }

    struct Stored: Codable, Sendable {
        var size: Int64
        var rootHash: String
        var note: String
    }

    public let signer: NoteSigner
    /// The logs it witnesses: their origins and the keys that sign their checkpoints.
    public let logs: [String: [NoteVerifierKey]]
    let stateFile: URL
    private var state: [String: Stored]
    private let logger: Logger

    public init(signer: NoteSigner, logKeys: [NoteVerifierKey], stateFile: String, logger: Logger = Logger(label: "shiplog.witness"))
        throws
    {
        guard signer.verifierKey.kind == .cosignature else { throw CheckpointError("a witness signs with a cosignature key") }
        self.signer = signer
        self.logs = Dictionary(grouping: logKeys.filter { $0.kind == .ed25519 }, by: \.name)
        self.stateFile = URL(fileURLWithPath: stateFile)
        self.logger = logger
        if let data = FileManager.default.contents(atPath: stateFile) {
            do { state = try JSONDecoder().decode([String: Stored].self, from: data) } catch {
                throw CheckpointError("the witness state \(stateFile) cannot be read (\(error)); restore it from a backup, never start it empty")
            }
        } else {
            state = [:]
        }
    }

    /// The size of the newest checkpoint cosigned for `origin` (0 when none).
    public func size(of origin: String) -> Int64 { state[origin]?.size ?? 0 }

    /// `POST /add-checkpoint`: `old N`, the consistency proof lines, a blank line, the signed checkpoint.
    public func addCheckpoint(_ body: String, now: Date = Date()) -> Answer {
        let utf8 = Array(body.utf8)
        guard let split = (0..<max(utf8.count - 1, 0)).first(where: { utf8[$0] == 0x0A && utf8[$0 + 1] == 0x0A }) else {
            return Self.plain(400, "the body is 'old N', the proof lines, a blank line and the signed checkpoint")
        }
        let head = String(decoding: utf8[..<split], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let noteText = String(decoding: utf8[(split + 2)...], as: UTF8.self)
        guard let first = head.first, first.hasPrefix("old "), let old = Int64(first.dropFirst(4)), old >= 0,
            String(old) == first.dropFirst(4), head.count - 1 <= 63
        else {
            return Self.plain(400, "the first line is 'old N' (the size this witness last cosigned), then at most 63 proof lines")
        }
        var proof: [[UInt8]] = []
        for line in head.dropFirst() {
            guard let hash = try? Base64.decode(String(line)), hash.count == MerkleTree.hashSize else {
                return Self.plain(400, "a consistency proof line is not a base64 SHA-256 hash")
            }
            proof.append(hash)
        }
        let note: SignedNote
        let checkpoint: Checkpoint
        do {
            note = try SignedNote(parsing: noteText)
            checkpoint = try Checkpoint(text: note.text)
        } catch {
            return Self.plain(400, "not a signed checkpoint: \(error)")
        }
        guard let keys = logs[checkpoint.origin] else {
            return Self.plain(404, "this witness does not witness the log \(checkpoint.origin)")
        }
        var signed = false
        for key in keys {
            do { if try note.verify(key) != nil { signed = true } } catch {
                return Self.plain(403, "the checkpoint's signature by \(key.name) does not verify")
            }
        }
        guard signed else { return Self.plain(403, "the checkpoint is not signed by a key of \(checkpoint.origin) this witness trusts") }
        guard old <= checkpoint.size else {
            return refuse(
                400, checkpoint, "old size \(old) is larger than the checkpoint's \(checkpoint.size): a log never shrinks")
        }
        let stored = state[checkpoint.origin]
        let storedSize = stored?.size ?? 0
        guard old == storedSize else {
            if checkpoint.size < storedSize {
                logger.critical(
                    "a log showed a smaller tree than one already cosigned",
                    metadata: ["origin": "\(checkpoint.origin)", "size": "\(checkpoint.size)", "cosigned": "\(storedSize)"])
            }
            return Answer(status: 409, contentType: "text/x.tlog.size", body: "\(storedSize)\n")
        }
        if checkpoint.size == 0 && checkpoint.rootHash != MerkleFrontier().root {
            return refuse(422, checkpoint, "an empty tree's root is SHA-256 of nothing")
        }
        if old == 0 {
            guard proof.isEmpty else { return refuse(422, checkpoint, "a checkpoint from size 0 needs no proof") }
        } else {
            let storedRoot = (try? Base64.decode(stored!.rootHash)) ?? []
            guard
                MerkleTree.verifyConsistency(
                    old: old, new: checkpoint.size, oldRoot: storedRoot, newRoot: checkpoint.rootHash, proof: proof)
            else {
                return refuse(
                    422, checkpoint,
                    old == checkpoint.size
                        ? "FORK: this witness cosigned another root for size \(old) of \(checkpoint.origin); it will not cosign this one"
                        : "FORK: the checkpoint of \(checkpoint.size) does not extend the one of \(old) this witness cosigned: the log's history was rewritten"
                )
            }
        }
        let time = UInt64(max(0, now.timeIntervalSince1970))
        let cosignature = signer.signature(of: note.text, time: time)
        var cosigned = note
        cosigned.add(cosignature)
        var next = state
        next[checkpoint.origin] = Stored(
            size: checkpoint.size, rootHash: Base64.encode(checkpoint.rootHash), note: cosigned.serialized)
        do { try persist(next) } catch {
            logger.error("the witness state could not be saved", metadata: ["error": "\(error)"])
            return Self.plain(500, "the witness could not save its state; nothing was cosigned")
        }
        state = next
        return Answer(status: 200, contentType: "text/plain; charset=utf-8", body: SignedNote(text: "", signatures: [cosignature]).signatureLines)
    }

    /// The newest checkpoint cosigned for `origin`, with its cosignature (nil when none).
    public func latest(of origin: String) -> String? { state[origin]?.note }

    private func refuse(_ status: Int, _ checkpoint: Checkpoint, _ message: String) -> Answer {
        logger.critical(
            "refused a checkpoint", metadata: ["origin": "\(checkpoint.origin)", "size": "\(checkpoint.size)", "reason": "\(message)"])
        return Self.plain(status, message)
    }

    private func persist(_ state: [String: Stored]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = stateFile.deletingLastPathComponent().appendingPathComponent(".\(stateFile.lastPathComponent).new")
        try encoder.encode(state).write(to: temporary)
        guard rename(temporary.path, stateFile.path) == 0 else {
            throw CheckpointError("cannot replace \(stateFile.path): \(String(cString: strerror(errno)))")
        }
    }

    static func plain(_ status: Int, _ message: String) -> Answer {
        Answer(status: status, contentType: "text/plain; charset=utf-8", body: message + "\n")
    }
}
