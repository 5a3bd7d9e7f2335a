import ArgumentParser
import Foundation
import ShiplogCore
import ShiplogLedger

/// `shiplog tokens`: API tokens for pipelines and alarm sources (admin-signed).
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "API tokens for CI pipelines and alarm sources (admin-signed).",
        subcommands: [Create.self, List.self, Revoke.self])
}

extension TokensCommand {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token; its secret is printed once (only its SHA-256 is stored).",
            discussion: """
                The token acts through the server as token-NAME, only on the environments given with \
                --env (all when none), and only for its scopes: build, migration, deploy (request, start, \
                succeed, fail, cancel, roll back) and alarm (POST /hooks/eventbridge). A token never \
                approves. The secret starts with shiplog_ so secret scanners can spot it.
                """)

        @Argument(help: "The token's name, e.g. github-web.") var name: String
        @Option(help: "Environments it may act on, comma-separated (default: all).") var env: String?
        @Option(help: "Scopes, comma-separated: build, migration, deploy, alarm (default: build, migration, deploy).")
        var scope = "build,migration,deploy"
        @Option(
            parsing: .unconditional, help: "How long it lasts (e.g. 90d); default: until revoked.",
            transform: DurationArgument.checked)
        var ttl: String?
        @Option(help: "What it is for (default: the name).") var label: String?
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (ledger, signer) = try await database.ledger(key)
            let environments = env.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            let expires = try ttl.map { Date().addingTimeInterval(TimeInterval(try DurationArgument.seconds($0))) }
            let (id, secret) = try await ledger.issueToken(
                id: name, label: label ?? name, scopes: scope.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                expiresAt: expires, environments: environments, key: signer)
            if output.json { return try JSONOutput.print(["name": id.rawValue, "token": secret]) }
            print(secret)
            FileHandle.standardError.write(
                Data("token \(id) created: the line above is its secret, shown this once; store it in your pipeline's secrets\n".utf8))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every token: scopes, environments, expiry, revoked or not.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        struct Row: Encodable {
            var name: String
            var label: String
            var scopes: [String]
            var environments: [String]?
            var expiresAt: Date?
            var revokedAt: Date?
            var issuedBy: String
            var issuedAt: Date

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(name, forKey: .name)
                try container.encode(label, forKey: .label)
                try container.encode(scopes, forKey: .scopes)
                try container.encode(environments, forKey: .environments)
                try container.encode(expiresAt, forKey: .expiresAt)
                try container.encode(revokedAt, forKey: .revokedAt)
                try container.encode(issuedBy, forKey: .issuedBy)
                try container.encode(issuedAt, forKey: .issuedAt)
            }

            enum CodingKeys: String, CodingKey { case name, label, scopes, environments, expiresAt, revokedAt, issuedBy, issuedAt }
        }

        func run() async throws {
            let ledger = try await database.ledger()
            let rows = try await ledger.tokens().tokens.values.sorted { $0.id.rawValue < $1.id.rawValue }.map {
                Row(
                    name: $0.id.rawValue, label: $0.label, scopes: $0.scopes, environments: $0.environments?.map(\.rawValue),
                    expiresAt: $0.expiresAt, revokedAt: $0.revokedAt, issuedBy: $0.issuedBy.name.rawValue, issuedAt: $0.issuedAt)
            }
            if output.json { return try JSONOutput.print(rows) }
            guard !rows.isEmpty else { return print("no API tokens: create one with shiplog tokens create NAME --key ADMIN_KEY") }
            var table = Table("NAME", "SCOPES", "ENVIRONMENTS", "EXPIRES", "STATE", "LABEL")
            for row in rows {
                let state = row.revokedAt != nil ? "revoked" : row.expiresAt.map { $0 <= Date() } == true ? "expired" : "active"
                table.add(
                    row.name, row.scopes.joined(separator: ","), row.environments?.joined(separator: ",") ?? "all",
                    row.expiresAt.map(Timestamps.display) ?? "never", state, row.label)
            }
            print(table.rendered)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: it stops working at once.")
        @Argument(help: "The token's name.") var name: String
        @Option(help: "Why.") var reason: String?
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (ledger, signer) = try await database.ledger(key)
            try await ledger.revokeToken(name, reason: reason, key: signer)
            print("revoked token \(name)")
        }
    }
}
