import Foundation
import Logging
import ShiplogCore
import ShiplogCrypto
import ShiplogPostgres

/// The ledger's commands, end to end, for every door: a signed intent (`CommandIntent`) in,
/// a `CommandReceipt` out.
///
/// `submit` reads the streams the command needs, finds who acts for the intent (the signer,
/// a Slack user through the bot, a CI token through the server), decides with the pure
/// domain at the intent's time, and appends atomically at the versions read, with the signed
/// intent in the command's metadata. A concurrent writer that got there first makes the
/// append conflict; the command is then decided again on fresh state under the same
/// signature, so the loser gets the domain's own answer ("web already has a deploy in flight
/// on prod") instead of a version number. The named methods below sign an intent with a key
/// held here (the CLI's door) and submit it.
public struct LedgerService: LedgerCommands {
    public let store: any LedgerStorage
    let verifier = Ed25519Verifier()
    let clock: @Sendable () -> Date
    let logger: Logger

    public init(
        store: any LedgerStorage, clock: @escaping @Sendable () -> Date = Date.init,
        logger: Logger = Logger(label: "shiplog.ledger")
    ) {
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    // MARK: The one door

    /// Records a signed command: decides it and appends it, or says why not. A signed command
    /// already recorded returns its receipt again (a retried request lands once).
    @discardableResult
    public func submit(_ signed: SignedIntent) async throws -> CommandReceipt {
        try await submit(signed, streams: try await contextStreams(signed.intent.command, at: signed.intent.at), loaded: nil)
    }

    /// `submit` with the streams known, and perhaps already read (`firstLoad`, for the first
    /// attempt only: a command that had to read them to be signed does not read them twice).
    private func submit(_ signed: SignedIntent, streams: [LedgerStream], loaded firstLoad: LoadedStreams?) async throws
        -> CommandReceipt
    {
        let intent = signed.intent
        var logger = self.logger
        logger[metadataKey: "command"] = "\(intent.command.name) \(intent.id.uuidString.lowercased())"
        logger[metadataKey: "signer"] = "\(intent.signer)"
        // A lost race decides again on fresh state: the loser gets the domain's own answer,
        // or lands after the winner (twenty approvals at once all land). Bounded, with jitter.
        var attempt = 0
        while true {
            attempt += 1
            let loaded: LoadedStreams
            if attempt == 1, let firstLoad { loaded = firstLoad } else { loaded = try await store.load(streams) }
            if loaded.world.commands.contains(intent.id) {
                logger.debug("already recorded: answered with its receipt again")
                return CommandReceipt(intent: intent, appended: [], duplicate: true)
            }
            let decision: Decision
            do {
                if attempt == 1 { try checkSignature(signed, in: loaded.world) }
                try Self.checkClock(intent.at, against: loaded.databaseTime)
                decision = try LedgerJudge.decide(intent, in: loaded.world, verifier: verifier)
            } catch let error as LedgerError {
                logger.debug("refused", metadata: ["code": "\(error.code)", "reason": "\(error.message)"])
                throw error
            }
            let actor = decision.events.compactMap(\.actor).first?.name.rawValue ?? "system"
            do {
                let appended = try await store.commit(decision, loaded: loaded, signed: signed, actor: actor)
                logger.debug(
                    "recorded",
                    metadata: ["events": "\(decision.events.count)", "attempts": "\(attempt)", "actor": "\(actor)"])
                return CommandReceipt(intent: intent, appended: appended, duplicate: false)
            } catch let error as LedgerError where error.code == .raceLost && attempt < Self.maximumAttempts {
                logger.trace("lost a race; deciding again", metadata: ["attempt": "\(attempt)"])
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * min(attempt, 10)))))
                continue
            }
        }
    }

    /// Signs `command` with `key` as an intent dated now (this service's clock), on behalf of `principal`.
    public func sign(_ command: LedgerCommand, with key: SigningKey, for principal: Principal = .signer) throws
        -> SignedIntent
    {
        try SignedIntent(
            CommandIntent(signer: try SignerKeyID(key.keyID.description), principal: principal, at: clock(), command: command),
            signedWith: key)
    }

    /// The streams a command reads; an existing deploy's are found from its request.
    func contextStreams(_ command: LedgerCommand, at now: Date) async throws -> [LedgerStream] {
        if let streams = command.contextStreams(at: now, deploy: { _ in nil }) { return streams }
        // A command on an existing deploy that names only its id: its request says where it runs.
        guard let id = command.existingDeploy else { return [] }
        let request = try await existingDeploy(id.rawValue).1
        return command.contextStreams(at: now, deploy: { _ in (request.environment, request.service) }) ?? []
    }

    /// Refuses an intent whose signature does not verify with its signer's enrolled key (or,
    /// for the ledger's initialization, the key it enrolls); an unknown or revoked signer gets
    /// the judge's own reason.
    private func checkSignature(_ signed: SignedIntent, in world: LedgerWorld) throws {
        let intent = signed.intent
        var publicKey: PublicKeyBytes?
        if let admin = world.trustRoot.admin(keyID: intent.signer) {
            publicKey = admin.publicKey
        } else if let approver = world.approvers.approver(keyID: intent.signer) {
            publicKey = approver.publicKey
        } else if case .initialize(_, let key, let keyID) = intent.command, keyID == intent.signer {
            publicKey = key
        }
        guard let publicKey else {
            _ = try world.acting(for: intent).get()
            throw LedgerError(.notAuthorized, "key \(intent.signer) is not enrolled")
        }
        guard let key = try? PublicKey(bytes: publicKey.bytes), key.keyID.description == intent.signer.rawValue,
            key.isValidSignature(signed.signature.bytes, for: signed.signedBytes)
        else {
            throw LedgerError(
                .notAuthorized,
                "the signature on \(intent.command.name) does not verify with key \(intent.signer): the signed command was altered; sign it again")
        }
    }

    // MARK: Reads and approvals

    public func trustRoot() async throws -> TrustRoot.State {
        try await store.load([.ledger]).state(TrustRoot.self, .ledger)
    }

    public func approvers() async throws -> ApproverRegistry.State {
        try await store.load([.approvers]).state(ApproverRegistry.self, .approvers)
    }

    /// Every API token ever issued, as the ledger judges them.
    public func tokens() async throws -> TokenRegistry.State {
        try await store.load([.tokens]).state(TokenRegistry.self, .tokens)
    }

    /// The approval of deploy `id` that `key` signs, on behalf of `principal` (the Slack bot
    /// signs for a Slack user): the statement binds the request and expires after the
    /// environment's approval lifetime.
    public func approval(_ id: String, key: SigningKey, for principal: Principal = .signer) async throws -> SignedIntent {
        try await readAndSignApproval(id, key: key, for: principal).signed
    }

    /// Signs the approval statement for this deploy with `key` and records it.
    public func approve(_ id: String, key: SigningKey, for principal: Principal = .signer) async throws {
        let (signed, streams, loaded) = try await readAndSignApproval(id, key: key, for: principal)
        try await submit(signed, streams: streams, loaded: loaded)
    }

    /// Reads the deploy's streams (the request and the policy's approval lifetime make the
    /// statement) and signs its approval.
    private func readAndSignApproval(_ id: String, key: SigningKey, for principal: Principal) async throws
        -> (signed: SignedIntent, streams: [LedgerStream], loaded: LoadedStreams)
    {
        let (id, request) = try await existingDeploy(id)
        let streams = Deploy.streams(deployID: id, environment: request.environment, service: request.service)
        let loaded = try await store.load(streams)
        let policy = try PolicyRecord.requirePolicy(loaded.world.policy(request.environment), for: request.environment)
        let signed = try SignedIntent(
            approving: ApprovalTerms(request, lifetime: policy.approvalTTL), at: clock(), key: key, for: principal)
        return (signed, streams, loaded)
    }

    /// Asks the gate, from the deploy's own streams (never a projection that may lag), now or
    /// as of `date` (a started deploy's approvals are judged as of its start).
    public func gate(_ id: String, at date: Date? = nil) async throws -> GateDecision {
        evaluate(try await deploy(id).context, at: date)
    }

    /// The gate's answer for a deploy context already loaded.
    public func evaluate(_ context: Deploy.Context, at date: Date? = nil) -> GateDecision {
        Gate.evaluate(
            deploy: context.deploy, approvers: context.approvers, policy: context.policy.policy, locks: context.locks,
            now: date ?? clock(), verifier: verifier, migrations: context.migrations)
    }

    /// The deploy's context: its counted events, the events on its stream that do not count
    /// (with the reason), and everything the gate reads.
    public func deploy(_ id: String) async throws -> (
        context: Deploy.Context, events: [LedgerEvent], skipped: [LoadedStreams.Skipped]
    ) {
        let (id, request) = try await existingDeploy(id)
        let loaded = try await store.load(
            Deploy.streams(deployID: id, environment: request.environment, service: request.service)
                + [.build(request.service, request.version)])
        return (
            loaded.deployContext(id: id, environment: request.environment, service: request.service),
            loaded.events[.deploy(id)] ?? [],
            loaded.skipped.filter { $0.stream == LedgerStream.deploy(id).name }
        )
    }

    /// A service in an environment as the ledger has it (what runs, its target, its lock),
    /// and the environment's policy: read and judged from their streams.
    public func serviceEnvironment(_ environment: Environment, _ service: ServiceName) async throws -> (
        place: ServiceEnvironment.State, policy: PolicyRecord.State
    ) {
        let loaded = try await store.load([.serviceEnvironment(environment, service), .policy(environment)])
        return (loaded.world.place(environment, service), loaded.world.policy(environment))
    }

    /// The API token whose secret is `secret`, as the ledger has it now (revoked or expired
    /// ones too: `isValid(at:)` says whether it may be used); nil when none has that secret.
    public func token(secret: String) async throws -> TokenRegistry.Token? {
        let tokens = try await store.load([.tokens]).state(TokenRegistry.self, .tokens)
        let hash = Hex.encode(SHA256.hash(Array(secret.utf8)))
        return tokens.tokens.values.first { $0.tokenHash == hash }
    }

    /// The environment `command` acts on (for a command on an existing deploy, its request's).
    public func environment(of command: LedgerCommand) async throws -> Environment? {
        if let id = command.existingDeploy, command.environment(in: LedgerWorld()) == nil {
            return try await existingDeploy(id.rawValue).1.environment
        }
        return command.environment(in: LedgerWorld())
    }

    /// The counted events of one stream (an alarm's, for `show`), read and judged.
    public func events(of stream: LedgerStream) async throws -> [LedgerEvent] {
        try await store.load([stream]).events[stream] ?? []
    }

    // MARK: Plumbing

    /// The deploy's request, or "unknown deploy".
    func existingDeploy(_ id: String) async throws -> (DeployID, LedgerEvent.DeployRequested) {
        let id = try DeployID(id)
        let state = try await store.load([.deploy(id)]).state(Deploy.self, .deploy(id))
        guard let request = state.request else {
            throw LedgerError(.notFound, "unknown deploy \(id): list deploys with shiplog history")
        }
        return (id, request)
    }

    /// A command dated far from the time the log records it does not count
    /// (`LedgerJudge.clockSkew`): refuse it here, with the reason, rather than write what
    /// readers will skip.
    static func checkClock(_ at: Date, against database: Date?) throws {
        guard let database else { return }
        if at > database.addingTimeInterval(LedgerJudge.clockSkew - 60) {
            throw LedgerError(
                .invalidValue,
                "this machine's clock is \(Int(at.timeIntervalSince(database))) s ahead of the database's: commands dated after the log records them do not count; set the clock right (NTP) and run the command again")
        }
        if at < database.addingTimeInterval(-(LedgerJudge.clockSkew - 60)) {
            throw LedgerError(
                .invalidValue,
                "this command was signed \(Int(database.timeIntervalSince(at))) s before the database's clock: a signed command is good for \(Int(LedgerJudge.clockSkew / 60) - 1) minutes; check this machine's clock (NTP) and sign it again")
        }
    }

    /// How often a command decides again after losing a race before it gives up.
    static let maximumAttempts = 60

    /// Ten characters of lowercase base 32 (50 bits): short enough to type, never reused in practice.
    public static func newShortID() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        return String(SecureRandom.bytes(count: 10).map { alphabet[Int($0) % alphabet.count] })
    }
}
