import ArgumentParser

/// `shiplog`: the deployment ledger's command line.
@main
struct Shiplog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shiplog",
        abstract: "An event-sourced deployment ledger: every build, deploy, approval and rollback in one hash-chained log.",
        discussion: """
            With no DATABASE_URL (and no --database-url), shiplog starts and uses a private \
            PostgreSQL in $SHIPLOG_HOME (default ~/.local/share/shiplog).
            """,
        subcommands: [
            Keys.self, Initialize.self, Admins.self, Approvers.self, Policy.self, BuildCommand.self, MigrationCommand.self,
            DeployCommand.self, RollbackCommand.self, TargetCommand.self, TokensCommand.self, CheckpointCommand.self, WitnessCommand.self, ReceiptCommand.self, Lock.self, Unlock.self, Status.self, History.self, Show.self, Audit.self, Metrics.self,
            Verify.self, Projections.self, Events.self, Migrate.self, Database.self, Serve.self, Healthcheck.self, OutboxCommand.self,
            Bench.self,
        ]
    )
}
