import ArgumentParser
import ShiplogCore

/// `shiplog init`: the ledger's root of trust.
struct Initialize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Record the first admin key: the root of trust of this ledger.")

    @Option(help: "The admin's name in the ledger.") var name = "admin"
    @OptionGroup var key: KeyOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var admin: String
        var keyId: String
    }

    func run() async throws {
        let actor = try await database.ledger().initialize(admin: name, key: try key.load())
        if output.json {
            try JSONOutput.print(Report(admin: actor.name.rawValue, keyId: actor.keyID.rawValue))
        } else {
            print("ledger initialized; admin \(actor.name) (key \(actor.keyID))")
        }
    }
}

/// `shiplog admins add`: more keys in the root of trust, so losing one key does not lose the ledger.
struct Admins: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Add admins (signed by an existing admin).", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an admin key.")

        @Argument(help: "The new admin's name.") var name: String
        @Option(name: .customLong("public-key"), help: "Their Ed25519 public key (base64).") var publicKey: String
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await database.ledger().addAdmin(name: name, publicKey: publicKey, key: try key.load())
            print("added admin \(name)")
        }
    }
}
