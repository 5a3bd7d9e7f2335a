import ArgumentParser
import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger

/// `shiplog receipt`: one file that proves a deploy to an auditor offline.
struct ReceiptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt", abstract: "Write, or check offline, a deploy's audit receipt.",
        subcommands: [Make.self, Check.self], defaultSubcommand: Make.self)
}

extension ReceiptCommand {
    struct Make: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "make", abstract: "Write a deploy's receipt (the default): its events, what they were judged by, proofs, checkpoint.",
            discussion: """
                The receipt holds the deploy's events and every event its commands were judged by (the \
                trust root, the approvers' enrolment, the policy, the build), each with its inclusion \
                proof in the newest checkpoint (or --checkpoint FILE), which must cover them: make one \
                with shiplog checkpoint first. Check it with shiplog receipt verify.
                """)

        @Argument(help: "The deploy id.") var deploy: String
        @Option(help: "Where to write it (default: standard output).") var out: String?
        @Option(help: ArgumentHelp("Prove against this signed checkpoint instead of the newest.", valueName: "FILE"))
        var checkpoint: String?
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let id = try DeployID(deploy)
            let given = try checkpoint.map { path -> String in
                guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
                return String(decoding: data, as: UTF8.self)
            }
            let pool = try await database.open(maximumConnections: 1)
            let receipt = try await pool.withConnection { try await ReceiptBuilder.receipt(for: id, checkpoint: given, on: $0) }
            let data = try receipt.encoded() + Data("\n".utf8)
            if let out {
                try data.write(to: URL(fileURLWithPath: out))
                FileHandle.standardError.write(
                    Data("receipt of \(id): \(receipt.entries.count) events proven in checkpoint \(try checkpointSize(receipt)), written to \(out)\n".utf8))
            } else {
                FileHandle.standardOutput.write(data)
            }
        }

        private func checkpointSize(_ receipt: Receipt) throws -> Int64 {
            try Checkpoint(text: SignedNote(parsing: receipt.checkpoint).text).size
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify", abstract: "Check a receipt offline, with only public keys; say in one line what it proves.",
            discussion: """
                Needs no database and no network. Checks the checkpoint's signature and cosignatures, \
                every inclusion proof, every command's signature and its signer's authority, and the \
                gate as it stood at the start. Exit 0 when it proves the deploy, 1 when it does not.
                """)

        @Argument(help: "The receipt file.") var file: String
        @Option(
            name: .customLong("ledger-key"),
            help: ArgumentHelp("The ledger's checkpoint key: name+hash+base64, or the base64 public key.", valueName: "PUB"))
        var ledgerKey: String
        @Option(
            name: .customLong("witness-key"),
            help: ArgumentHelp("A witness's cosignature key (name+hash+base64), repeatable.", valueName: "PUB"))
        var witnessKeys: [String] = []
        @Option(help: "How many of the witnesses must have cosigned (default: all given).") var quorum: Int?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read the receipt \(file)")
            }
            let receipt: Receipt
            do { receipt = try Receipt.decode(data) } catch {
                throw ValidationError("\(file) is not a Shiplog receipt: \(error)")
            }
            var noteKey: NoteVerifierKey?
            var publicKey: PublicKey?
            if ledgerKey.contains("+") {
                do { noteKey = try NoteVerifierKey(ledgerKey) } catch { throw ValidationError("--ledger-key: \(error)") }
            } else {
                do { publicKey = try PublicKey(base64: ledgerKey) } catch { throw ValidationError("--ledger-key: \(error)") }
            }
            let witnesses = try witnessKeys.map { entry in
                do { return try NoteVerifierKey(entry) } catch { throw ValidationError("--witness-key: \(error)") }
            }
            if let quorum, quorum > witnesses.count || quorum < 0 {
                throw ValidationError("--quorum \(quorum) needs at least that many --witness-key")
            }
            let verdict = ReceiptVerifier.verify(
                receipt, ledgerKey: noteKey, ledgerPublicKey: publicKey, witnessKeys: witnesses, quorum: quorum ?? witnesses.count)
            if output.json {
                try JSONOutput.print(verdict)
            } else {
                print(TerminalText.escaped(verdict.summary))
                for problem in verdict.problems.dropFirst() { print(TerminalText.escaped("  also: " + problem)) }
            }
            if !verdict.ok { throw ExitCode(1) }
        }
    }
}
