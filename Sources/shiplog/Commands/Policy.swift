import ArgumentParser
import ShiplogCore

/// `shiplog policy`: each environment's gate rules.
struct Policy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Set an environment's deploy policy (admin-signed).", subcommands: [Set.self])
}

extension Policy {
    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set how many approvals an environment needs, for how long they last, and when it is frozen.")

        @Option(help: "The environment, e.g. prod.") var env: String
        @Option(
            parsing: .unconditional, help: "Approvals required before a deploy may start.",
            transform: { try WholeNumberArgument.parse($0, in: EnvironmentPolicy.approvalsRange) })
        var approvals: Int
        @Option(
            parsing: .unconditional, help: "How long an approval stays valid (e.g. 30m, 1h, 2d).",
            transform: DurationArgument.checked)
        var ttl = "1h"
        @Flag(name: .customLong("allow-self-approval"), help: "Let the requester's own approval count.")
        var allowSelfApproval = false
        @Flag(name: .customLong("require-personal-key"), help: "Require at least one approval signed with a person's own key (CLI), not via Slack.")
        var requirePersonalKey = false
        @Option(
            help: "A freeze window (repeatable): a 5-field UTC cron expression for the frozen minutes, or START/END (e.g. 2026-12-20T00:00Z/2027-01-02T00:00Z).")
        var freeze: [String] = []
        @Flag(name: .customLong("no-auto-rollback"), help: "Do not roll back automatically when an alarm fires after a deploy.")
        var noAutoRollback = false
        @Flag(
            name: .customLong("require-migrations"),
            help: "No deploy starts while a migration recorded failed on the environment (for its service, or for none) is not recorded applied since.")
        var requireMigrations = false
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let policy = EnvironmentPolicy(
                approvalsRequired: approvals, approvalTTLSeconds: try DurationArgument.seconds(ttl),
                allowSelfApproval: allowSelfApproval, requirePersonalKey: requirePersonalKey,
                freezeWindows: try freeze.map(FreezeWindow.init), autoRollback: !noAutoRollback,
                requireMigrations: requireMigrations)
            try policy.validate()
            let (ledger, signer) = try await database.ledger(key)
            try await ledger.setPolicy(environment: env, policy: policy, key: signer)
            print(
                "policy for \(env): \(approvals) approval\(approvals == 1 ? "" : "s"), valid \(ttl)\(freeze.isEmpty ? "" : ", \(freeze.count) freeze window(s)")\(requireMigrations ? ", migrations must not stand failed" : "")")
        }
    }
}
