import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import ShiplogPostgres

/// Fills a ledger with a realistic, validly signed history: 50 services deployed through
/// dev → staging → prod (and prod_eu), with builds, approvals, migrations, failures, alarms,
/// rollbacks, rejections, cancellations and the odd lock.
///
/// It decides every command with the real domain over in-memory state (so every event is
/// one the ledger would accept, every signature real), and appends through the real append
/// path (`shiplog_append`), many commands per transaction, each stream at its exact version.
struct LedgerSeeder {
    static let environments = ["dev", "staging", "prod", "prod_eu"]
    static let approvalsRequired = ["dev": 0, "staging": 1, "prod": 2, "prod_eu": 2]

    let store: EventStore
    let verifier = Ed25519Verifier()
    var random = SystemRandomNumberGenerator()
    private(set) var written = 0

    // Every aggregate's state, folded as the judge folds it, and the streams' versions.
    private var world = LedgerWorld()
    private var versions: [String: Int64] = [:]

    private var pending: [AppendRequest] = []
    private var pendingEvents = 0
    private var now: Date
    private let admin = Self.key("admin")
    private let ci = Self.key("deploybot")
    private var people: [(name: String, key: SigningKey, environments: [String])] = []
    private let services = (1...50).map { "svc\($0 < 10 ? "0" : "")\($0)" }
    private var releases: [String: Int] = [:]
    private var migrationCount = 0

    init(store: EventStore, events: Int) {
        self.store = store
        // About 20 seconds of simulated time per event, ending now.
        self.now = Date().addingTimeInterval(-Double(events) * 20)
    }

    /// Appends until at least `target` events are written.
    mutating func seed(target: Int, progress: (Int) -> Void) async throws {
        try await setUp()
        var lastReport = 0
        while written + pendingEvents < target {
            try await deployRound()
            if pendingEvents >= 2_000 { try await flush() }
            if written - lastReport >= 100_000 {
                lastReport = written
                progress(written)
            }
        }
        try await flush()
    }

    private mutating func setUp() async throws {
        let adminName = try ActorName("admin")
        try apply(
            .initialize(admin: adminName, publicKey: try PublicKeyBytes(admin.publicKey.bytes), keyID: try keyID(admin)),
            key: admin)
        for environment in Self.environments {
            try apply(
                .setPolicy(
                    environment: try Environment(environment),
                    policy: EnvironmentPolicy(approvalsRequired: Self.approvalsRequired[environment]!, approvalTTLSeconds: 4 * 3600)),
                key: admin)
        }
        let names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar"]
        for (index, name) in names.enumerated() {
            let environments = index < 8 ? Self.environments : ["dev", "staging"]
            people.append((name, Self.key(name), environments))
        }
        people.append(("deploybot", ci, []))
        for person in people {
            try apply(
                .enrollApprover(
                    name: try ActorName(person.name), publicKey: try PublicKeyBytes(person.key.publicKey.bytes),
                    keyID: try keyID(person.key), slackUserID: nil, environments: try person.environments.map(Environment.init),
                    kind: person.environments.isEmpty ? .ci : .person),
                key: admin)
        }
        try await flush()
    }

