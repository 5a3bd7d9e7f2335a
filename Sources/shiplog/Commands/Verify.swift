import ArgumentParser
import ShiplogPostgres

/// `shiplog verify`: recomputes the hash chain from the stored rows.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute the whole hash chain from the stored events and name the first bad position.",
        discussion: "Exit 0 when the ledger is intact, 1 when it is not.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let pool = try await database.open(maximumConnections: 1)
        let verification = try await ChainVerifier(pool: pool).verify()
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
