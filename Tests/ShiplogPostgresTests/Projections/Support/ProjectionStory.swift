import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import ShiplogPostgres

/// A named actor with a deterministic Ed25519 key (seeded from the name).
struct ProjectionKey: Sendable {
    let name: ActorName
    let signingKey: SigningKey
    let publicKey: PublicKeyBytes
    let keyID: SignerKeyID

    init(_ name: String) {
        self.name = try! ActorName(name)
        signingKey = try! SigningKey(seed: SHA256.hash(Array("projection-story \(name)".utf8)))
        publicKey = try! PublicKeyBytes(signingKey.publicKey.bytes)
        keyID = try! SignerKeyID(signingKey.keyID.description)
    }

    var actor: LedgerActor { LedgerActor(name: name, keyID: keyID) }
}

/// A ledger written the way Shiplog writes it: every command goes through the domain's
/// `decide` with the state folded from its streams, and each decision is appended to the
/// event store atomically, stream by stream.
///
/// The team: root (admin), alice, bob, erin (prod and staging approvers), carol (a developer
/// who may approve staging), ci (the pipeline). Policies: prod needs 2 approvals, staging 1.
final class ProjectionStory {
    let store: EventStore
    var now: Date
    /// Appends wait in memory until `flush()` or until this many requests are pending.
    var bufferLimit = 0
    let verifier = Ed25519Verifier()

    let root = ProjectionKey("root")
    let alice = ProjectionKey("alice")
    let bob = ProjectionKey("bob")
    let carol = ProjectionKey("carol")
    let erin = ProjectionKey("erin")
    let ci = ProjectionKey("ci")

    private var streams: [LedgerStream: [LedgerEvent]] = [:]
    /// Every aggregate, folded as the judge folds it: what the commands decide on.
    private(set) var world = LedgerWorld()
    /// Folded states by aggregate and stream, with how many events they include.
    private var states: [String: (state: Any, count: Int)] = [:]
    private var pending: [AppendRequest] = []
    private(set) var eventCount = 0

    static let start = LedgerTime.parse("2026-11-02T09:00:00Z")!

    init(store: EventStore, now: Date = ProjectionStory.start) {
        self.store = store
        self.now = now
    }

    /// Trust root, approvers and policies for `environments` (prod needs 2 approvals, the rest 1).
    func setUp(environments: [String] = ["prod", "staging"], autoRollback: Bool = true) async throws {
        try await commit(.initialize(admin: root.name, publicKey: root.publicKey, keyID: root.keyID), by: root)
        let all = try environments.map(Environment.init)
        for environment in all {
            try await commit(
                .setPolicy(
                    environment: environment,
                    policy: EnvironmentPolicy(
                        approvalsRequired: environment.rawValue == "prod" ? 2 : 1,
                        approvalTTLSeconds: 86_400,
                        autoRollback: autoRollback
                    )
                ),
                by: root
            )
        }
        try await enroll(alice, all)
        try await enroll(bob, all)
        try await enroll(erin, all)
        try await enroll(carol, all.filter { $0.rawValue != "prod" })
        try await enroll(ci, [], kind: .ci)
    }

    func enroll(_ key: ProjectionKey, _ environments: [Environment], kind: ApproverKind = .person) async throws {
        try await commit(
            .enrollApprover(
                name: key.name, publicKey: key.publicKey, keyID: key.keyID, slackUserID: nil, environments: environments,
                kind: kind),
            by: root
        )
    }

    func advance(_ seconds: TimeInterval) { now = now.addingTimeInterval(seconds) }

    // MARK: Commands

    func recordBuild(_ service: String, _ version: String, by key: ProjectionKey? = nil) async throws {
        try await commit(
            .recordBuild(
                service: try ServiceName(service),
                version: try ServiceVersion(version),
                artifact: Self.artifact(service, version),
                commit: "c0ffee1",
                taskDefinition: nil
            ),
            by: key ?? ci
        )
    }

    func request(
        _ id: String,
        _ service: String = "web",
        to environment: String = "prod",
        version: String,
        by key: ProjectionKey,
        allowUnrecorded: Bool = false
    ) async throws {
        try await commit(
            .requestDeploy(
                id: try DeployID(id),
                service: try ServiceName(service),
                environment: try Environment(environment),
                version: try ServiceVersion(version),
                artifact: allowUnrecorded ? Self.artifact(service, version) : nil,
                reason: "release",
                allowUnrecorded: allowUnrecorded
            ),
            by: key
        )
    }

    func approve(_ id: String, by key: ProjectionKey, appendedAs actor: String? = nil) async throws {
        guard let request = world.deploys[try DeployID(id)]?.request else {
            throw LedgerError(.notFound, "the story has no deploy \(id)")
        }
        let statement = ApprovalStatement(approving: request, expiresAt: now.addingTimeInterval(3600), signer: key.keyID)
        try await commit(
            .approveDeploy(statement: statement, signature: SignatureBytes(key.signingKey.signature(for: statement.canonicalBytes))),
            by: key,
            actor: actor
        )
    }

    func start(_ id: String, by key: ProjectionKey, breakGlass reason: String? = nil) async throws {
        try await commit(.startDeploy(id: try DeployID(id), breakGlassReason: reason), by: key)
    }

