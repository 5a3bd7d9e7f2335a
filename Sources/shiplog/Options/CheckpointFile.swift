import ArgumentParser
import Foundation
import ShiplogCrypto

/// A signed checkpoint someone kept in a file, read for `verify --since`.
enum CheckpointFile {
    static func read(_ path: String, ledgerKey: String?) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read the checkpoint file \(path): give the path of a checkpoint written by shiplog checkpoint")
        }
        let note: SignedNote
        let checkpoint: Checkpoint
        do {
            note = try SignedNote(parsing: text)
            checkpoint = try Checkpoint(text: note.text)
        } catch {
            throw ValidationError("\(path) is not a signed checkpoint: \(error)")
        }
        if let ledgerKey {
            let key: NoteVerifierKey
            do { key = try NoteVerifierKey(ledgerKey) } catch { throw ValidationError("--ledger-key: \(error)") }
            guard (try? note.verify(key)) != nil else {
                throw ValidationError("\(path) is not signed by \(key.name)'s key \(key): it cannot vouch for the log")
            }
        }
        return checkpoint
    }
}
