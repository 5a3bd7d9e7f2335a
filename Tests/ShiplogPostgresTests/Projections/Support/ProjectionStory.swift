import Foundation
import ShiplogCore
import ShiplogCrypto
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
        try await commit(
            TrustRoot.decide(
                .initialize(name: root.name, publicKey: root.publicKey, keyID: root.keyID),
                state: state(TrustRoot.self, .ledger),
                now: now
            )
        )
        let all = try environments.map(Environment.init)
        try await enroll(alice, all)
        try await enroll(bob, all)
        try await enroll(erin, all)
        try await enroll(carol, all.filter { $0.rawValue != "prod" })
        try await enroll(ci, [], kind: .ci)
        for environment in all {
            try await commit(
                PolicyRecord.decide(
                    .set(
                        environment: environment,
                        policy: EnvironmentPolicy(
                            approvalsRequired: environment.rawValue == "prod" ? 2 : 1,
                            approvalTTLSeconds: 86_400,
                            autoRollback: autoRollback
                        ),
                        by: root.actor
                    ),
                    state: state(PolicyRecord.self, .policy(environment)),
                    trustRoot: state(TrustRoot.self, .ledger),
                    now: now
                )
            )
        }
    }

    func enroll(_ key: ProjectionKey, _ environments: [Environment], kind: ApproverKind = .person) async throws {
        try await commit(
            ApproverRegistry.decide(
                .enroll(
                    name: key.name,
                    publicKey: key.publicKey,
                    keyID: key.keyID,
                    slackUserID: nil,
                    environments: environments,
                    kind: kind,
                    by: root.actor
                ),
                state: state(ApproverRegistry.self, .approvers),
                trustRoot: state(TrustRoot.self, .ledger),
                now: now
            )
        )
    }

    func advance(_ seconds: TimeInterval) { now = now.addingTimeInterval(seconds) }

    // MARK: Commands

    func recordBuild(_ service: String, _ version: String, by key: ProjectionKey? = nil) async throws {
        let service = try ServiceName(service)
        try await commit(
            BuildCatalog.decide(
                .record(
                    service: service,
                    version: try ServiceVersion(version),
                    artifact: Self.artifact(service.rawValue, version),
                    commit: "c0ffee1",
                    taskDefinition: nil,
                    by: (key ?? ci).actor
                ),
                state: state(BuildCatalog.self, .build(service)),
                now: now
            )
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
        let service = try ServiceName(service)
        let environment = try Environment(environment)
        let request = DeployRequest(
            id: try DeployID(id),
            service: service,
            environment: environment,
            version: try ServiceVersion(version),
            artifact: allowUnrecorded ? Self.artifact(service.rawValue, version) : nil,
            reason: "release",
            allowUnrecorded: allowUnrecorded,
            by: key.actor
        )
        let context = self.context(id: request.id, environment: environment, service: service)
        try await commit(Deploy.decide(.request(request), context: context, now: now, verifier: verifier))
    }

    func approve(_ id: String, by key: ProjectionKey, appendedAs actor: String? = nil) async throws {
        let context = try self.context(id)
        let statement = ApprovalStatement(
            approving: context.deploy.request!,
            expiresAt: now.addingTimeInterval(3600),
            signer: key.keyID
        )
        try await commit(
            Deploy.decide(
                .approve(
                    deployID: try DeployID(id),
                    statement: statement,
                    signature: SignatureBytes(key.signingKey.signature(for: statement.canonicalBytes)),
                    via: .cli
                ),
                context: context,
                now: now,
                verifier: verifier
            ),
            actor: actor ?? key.name.rawValue
        )
    }

    func start(_ id: String, by key: ProjectionKey, breakGlass reason: String? = nil) async throws {
        try await run(.start(deployID: try DeployID(id), by: key.actor, breakGlassReason: reason), on: id)
    }

    func succeed(_ id: String, by key: ProjectionKey? = nil) async throws {
        try await run(.succeed(deployID: try DeployID(id), by: (key ?? ci).actor), on: id)
    }

    func fail(_ id: String, by key: ProjectionKey? = nil, reason: String = "health checks failed") async throws {
        try await run(.fail(deployID: try DeployID(id), reason: reason, by: (key ?? ci).actor), on: id)
    }

    func reject(_ id: String, by key: ProjectionKey, reason: String) async throws {
        try await run(.reject(deployID: try DeployID(id), reason: reason, by: key.actor), on: id)
    }

    func cancel(_ id: String, by key: ProjectionKey) async throws {
        try await run(.cancel(deployID: try DeployID(id), reason: "not today", by: key.actor), on: id)
    }

    func rollback(_ id: String, alarm: String? = nil, by key: ProjectionKey? = nil) async throws {
        try await run(
            .startRollback(
                deployID: try DeployID(id),
                alarm: try alarm.map(AlarmName.init),
                reason: "errors up",
                automatic: key == nil,
                by: key?.actor
            ),
            on: id
        )
    }

    func finishRollback(_ id: String, succeeded: Bool = true, by key: ProjectionKey? = nil) async throws {
        try await run(
            .finishRollback(
                deployID: try DeployID(id),
                succeeded: succeeded,
                reason: succeeded ? nil : "ECS refused",
                by: key?.actor
            ),
            on: id
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
        let environment = try Environment(environment)
        let service = try service.map(ServiceName.init)
        try await commit(
            EnvironmentLocks.decide(
                .lock(environment: environment, service: service, reason: reason, by: key.actor),
                current: currentLock(environment, service),
                policy: state(PolicyRecord.self, .policy(environment)),
                trustRoot: state(TrustRoot.self, .ledger),
                now: now
            )
        )
    }

    func unlock(_ environment: String, service: String? = nil, by key: ProjectionKey) async throws {
        let environment = try Environment(environment)
        let service = try service.map(ServiceName.init)
        try await commit(
            EnvironmentLocks.decide(
                .unlock(environment: environment, service: service, reason: "all clear", by: key.actor),
                current: currentLock(environment, service),
                policy: state(PolicyRecord.self, .policy(environment)),
                trustRoot: state(TrustRoot.self, .ledger),
                now: now
            )
        )
    }

    func raiseAlarm(_ name: String, environment: String?, service: String?) async throws {
        let alarm = try AlarmName(name)
        try await commit(
            AlarmRecord.decide(
                .raise(
                    alarm: alarm,
                    environment: try environment.map(Environment.init),
                    service: try service.map(ServiceName.init),
                    reason: "Threshold Crossed"
                ),
                state: state(AlarmRecord.self, .alarm(alarm)),
                now: now
            ),
            actor: "cloudwatch"
        )
    }

    func resolveAlarm(_ name: String) async throws {
        let alarm = try AlarmName(name)
        try await commit(
            AlarmRecord.decide(
                .resolve(alarm: alarm, reason: "back to OK"),
                state: state(AlarmRecord.self, .alarm(alarm)),
                now: now
            ),
            actor: "cloudwatch"
        )
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

    private func currentLock(_ environment: Environment, _ service: ServiceName?) -> EnvironmentLock? {
        if let service {
            return state(ServiceEnvironment.self, .serviceEnvironment(environment, service)).lock
        }
        return state(EnvironmentWide.self, .environment(environment)).lock
    }

    private func context(id: DeployID, environment: Environment, service: ServiceName) -> Deploy.Context {
        Deploy.Context(
            deploy: state(Deploy.self, .deploy(id)),
            serviceEnvironment: state(ServiceEnvironment.self, .serviceEnvironment(environment, service)),
            environment: state(EnvironmentWide.self, .environment(environment)),
            builds: state(BuildCatalog.self, .build(service)),
            policy: state(PolicyRecord.self, .policy(environment)),
            approvers: state(ApproverRegistry.self, .approvers),
            trustRoot: state(TrustRoot.self, .ledger)
        )
    }

    private func context(_ id: String) throws -> Deploy.Context {
        let id = try DeployID(id)
        guard let request = state(Deploy.self, .deploy(id)).request else {
            throw LedgerError(.notFound, "the story has no deploy \(id)")
        }
        return context(id: id, environment: request.environment, service: request.service)
    }

    private func run(_ command: Deploy.Command, on id: String) async throws {
        try await commit(Deploy.decide(command, context: try context(id), now: now, verifier: verifier))
    }

    /// Appends a decision as Shiplog does: one command signed by its actor's key (an approval
    /// by its approver's, what the system observed by the CI key's), each stream's events in
    /// one request at the version the story holds, all atomically; the actor column is the
    /// first event's actor (or `actor`).
    func commit(_ decision: Decision, actor: String? = nil) async throws {
        guard !decision.isEmpty else { return }
        let name = actor ?? decision.events.compactMap(\.recordedActorName).first ?? "system"
        let versions = streams.mapValues { Int64($0.count) }
        pending += try LedgerStore.signedRequests(
            for: decision, signedWith: signer(of: decision).signingKey, actor: { _ in name },
            version: { versions[$0] ?? 0 })
        for append in decision.appends {
            streams[append.stream, default: []] += append.events
            eventCount += append.events.count
        }
        if pending.count > bufferLimit { try await flush() }
    }

    private func signer(of decision: Decision) -> ProjectionKey {
        let team = [root, alice, bob, carol, erin, ci]
        for event in decision.events {
            if case .deployApproved(let approval) = event, let key = team.first(where: { $0.keyID == approval.signerKeyID }) {
                return key
            }
            if let actor = event.actor, let key = team.first(where: { $0.keyID == actor.keyID }) { return key }
        }
        return ci
    }

    func flush() async throws {
        guard !pending.isEmpty else { return }
        let requests = pending
        pending = []
        _ = try await store.appendAtomically(requests)
    }
}
