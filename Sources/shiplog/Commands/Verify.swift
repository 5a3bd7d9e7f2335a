import ArgumentParser
import Foundation
import ShiplogCrypto
import ShiplogLedger
import ShiplogPostgres

/// `shiplog verify`: recomputes the hash chain and judges every command of the ledger.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute the hash chain and judge every command; name the first bad position.",
        discussion: """
            Recomputes every event's hash from the stored rows, and judges every command of the \
            ledger: its signature against the key enrolled at that point of the log, its signer's \
            authority (an admin for trust and rules, the approver for an approval, ...), and that \
            the domain would have decided exactly its events there, which re-derives every start's \
            gate. It rebuilds the Merkle tree from the rows and checks the stored one. With \
            --since, it proves the log extends a checkpoint you kept: a rewrite of history before \
            it is caught even when the whole chain was re-hashed. Exit 0 when the ledger is \
            intact, 1 when it is not.
            """)

    @Flag(name: .customLong("chain-only"), help: "Only recompute the hash chain; judge no command.")
    var chainOnly = false
    /// Accepted for scripts written when only some signatures were checked by default.
    @Flag(name: .customLong("all-signatures"), help: .hidden)
    var allSignatures = false
    @Option(
        name: .customLong("since"),
        help: ArgumentHelp("A signed checkpoint you kept (shiplog checkpoint); the log must extend it.", valueName: "CHECKPOINT_FILE"))
    var since: String?
    @Option(
        name: .customLong("ledger-key"),
        help: ArgumentHelp("The ledger's checkpoint verifier key (name+hash+base64) that must have signed it.", valueName: "VKEY"))
    var ledgerKey: String?
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let checkpoint = try since.map { try CheckpointFile.read($0, ledgerKey: ledgerKey) }
        let pool = try await database.open(maximumConnections: 2)
        let verification = try await ChainVerifier(pool: pool).verify(chainOnly: chainOnly, since: checkpoint)
        if output.json {
            try JSONOutput.print(verification)
        } else if verification.ok {
            let judged = verification.commands.map { ", \($0) commands judged" } ?? " (chain only)"
            print("ok: \(verification.events) events\(judged), head \(verification.head.position) \(verification.head.hash)")
            if let since = verification.since {
                print("extends checkpoint \(since.size) \(since.rootHash) (consistency proof of \(since.proofLength ?? 0) hashes)")
            }
        } else if let since = verification.since, !since.ok {
            print(TerminalText.escaped("REWRITTEN: the log does not extend checkpoint \(since.size): \(since.reason ?? "")"))
        } else {
            // The reason quotes stored text (types, names): escaped for the terminal.
            print(
                TerminalText.escaped(
                    "TAMPERED at position \(verification.firstBadPosition ?? 0): \(verification.reason ?? "")")
                    + "\nthe \(verification.events) events before it verify; head of the good part: \(verification.head.hash)")
        }
        if !verification.ok { throw ExitCode(1) }
    }
}