    /// One build of one service, promoted through the environments.
    private mutating func deployRound() async throws {
        let service = services.randomElement(using: &random)!
        let release = releases[service, default: 0] + 1
        releases[service] = release
        let version = "1.\(release / 100).\(release % 100)"
        let digest = "sha256:" + Hex.encode(SecureRandom.bytes(count: 32))
        try apply(
            .recordBuild(
                service: try ServiceName(service), version: try ServiceVersion(version), artifact: try ArtifactDigest(digest),
                commit: Hex.encode(SecureRandom.bytes(count: 20)),
                taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/\(service):\(release)"),
            key: ci)
        let pipeline = Int.random(in: 0..<4, using: &random) == 0 ? Self.environments : Array(Self.environments.prefix(3))
        for environment in pipeline {
            guard try await deploy(service: service, version: version, environment: environment) else { return }
        }
    }

    /// Returns false when the release stops here (rejected, cancelled, failed, rolled back).
    private mutating func deploy(service: String, version: String, environment: String) async throws -> Bool {
        let serviceName = try ServiceName(service), environmentName = try Environment(environment)
        let requester = people.filter { !$0.environments.isEmpty }.randomElement(using: &random)!
        let id = try DeployID(shortID: Hex.encode(SecureRandom.bytes(count: 6)))
        let roll = Int.random(in: 0..<100, using: &random)

        if roll < 3, environment != "dev" {
            migrationCount += 1
            try apply(
                .recordMigrationApplied(
                    environment: environmentName, name: try MigrationName("m\(migrationCount)_\(service)"),
                    checksum: try MigrationChecksum(Hex.encode(SecureRandom.bytes(count: 32))), service: serviceName),
                key: ci)
        }

        try apply(
            .requestDeploy(
                id: id, service: serviceName, environment: environmentName, version: try ServiceVersion(version),
                artifact: nil, reason: "release \(version)", allowUnrecorded: false),
            key: requester.key)

        if roll < 2 {
            let approver = people.first { $0.environments.contains(environment) && $0.name != requester.name }!
            try apply(.rejectDeploy(id: id, reason: "not this week"), key: approver.key)
            return false
        }
        if roll < 4 {
            try apply(.cancelDeploy(id: id, reason: "superseded"), key: requester.key)
            return false
        }

        let eligible = people.filter { $0.environments.contains(environment) && $0.name != requester.name }.shuffled(using: &random)
        for approver in eligible.prefix(Self.approvalsRequired[environment]!) {
            let at = tick()
            let statement = ApprovalStatement(
                approving: world.deploys[id]!.request!, expiresAt: at.addingTimeInterval(4 * 3600),
                signer: try keyID(approver.key))
            try apply(
                .approveDeploy(statement: statement, signature: SignatureBytes(approver.key.signature(for: statement.canonicalBytes))),
                key: approver.key, at: at)
        }
        try apply(.startDeploy(id: id, breakGlassReason: nil), key: ci)

        if roll < 8 {
            try apply(.failDeploy(id: id, reason: "health checks failed"), key: ci)
            return false
        }
        try apply(.succeedDeploy(id: id), key: ci)

        let place = world.place(environmentName, serviceName)
        if roll < 12, place.lastKnownGood != nil {
            let alarm = try AlarmName("\(service)-\(environment)-5xx")
            try apply(
                .raiseAlarm(alarm: alarm, environment: environmentName, service: serviceName, reason: "5XX above threshold"),
                key: ci)
            try apply(.startRollback(id: id, alarm: alarm, reason: "alarm", automatic: true), key: ci)
            try apply(.finishRollback(id: id, succeeded: true, reason: nil), key: ci)
            try apply(.resolveAlarm(alarm: alarm, reason: "back to normal"), key: ci)
            return false
        }
        return true
    }

    // MARK: State

    /// Signs `command` as an intent at the next tick (or `at`), decides it as the ledger
    /// would, queues it for appending and folds it into the in-memory state.
    private mutating func apply(_ command: LedgerCommand, key: SigningKey, at: Date? = nil) throws {
        let signed = try SignedIntent(
            CommandIntent(signer: try keyID(key), at: at ?? tick(), command: command), signedWith: key)
        let decision = try LedgerJudge.decide(signed.intent, in: world, verifier: verifier)
        let signerName = people.first { $0.key.keyID == key.keyID }?.name ?? "admin"
        let current = versions
        let requests = try LedgerStore.requests(
            for: decision, signed: signed, actor: { $0.actor?.name.rawValue ?? signerName },
            version: { current[$0.name, default: 0] })
        for append in decision.appends {
            for event in append.events { world.apply(event, on: append.stream) }
            versions[append.stream.name, default: 0] += Int64(append.events.count)
        }
        pending += requests
        pendingEvents += requests.reduce(0) { $0 + $1.events.count }
    }

    private mutating func flush() async throws {
        guard !pending.isEmpty else { return }
        _ = try await store.appendAtomically(pending)
        written += pendingEvents
        pending = []
        pendingEvents = 0
    }

    private mutating func tick() -> Date {
        now = now.addingTimeInterval(Double.random(in: 5...35, using: &random))
        return now
    }

    private func keyID(_ key: SigningKey) throws -> SignerKeyID { try SignerKeyID(key.keyID.description) }

    /// The seeded team's keys come from their names, so a benchmark can sign as them later
    /// (`bench request`). Only ever for the scratch benchmark ledger.
    static func key(_ name: String) -> SigningKey {
        try! SigningKey(seed: SHA256.hash(Array("shiplog bench seed \(name)".utf8)))
    }
}
