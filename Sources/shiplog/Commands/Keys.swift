import ArgumentParser
import ShiplogCrypto
import ShiplogLedger

/// `shiplog keys`: Ed25519 key files.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create and inspect signing keys.", subcommands: [Generate.self, Show.self])
}

extension Keys {
    struct KeyReport: Encodable {
        var keyId: String
        var publicKey: String
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new Ed25519 key file (mode 0600) and print its key id and public key.")

        @Option(help: "Where to write the key file.") var out: String
        @Option(name: .customLong("passphrase-file"), help: "Encrypt the key with the passphrase in this file.")
        var passphraseFile: String?
        @Flag(help: "Replace an existing file.") var force = false
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let key = SigningKey.generate()
            try KeyFile.write(key, to: out, passphrase: try passphraseFile.map(KeyFile.readPassphrase(fromFile:)), overwrite: force)
            try Keys.report(key.publicKey, json: output.json)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a key file's key id and public key.")
        @OptionGroup var key: KeyOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try Keys.report(try key.load().publicKey, json: output.json)
        }
    }

    static func report(_ publicKey: PublicKey, json: Bool) throws {
        if json {
            try JSONOutput.print(KeyReport(keyId: publicKey.keyID.description, publicKey: publicKey.base64))
        } else {
            print("key id:     \(publicKey.keyID)\npublic key: \(publicKey.base64)")
        }
    }
}
