import ArgumentParser
import Foundation
import ShiplogAWS
import ShiplogCrypto
import ShiplogHTTP
import ShiplogLedger
import ShiplogPostgres

/// The checkpoint key, its origin, where checkpoints are published and which witnesses cosign
/// them: shared by `shiplog checkpoint` and `shiplog serve`.
struct CheckpointOptions: ParsableArguments {
    @Option(
        name: .customLong("checkpoint-key"),
        help: "The checkpoint key file: never stored in the database (default: $SHIPLOG_CHECKPOINT_KEY).")
    var keyPath: String?
    @Option(help: "The log's origin line and key name (default: $SHIPLOG_LOG_ORIGIN, else shiplog/KEY_ID).")
    var origin: String?
    @Option(
        name: .customLong("publish"),
        help: ArgumentHelp(
            "Publish to a directory or s3://bucket/prefix, repeatable (default: $SHIPLOG_CHECKPOINT_PUBLISH, comma-separated).",
            valueName: "DIR|s3://…"))
    var publish: [String] = []
    @Option(
        name: .customLong("witness"),
        help: ArgumentHelp(
            "A witness to cosign: its URL and cosignature key, repeatable (default: $SHIPLOG_WITNESSES, ';'-separated).",
            valueName: "URL,VKEY"))
    var witnesses: [String] = []

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Whether a checkpoint key is configured at all (serve makes checkpoints only then).
    var isConfigured: Bool { (keyPath ?? environment["SHIPLOG_CHECKPOINT_KEY"]).map { !$0.isEmpty } ?? false }

    func signer() throws -> NoteSigner {
        guard let path = keyPath ?? environment["SHIPLOG_CHECKPOINT_KEY"], !path.isEmpty else {
            throw ValidationError(
                "checkpoints are signed with the ledger's checkpoint key: pass --checkpoint-key PATH or set SHIPLOG_CHECKPOINT_KEY (create one with shiplog keys generate --out PATH; keep it off the database host's disk if you can)"
            )
        }
        let key = try KeyFile.read(from: path)
        let name = origin ?? environment["SHIPLOG_LOG_ORIGIN"].flatMap { $0.isEmpty ? nil : $0 } ?? Checkpointer.defaultOrigin(for: key.publicKey)
        do { return try NoteSigner(name: name, key: key) } catch { throw ValidationError("--origin: \(error)") }
    }

    func publishers(http: HTTPClient) throws -> [any CheckpointPublisher] {
        let targets = publish.isEmpty ? (environment["SHIPLOG_CHECKPOINT_PUBLISH"] ?? "").split(separator: ",").map(String.init) : publish
        return try targets.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { target in
            if target.hasPrefix("s3://") {
                let credentials = try AWSCredentialSource.fromEnvironment(environment, http: http)
                return try S3Publisher(url: target, http: http, credentials: credentials, settings: .fromEnvironment(environment))
            }
            return DirectoryPublisher(directory: target)
        }
    }

    func witnessClients(http: HTTPClient) throws -> [WitnessClient] {
        let entries = witnesses.isEmpty ? (environment["SHIPLOG_WITNESSES"] ?? "").split(separator: ";").map(String.init) : witnesses
        return try entries.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { entry in
            guard let comma = entry.lastIndex(of: ",") else {
                throw ValidationError("--witness takes URL,VKEY (the witness's cosignature key from shiplog witness verifier-key): \(entry)")
            }
            let key: NoteVerifierKey
            do { key = try NoteVerifierKey(String(entry[entry.index(after: comma)...])) } catch {
                throw ValidationError("--witness \(entry[..<comma]): \(error)")
            }
            return try WitnessClient(url: String(entry[..<comma]), key: key, http: http)
        }
    }

    func checkpointer(pool: PostgresPool, http: HTTPClient) throws -> Checkpointer {
        try Checkpointer(pool: pool, signer: signer(), publishers: publishers(http: http), witnesses: witnessClients(http: http))
    }
}
