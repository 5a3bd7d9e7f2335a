import ArgumentParser

/// `shiplog lock`: closes the gate for an environment (or one service in it).
struct Lock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lock an environment, or one service in it: no deploy may start.")

    @Option(help: "The environment.") var env: String
    @Option(help: "Only this service.") var service: String?
    @Option(help: "Why (shown to everyone the lock stops).") var reason: String
    @OptionGroup var key: KeyOptions
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let (ledger, signer) = try await database.client(key)
        try await ledger.lock(environment: env, service: service, reason: reason, key: signer)
        print("locked \(service.map { "\($0) on " } ?? "")\(env)")
    }
}

/// `shiplog unlock`.
struct Unlock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lift a lock.")

    @Option(help: "The environment.") var env: String
    @Option(help: "Only this service (the lock must have the same scope).") var service: String?
    @Option(help: "Why.") var reason: String?
    @OptionGroup var key: KeyOptions
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let (ledger, signer) = try await database.client(key)
        try await ledger.unlock(environment: env, service: service, reason: reason, key: signer)
        print("unlocked \(service.map { "\($0) on " } ?? "")\(env)")
    }
}
