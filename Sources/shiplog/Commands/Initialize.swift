import ArgumentParser
import ShiplogCore
import ShiplogLedger

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
        let (ledger, signer) = try await database.ledger(key)
        let actor = try await ledger.initialize(admin: name, key: signer)
        if output.json {
            try JSONOutput.print(Report(admin: actor.name.rawValue, keyId: actor.keyID.rawValue))
        } else {
            print("ledger initialized; admin \(actor.name) (key \(actor.keyID))")
        }
    }
}

/// `shiplog admins add|remove`: more keys in the root of trust, so losing one key does not lose
/// the ledger; and a way to take one out (by another admin, never the last).
struct Admins: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add or remove admins (signed by another admin).", subcommands: [Add.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an admin key.")

        @Argument(help: "The new admin's name.") var name: String
        @Option(name: .customLong("public-key"), help: "Their Ed25519 public key (base64).") var publicKey: String
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (ledger, signer) = try await database.ledger(key)
            try await ledger.addAdmin(name: name, publicKey: publicKey, key: signer)
            print("added admin \(name)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an admin key: commands it signs from then on do not count. Another admin signs; never the last.")

        @Argument(help: "The admin's name.") var name: String
        @Option(help: "Why (recorded).") var reason: String?
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (ledger, signer) = try await database.ledger(key)
            try await ledger.removeAdmin(name: name, reason: reason, key: signer)
            print("removed admin \(name)")
        }
    }
}