    func succeed(_ id: String, by key: ProjectionKey? = nil) async throws {
        try await commit(.succeedDeploy(id: try DeployID(id)), by: key ?? ci)
    }

    func fail(_ id: String, by key: ProjectionKey? = nil, reason: String = "health checks failed") async throws {
        try await commit(.failDeploy(id: try DeployID(id), reason: reason), by: key ?? ci)
    }

    func reject(_ id: String, by key: ProjectionKey, reason: String) async throws {
        try await commit(.rejectDeploy(id: try DeployID(id), reason: reason), by: key)
    }

    func cancel(_ id: String, by key: ProjectionKey) async throws {
        try await commit(.cancelDeploy(id: try DeployID(id), reason: "not today"), by: key)
    }

    /// Without `key`: the automatic rollback, signed by the CI key.
    func rollback(_ id: String, alarm: String? = nil, by key: ProjectionKey? = nil) async throws {
        try await commit(
            .startRollback(id: try DeployID(id), alarm: try alarm.map(AlarmName.init), reason: "errors up", automatic: key == nil),
            by: key ?? ci
        )
    }

    func finishRollback(_ id: String, succeeded: Bool = true, by key: ProjectionKey? = nil) async throws {
        try await commit(
            .finishRollback(id: try DeployID(id), succeeded: succeeded, reason: succeeded ? nil : "ECS refused"),
            by: key ?? ci
        )
    }

    /// Request, approvals, start and success, as a routine deploy goes.
    func deploy(
        _ id: String,
        _ service: String = "web",
        to environment: String = "prod",
        version: String,
        by requester: ProjectionKey? = nil,
        approvers: [ProjectionKey]? = nil
    ) async throws {
        try await request(id, service, to: environment, version: version, by: requester ?? carol)
        advance(60)
        for approver in approvers ?? (environment == "prod" ? [alice, bob] : [alice]) {
            try await approve(id, by: approver)
            advance(60)
        }
        try await start(id, by: ci)
        advance(300)
        try await succeed(id)
    }

    func lock(_ environment: String, service: String? = nil, reason: String, by key: ProjectionKey) async throws {
        try await commit(
            .lock(environment: try Environment(environment), service: try service.map(ServiceName.init), reason: reason),
            by: key
        )
    }

    func unlock(_ environment: String, service: String? = nil, by key: ProjectionKey) async throws {
        try await commit(
            .unlock(environment: try Environment(environment), service: try service.map(ServiceName.init), reason: "all clear"),
            by: key
        )
    }

    func raiseAlarm(_ name: String, environment: String?, service: String?) async throws {
        try await commit(
            .raiseAlarm(
                alarm: try AlarmName(name),
                environment: try environment.map(Environment.init),
                service: try service.map(ServiceName.init),
                reason: "Threshold Crossed"
            ),
            by: ci,
            actor: "cloudwatch"
        )
    }

    func resolveAlarm(_ name: String) async throws {
        try await commit(.resolveAlarm(alarm: try AlarmName(name), reason: "back to OK"), by: ci, actor: "cloudwatch")
    }

    // MARK: Plumbing

    static func artifact(_ service: String, _ version: String) -> ArtifactDigest {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (service + "@" + version).utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let hex = String(hash, radix: 16)
        let word = String(repeating: "0", count: 16 - hex.count) + hex
        return try! ArtifactDigest("sha256:" + String(repeating: word, count: 4))
    }

    /// The aggregate's state from its stream, folded incrementally (long streams stay cheap).
    func state<A: Aggregate>(_ type: A.Type, _ stream: LedgerStream) -> A.State {
        let events = streams[stream] ?? []
        let key = "\(A.self) \(stream.name)"
        var (state, count) = states[key].map { ($0.state as! A.State, $0.count) } ?? (A.initial, 0)
        guard count < events.count else { return state }
        for event in events[count...] { state = A.evolve(state, event) }
        count = events.count
        states[key] = (state, count)
        return state
    }

    /// Appends a command as Shiplog does: an intent signed by `key` at the story's time,
    /// decided by the domain on the state the story holds, each stream's events in one request
    /// at the version the story holds, all atomically; the actor column is the first event's
    /// actor (or `actor`).
    func commit(_ command: LedgerCommand, by key: ProjectionKey, actor: String? = nil) async throws {
        let intent = CommandIntent(signer: key.keyID, at: now, command: command)
        let signed = try SignedIntent(intent, signedWith: key.signingKey)
        let decision = try LedgerJudge.decide(signed.intent, in: world, verifier: verifier)
        guard !decision.isEmpty else { return }
        let name = actor ?? decision.events.compactMap(\.recordedActorName).first ?? "system"
        let versions = streams.mapValues { Int64($0.count) }
        pending += try LedgerStore.requests(
            for: decision, signed: signed, actor: { _ in name }, version: { versions[$0] ?? 0 })
        for append in decision.appends {
            streams[append.stream, default: []] += append.events
            for event in append.events { world.apply(event, on: append.stream) }
            eventCount += append.events.count
        }
        if pending.count > bufferLimit { try await flush() }
    }

    func flush() async throws {
        guard !pending.isEmpty else { return }
        let requests = pending
        pending = []
        _ = try await store.appendAtomically(requests)
    }
}
