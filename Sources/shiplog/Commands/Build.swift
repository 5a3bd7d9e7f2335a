import ArgumentParser

/// `shiplog build record`: an artifact that deploys may name.
struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build", abstract: "Record builds.", subcommands: [Record.self])

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a built artifact of a service version.")

        @Option(help: "The service, e.g. web.") var service: String
        @Option(help: "The version, e.g. 1.2.3.") var version: String
        @Option(help: "The artifact digest: sha256: and 64 hex characters.") var artifact: String
        @Option(help: "The source commit.") var commit: String?
        @Option(name: .customLong("task-definition"), help: "The ECS task definition ARN this build runs as.")
        var taskDefinition: String?
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (ledger, signer) = try await database.client(key)
            try await ledger.recordBuild(
                service: service, version: version, artifact: artifact, commit: commit, taskDefinition: taskDefinition,
                key: signer)
            print("recorded \(service) \(version) (\(artifact))")
        }
    }
}

/// `shiplog migration record`: a database migration applied (or failed) in an environment.
struct MigrationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migration", abstract: "Record database migrations.", subcommands: [Record.self])

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a migration applied to an environment's database.")

        @Option(help: "The environment.") var env: String
        @Option(help: "The migration's name, e.g. 0042_add_index.") var name: String
        @Option(help: "The migration file's checksum (hex).") var checksum: String
        @Option(help: "The service whose database it is.") var service: String?
        @Flag(help: "It failed.") var failed = false
        @Option(help: "What went wrong (with --failed).") var error: String?
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (ledger, signer) = try await database.client(key)
            try await ledger.recordMigration(
                environment: env, name: name, checksum: checksum, service: service, failed: failed, error: error,
                key: signer)
            print("recorded migration \(name) on \(env)\(failed ? " as failed" : "")")
        }
    }
}
