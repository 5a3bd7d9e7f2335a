import ArgumentParser
import Foundation
import ShiplogCrypto

/// `--key`: the Ed25519 key that signs the command; the ledger names its enrolled owner as the actor.
struct KeyOptions: ParsableArguments {
    @Option(name: .customLong("key"), help: "The signing key file (default: $SHIPLOG_KEY).")
    var keyPath: String?

    @Option(name: .customLong("passphrase-file"), help: "A file holding the key's passphrase, if it has one.")
    var passphraseFile: String?

    func load() throws -> SigningKey {
        guard let path = keyPath ?? ProcessInfo.processInfo.environment["SHIPLOG_KEY"], !path.isEmpty else {
            throw ValidationError("this command is signed: pass --key PATH or set SHIPLOG_KEY (create a key with shiplog keys generate --out PATH)")
        }
        let passphrase = try passphraseFile.map(KeyFile.readPassphrase(fromFile:))
        return try KeyFile.read(from: path, passphrase: passphrase)
    }
}
