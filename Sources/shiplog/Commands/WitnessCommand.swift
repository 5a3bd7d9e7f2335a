import ArgumentParser
import Foundation
import Hummingbird
import ShiplogCrypto
import ShiplogLedger
import ShiplogServer

/// `shiplog witness`: an independent witness that cosigns the ledger's checkpoints (C2SP
/// tlog-witness). Run it somewhere the ledger's operators cannot reach.
struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness", abstract: "Run a witness that cosigns checkpoints consistent with the last (C2SP tlog-witness).",
        subcommands: [Serve.self, VerifierKey.self])
}

/// The witness's key and name.
struct WitnessKeyOptions: ParsableArguments {
    @Option(name: .customLong("key"), help: "The witness's signing key file (default: $SHIPLOG_WITNESS_KEY).")
    var keyPath: String?
    @Option(help: "The witness's name in cosignatures (default: shiplog-witness/KEY_ID).") var name: String?

    func signer() throws -> NoteSigner {
        guard let path = keyPath ?? ProcessInfo.processInfo.environment["SHIPLOG_WITNESS_KEY"], !path.isEmpty else {
            throw ValidationError("pass --key PATH (the witness's own key; create one with shiplog keys generate --out PATH)")
        }
        let key = try KeyFile.read(from: path)
        do { return try NoteSigner(name: name ?? "shiplog-witness/\(key.keyID)", key: key, kind: .cosignature) } catch {
            throw ValidationError("--name: \(error)")
        }
    }
}

extension WitnessCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve POST /add-checkpoint for the logs given with --log.",
            discussion: """
                Cosigns a checkpoint only when it is signed by its log's key and a consistency proof \
                shows it extends the last checkpoint this witness cosigned for that log; a fork (another \
                root for a size, a tree that does not extend the last one, a smaller tree) is refused \
                and logged at critical level. Its state (the last checkpoint per log) is kept in --state.
                """)

        @OptionGroup var key: WitnessKeyOptions
        @Option(name: .customLong("log"), help: ArgumentHelp("A log's checkpoint verifier key, repeatable.", valueName: "VKEY"))
        var logs: [String] = []
        @Option(help: "The file holding the witness's state.") var state = "witness-state.json"
        @Option(help: "The address to listen on.") var host = "127.0.0.1"
        @Option(help: "The port to listen on.") var port = 8089

        func run() async throws {
            let signer = try key.signer()
            guard !logs.isEmpty else {
                throw ValidationError("give --log VKEY for each log to witness (the ledger prints it: shiplog checkpoint verifier-key)")
            }
            let keys = try logs.map { entry in
                let key: NoteVerifierKey
                do { key = try NoteVerifierKey(entry) } catch { throw ValidationError("--log \(entry.prefix(60)): \(error)") }
                guard key.kind == .ed25519 else {
                    throw ValidationError("--log \(key.name): a log signs checkpoints with an Ed25519 (type 0x01) key, not a cosignature key")
                }
                return key
            }
            let witness: Witness
            do { witness = try Witness(signer: signer, logKeys: keys, stateFile: state) } catch let error as CheckpointError {
                throw ValidationError(error.description)
            }
            print("shiplog witness \(signer.verifierKey.name): listening on http://\(host):\(port); verifier key \(signer.verifierKey)")
            try await buildWitnessApplication(witness: witness, host: host, port: port).runService()
        }
    }

    struct VerifierKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verifier-key", abstract: "Print the witness's cosignature verifier key (name+hash+base64).")
        @OptionGroup var key: WitnessKeyOptions

        func run() async throws {
            print(try key.signer().verifierKey.description)
        }
    }
}
