import Foundation
import ShiplogTestSupport
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import Testing

@testable import ShiplogPostgres

/// The application layer over either storage: the same story, decided, signed, judged and
/// appended in memory and in PostgreSQL, ends in the same ledger.
@Suite("The ledger's commands over both storages")
struct LedgerServiceStoryTests {
    enum Storage: String, CaseIterable, Sendable { case memory, postgres, postgresJudgedTrust }

    static func ledger(_ storage: Storage) async throws -> LedgerService {
        switch storage {
        case .memory:
            return LedgerService(store: InMemoryLedgerStorage())
        case .postgres:
            let database = try await TestDatabase.create()
            return LedgerService(store: LedgerStore(events: EventStore(pool: database.pool())))
        case .postgresJudgedTrust:
            let database = try await TestDatabase.create()
            return LedgerService(store: LedgerStore(events: EventStore(pool: database.pool()), trust: TrustCache()))
        }
    }

    /// An admin, a prod policy needing 2 approvals, alice, bob and carol enrolled for prod, and
    /// a CI key: their keys.
    static func enroll(_ ledger: LedgerService) async throws
        -> (admin: SigningKey, alice: SigningKey, bob: SigningKey, carol: SigningKey, ci: SigningKey)
    {
        let admin = SigningKey.generate(), alice = SigningKey.generate(), bob = SigningKey.generate()
        let carol = SigningKey.generate(), ci = SigningKey.generate()
        _ = try await ledger.initialize(admin: "admin", key: admin)
        try await ledger.setPolicy(environment: "prod", policy: EnvironmentPolicy(approvalsRequired: 2), key: admin)
        for (name, key) in [("alice", alice), ("bob", bob), ("carol", carol)] {
            _ = try await ledger.enrollApprover(
                name: name, publicKey: key.publicKey.base64, slackUser: nil, environments: ["prod"], kind: .person, key: admin)
        }
        _ = try await ledger.enrollApprover(
            name: "ci", publicKey: ci.publicKey.base64, slackUser: nil, environments: [], kind: .ci, key: admin)
        return (admin, alice, bob, carol, ci)
    }

    @Test("carol requests, her own approval is refused, alice and bob approve, it starts and succeeds", arguments: Storage.allCases)
    func story(_ storage: Storage) async throws {
        let ledger = try await Self.ledger(storage)
        let (_, alice, bob, carol, ci) = try await Self.enroll(ledger)
        try await ledger.recordBuild(
            service: "web", version: "1.2.3", artifact: "sha256:" + String(repeating: "ab", count: 32), commit: nil,
            taskDefinition: nil, key: ci)
        let id = try await ledger.requestDeploy(
            service: "web", environment: "prod", version: "1.2.3", artifact: nil, reason: nil, allowUnrecorded: false,
            key: carol)

        let own = try await #require(throws: LedgerError.self) { try await ledger.approve(id.rawValue, key: carol) }
        #expect(own.code == .approvalRefused)
        try await ledger.approve(id.rawValue, key: alice)
        let closed = try await #require(throws: LedgerError.self) {
            try await ledger.start(id.rawValue, breakGlassReason: nil, key: ci)
        }
        #expect(closed.kind == .gateClosed)
        #expect(closed.message.contains("needs 2 approvals, has 1 of 2 (alice)"))
        try await ledger.approve(id.rawValue, key: bob)
        try await ledger.start(id.rawValue, breakGlassReason: nil, key: ci)
        try await ledger.succeed(id.rawValue, key: ci)

