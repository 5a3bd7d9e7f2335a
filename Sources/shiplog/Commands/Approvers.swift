import ArgumentParser
import Foundation
import ShiplogCore
import ShiplogLedger

/// `shiplog approvers`: who may approve deploys, and where.
struct Approvers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enroll, revoke and list approvers (admin-signed).", subcommands: [Add.self, Revoke.self, List.self])
}

extension Approvers {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enroll an approver's public key.")

        @Argument(help: "The approver's name, e.g. alice.") var name: String
        @Option(name: .customLong("public-key"), help: "Their Ed25519 public key (base64, from shiplog keys generate).")
        var publicKey: String
        @Option(name: .customLong("slack-user"), help: "Their Slack user id, for approvals from Slack.") var slackUser: String?
        @Option(help: "Environments they may approve, comma-separated (e.g. prod,staging).") var env: String = ""
        @Flag(help: "A CI identity: may record builds and deploys, never approves.") var ci = false
        @Flag(name: .customLong("slack-bot"), help: "The Slack bot's key: signs approvals made in Slack.") var slackBot = false
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        struct Report: Encodable {
            var name: String
            var keyId: String
        }

        func run() async throws {
            let environments = env.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let kind: ApproverKind = ci ? .ci : slackBot ? .slackBot : .person
            let (ledger, signer) = try await database.ledger(key)
            let keyID = try await ledger.enrollApprover(
                name: name, publicKey: publicKey, slackUser: slackUser, environments: environments, kind: kind,
                key: signer)
            if output.json {
                try JSONOutput.print(Report(name: name, keyId: keyID.rawValue))
            } else {
                print("enrolled \(name) (key \(keyID))")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an approver's key; their past approvals stay on record.")

        @Argument(help: "The approver's name.") var name: String
        @Option(help: "Why.") var reason: String?
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (ledger, signer) = try await database.ledger(key)
            try await ledger.revokeApprover(name: name, reason: reason, key: signer)
            print("revoked \(name)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List enrolled approvers.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        struct Row: Encodable {
            var name: String
            var keyId: String
            var publicKey: String
            var kind: String
            var environments: [String]
            var slackUser: String?
            var enrolledAt: String
            var revokedAt: String?
        }

        func run() async throws {
            let registry = try await database.ledger().approvers()
            let rows = registry.approvers.map { approver in
                Row(
                    name: approver.name.rawValue, keyId: approver.keyID.rawValue, publicKey: approver.publicKey.base64,
                    kind: approver.kind.rawValue, environments: approver.environments.map(\.rawValue),
                    slackUser: approver.slackUserID?.rawValue, enrolledAt: Timestamps.iso8601(approver.enrolledAt),
                    revokedAt: approver.revokedAt.map(Timestamps.iso8601))
            }
            if output.json { return try JSONOutput.print(rows) }
            var table = Table("NAME", "KEY", "KIND", "ENVIRONMENTS", "SLACK", "STATE")
            for row in rows {
                table.add(
                    row.name, row.keyId, row.kind, row.environments.joined(separator: ","), row.slackUser ?? "-",
                    row.revokedAt.map { "revoked \($0)" } ?? "active")
            }
            print(rows.isEmpty ? "no approvers enrolled" : table.rendered)
        }
    }
}
