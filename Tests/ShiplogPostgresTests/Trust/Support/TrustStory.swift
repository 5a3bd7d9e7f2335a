import Foundation
import ShiplogTestSupport
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger

@testable import ShiplogPostgres

/// A real ledger in PostgreSQL through the application's own commands: admin (root of trust),
/// alice, bob and carol (approvers for prod and staging), a CI key; prod needs 2 approvals;
/// web 1.2.3 is built. Everything connects as a login role holding only `shiplog_app`, as every
/// CLI user does; `forger` writes through it as an attacker holding that role would.
struct TrustStory {
    let database: TestDatabase
    /// The login role holding only shiplog_app.
    let login: PostgresConfiguration
    let ledger: LedgerService
    let forger: Forger
    let admin = SigningKey.generate()
    let alice = SigningKey.generate()
    let bob = SigningKey.generate()
    let carol = SigningKey.generate()
    let ci = SigningKey.generate()
    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    /// - Parameter groupCommit: commands share transactions with concurrent ones, as the
    ///   server's will.
    static func make(maximumConnections: Int = 4, groupCommit: Bool = false) async throws -> TrustStory {
        let database = try await TestDatabase.create()
        let login = try await database.applicationLogin()
        let store = EventStore(
            pool: PostgresPool(configuration: login, maximumConnections: maximumConnections), groupCommit: groupCommit)
        let story = TrustStory(
            database: database, login: login, ledger: LedgerService(store: LedgerStore(events: store)),
            forger: Forger(store: store))
        _ = try await story.ledger.initialize(admin: "admin", key: story.admin)
        try await story.ledger.setPolicy(environment: "prod", policy: EnvironmentPolicy(approvalsRequired: 2), key: story.admin)
        try await story.ledger.setPolicy(
            environment: "staging", policy: EnvironmentPolicy(approvalsRequired: 1), key: story.admin)
        for (name, key) in [("alice", story.alice), ("bob", story.bob), ("carol", story.carol)] {
            try await story.enroll(name, key)
        }
        _ = try await story.ledger.enrollApprover(
            name: "ci", publicKey: story.ci.publicKey.base64, slackUser: nil, environments: [], kind: .ci, key: story.admin)
        try await story.ledger.recordBuild(
            service: "web", version: "1.2.3", artifact: digest, commit: nil, taskDefinition: nil, key: story.ci)
        return story
    }

    func enroll(_ name: String, _ key: SigningKey, environments: [String] = ["prod", "staging"]) async throws {
        _ = try await ledger.enrollApprover(
            name: name, publicKey: key.publicKey.base64, slackUser: nil, environments: environments, kind: .person,
            key: admin)
    }

    /// carol requests web 1.2.3 to prod.
    func request(_ environment: String = "prod") async throws -> DeployID {
        try await ledger.requestDeploy(
            service: "web", environment: environment, version: "1.2.3", artifact: nil, reason: nil,
            allowUnrecorded: false, key: carol)
    }

    func actor(_ name: String, _ key: SigningKey) throws -> LedgerActor {
        LedgerActor(name: try ActorName(name), keyID: try SignerKeyID(key.keyID.description))
    }

    /// `shiplog verify`, judging every command.
    func verify() async throws -> ChainVerification {
        try await ChainVerifier(pool: PostgresPool(configuration: login, maximumConnections: 2)).verify()
    }

    /// Where the first event of `type` sits, counted or not.
    func position(of type: String) async throws -> Int64? {
        let rows = try await database.connect().query("SELECT min(position) FROM events WHERE type = \(type)")
        return try rows[0].decode(Int64?.self, at: 0)
    }
}
