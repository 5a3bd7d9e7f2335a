import ArgumentParser
import ShiplogPostgres

/// `shiplog verify`: recomputes the hash chain from the stored rows.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute the hash chain and check the signatures; name the first bad position.",
        discussion: """
            Recomputes every event's hash from the stored rows, and checks every approval's signature \
            (and every command that changes keys, policies, locks or breaks glass) against the key \
            enrolled at that time. Exit 0 when the ledger is intact, 1 when it is not.
            """)

    @Flag(name: .customLong("all-signatures"), help: "Also check every command's signature, not only approvals and trust changes (about one Ed25519 check per event: slower).")
    var allSignatures = false
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let pool = try await database.open(maximumConnections: 2)
        let verification = try await ChainVerifier(pool: pool).verify(signatures: allSignatures ? .everything : .approvalsAndTrust)
        if output.json {
            try JSONOutput.print(verification)
        } else if verification.ok {
            print("ok: \(verification.events) events, head \(verification.head.position) \(verification.head.hash)")
        } else {
            print(
                "TAMPERED at position \(verification.firstBadPosition ?? 0): \(verification.reason ?? "")\n"
                    + "the \(verification.events) events before it verify; head of the good part: \(verification.head.hash)")
        }
        if !verification.ok { throw ExitCode(1) }
    }
}