        let deploy = try await ledger.deploy(id.rawValue)
        #expect(deploy.context.deploy.status == .succeeded)
        #expect(deploy.context.deploy.started?.approvedBy.map(\.rawValue) == ["alice", "bob"])
        #expect(deploy.skipped.isEmpty)
        #expect(deploy.context.serviceEnvironment.running?.version.rawValue == "1.2.3")
    }

    @Test("in memory too, a second request while one is in flight is refused and writes nothing")
    func oneActiveDeployInMemory() async throws {
        let storage = InMemoryLedgerStorage()
        let ledger = LedgerService(store: storage)
        let admin = SigningKey.generate(), carol = SigningKey.generate()
        _ = try await ledger.initialize(admin: "admin", key: admin)
        try await ledger.setPolicy(environment: "prod", policy: EnvironmentPolicy(approvalsRequired: 1), key: admin)
        _ = try await ledger.enrollApprover(
            name: "carol", publicKey: carol.publicKey.base64, slackUser: nil, environments: ["prod"], kind: .person,
            key: admin)
        let artifact = "sha256:" + String(repeating: "cd", count: 32)
        _ = try await ledger.requestDeploy(
            service: "web", environment: "prod", version: "1.0.0", artifact: artifact, reason: nil, allowUnrecorded: true,
            key: carol)
        let before = await storage.log.count
        let second = try await #require(throws: LedgerError.self) {
            _ = try await ledger.requestDeploy(
                service: "web", environment: "prod", version: "1.0.0", artifact: artifact, reason: nil,
                allowUnrecorded: true, key: carol)
        }
        #expect(second.message.contains("already has an active deploy"))
        #expect(await storage.log.count == before)
    }

    @Test("with the judged trust kept between commands: builds go on from it; a revocation is seen by the next command; a deploy older than the trust is judged from the start, as without it")
    func judgedTrust() async throws {
        let database = try await TestDatabase.create()
        let trust = TrustCache()
        let ledger = LedgerService(store: LedgerStore(events: EventStore(pool: database.pool()), trust: trust))
        let plain = LedgerService(store: LedgerStore(events: EventStore(pool: database.pool())))
        let (admin, alice, bob, carol, ci) = try await Self.enroll(ledger)
        let artifact = "sha256:" + String(repeating: "ab", count: 32)
        // The enrollments moved the trust streams: the first build judges them again, the next
        // ones go on from that.
        try await ledger.recordBuild(service: "web", version: "1.0.0", artifact: artifact, commit: nil, taskDefinition: nil, key: ci)
        let before = trust.counts
        for version in ["1.0.1", "1.0.2"] {
            try await ledger.recordBuild(service: "web", version: version, artifact: artifact, commit: nil, taskDefinition: nil, key: ci)
        }
        #expect(trust.counts.continued - before.continued == 2)
        #expect(trust.counts.judged == before.judged, "the trust streams did not move: judged once")

        // A deploy's commands read prod's policy, set before the approvers were enrolled: it is
        // judged with the trust streams, so they go on from there too.
        let beforeDeploy = trust.counts
        let id = try await ledger.requestDeploy(
            service: "web", environment: "prod", version: "1.0.2", artifact: nil, reason: nil, allowUnrecorded: false, key: carol)
        try await ledger.approve(id.rawValue, key: alice)
        #expect(trust.counts.continued > beforeDeploy.continued)
        #expect(trust.counts.fromTheStart == beforeDeploy.fromTheStart)
        // Bob is revoked (by the plain store, as another process would): the next command sees it.
        try await plain.revokeApprover(name: "bob", reason: nil, key: admin)
        let judged = trust.counts.judged, fromTheStart = trust.counts.fromTheStart
        let refused = try await #require(throws: LedgerError.self) { try await ledger.approve(id.rawValue, key: bob) }
        #expect(refused.message.contains("bob"), "\(refused)")
        // The deploy's events come before the revocation: judged from the start, as the plain store does.
        let cached = try await ledger.deploy(id.rawValue), direct = try await plain.deploy(id.rawValue)
        #expect(trust.counts.judged > judged)
        #expect(trust.counts.fromTheStart >= fromTheStart + 2)
        #expect(cached.context.deploy.approvals.map(\.approver) == direct.context.deploy.approvals.map(\.approver))
        #expect(cached.skipped == direct.skipped)
        #expect(try await ChainVerifier(pool: database.pool()).verify().ok)
    }
}
