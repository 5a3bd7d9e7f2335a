import ArgumentParser
import Foundation
import ShiplogCrypto
import ShiplogHTTP
import ShiplogLedger
import ShiplogPostgres

/// `shiplog checkpoint`: a signed, witnessed commitment to the log, published outside the database.
struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint", abstract: "Sign, witness and publish a checkpoint of the log (C2SP tlog-checkpoint).",
        subcommands: [Make.self, Enroll.self, VerifierKey.self, Prove.self], defaultSubcommand: Make.self)
}

extension CheckpointCommand {
    struct Make: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "make", abstract: "Make a checkpoint of the log as it stands (the default).",
            discussion: """
                Signs the Merkle tree's size and root with the checkpoint key, after checking that the \
                tree extends the last checkpoint published (refused, exit 1, when history before it was \
                rewritten); asks each witness to cosign it; records it and publishes it: DIR/checkpoint \
                is the newest, DIR/checkpoints/SIZE each one. Prints the signed checkpoint.
                """)

        @OptionGroup var options: CheckpointOptions
        @Flag(help: "Make one even when the log has not grown since the last.") var force = false
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        struct Report: Encodable {
            var origin: String
            var size: Int64
            var rootHash: String
            var previousSize: Int64?
            var cosigners: [String]
            var published: [String]
            var new: Bool
            var note: String
        }

        func run() async throws {
            let http = HTTPClient(maxConcurrentTransfers: 4, label: "shiplog.checkpoint")
            let checkpointer = try options.checkpointer(pool: try await database.open(maximumConnections: 2), http: http)
            let made: Checkpointer.Made
            do { made = try await checkpointer.checkpoint(evenIfUnchanged: force) } catch let error as CheckpointError {
                FileHandle.standardError.write(Data("shiplog checkpoint: \(error.description)\n".utf8))
                throw ExitCode(1)
            }
            if output.json {
                return try JSONOutput.print(
                    Report(
                        origin: made.checkpoint.origin, size: made.checkpoint.size, rootHash: Base64.encode(made.checkpoint.rootHash),
                        previousSize: made.previousSize, cosigners: made.cosigners, published: made.published, new: made.isNew,
                        note: made.note.serialized))
            }
            print(made.note.serialized, terminator: "")
            let what =
                made.isNew
                ? "checkpoint of \(made.checkpoint.size) events"
                    + (made.cosigners.isEmpty ? "" : ", cosigned by \(made.cosigners.joined(separator: ", "))")
                    + (made.published.isEmpty ? ", published nowhere (give --publish)" : ", published to \(made.published.joined(separator: ", "))")
                : "the log has not grown since checkpoint \(made.checkpoint.size): nothing new signed (--force signs again)"
            FileHandle.standardError.write(Data((what + "\n").utf8))
        }
    }

    struct Enroll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enroll the ledger's checkpoint key and origin (admin-signed); checkpoints are signed with no other.",
            discussion: """
                Give the key's public half with --public-key (the admin need not hold the checkpoint key \
                itself), or the key file with --checkpoint-key. The origin defaults as for shiplog \
                checkpoint: $SHIPLOG_LOG_ORIGIN, else shiplog/KEY_ID. Enrolling another key replaces it.
                """)
        @Option(name: .customLong("public-key"), help: "The checkpoint key's public half (base64).") var publicKey: String?
        @OptionGroup var options: CheckpointOptions
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (ledger, admin) = try await database.ledger(key)
            let verifierKey: NoteVerifierKey
            if let publicKey {
                let parsed: PublicKey
                do { parsed = try PublicKey(base64: publicKey) } catch { throw ValidationError("--public-key: \(error)") }
                let origin = options.origin ?? ProcessInfo.processInfo.environment["SHIPLOG_LOG_ORIGIN"].flatMap { $0.isEmpty ? nil : $0 }
                    ?? Checkpointer.defaultOrigin(for: parsed)
                do { verifierKey = try NoteVerifierKey(name: origin, kind: .ed25519, publicKey: parsed) } catch {
                    throw ValidationError("--origin: \(error)")
                }
            } else {
                verifierKey = try options.signer().verifierKey
            }
            try await ledger.setCheckpointKey(origin: verifierKey.name, publicKey: verifierKey.publicKey.base64, key: admin)
            print("checkpoint key of \(verifierKey.name) enrolled: \(verifierKey)")
        }
    }

    struct VerifierKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verifier-key",
            abstract: "Print the checkpoint key as a note verifier key (name+hash+base64), for auditors and witnesses.")
        @OptionGroup var options: CheckpointOptions

        func run() async throws {
            print(try options.signer().verifierKey.description)
        }
    }

    struct Prove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a consistency proof between two tree sizes (base64 hashes, one per line, RFC 6962 order).",
            discussion: """
                What a witness or an auditor holding the checkpoint of --from needs to check that the \
                checkpoint of --to extends it (Go: tlog.CheckTree). --to defaults to the tree's size now.
                """)
        @Option(help: "The older tree size.") var from: Int64
        @Option(help: "The newer tree size (default: the tree now).") var to: Int64?
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let pool = try await database.open(maximumConnections: 1)
            let proof = try await pool.withConnection { connection in
                let size = try await LogTree.size(on: connection)
                let to = self.to ?? size
                guard from >= 1, from <= to, to <= size else {
                    throw ValidationError("--from and --to must satisfy 1 ≤ from ≤ to ≤ \(size) (the tree's size)")
                }
                return try await LogTree.consistencyProof(old: from, new: to, on: connection)
            }
            for hash in proof { print(Base64.encode(hash)) }
        }
    }
}
