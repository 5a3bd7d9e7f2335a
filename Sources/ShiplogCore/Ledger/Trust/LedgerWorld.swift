import Foundation

/// The state of every aggregate of the ledger at one point of the log, folded only from
/// events that counted (see `LedgerJudge`).
///
/// A full walk (`shiplog verify`, a projection rebuild) holds every stream. A command's read
/// of a few streams holds only those: `isLoaded` says which, so a judgment never decides from
/// a stream it has not seen.
public struct LedgerWorld: Sendable {
    public private(set) var trustRoot = TrustRoot.initial
    public private(set) var approvers = ApproverRegistry.initial
    public private(set) var tokens = TokenRegistry.initial
    public private(set) var policies: [Environment: PolicyRecord.State] = [:]
    public private(set) var builds: [ServiceName: BuildCatalog.State] = [:]
    public private(set) var migrations: [Environment: MigrationLog.State] = [:]
    public private(set) var deploys: [DeployID: Deploy.State] = [:]
    public private(set) var places: [PlaceKey: ServiceEnvironment.State] = [:]
    public private(set) var environments: [Environment: EnvironmentWide.State] = [:]
    public private(set) var alarms: [AlarmName: AlarmRecord.State] = [:]

    /// The streams this world holds; nil: all of them.
    public private(set) var loaded: Set<LedgerStream>?
    /// Streams restored from a snapshot, with the position of the last event it includes:
    /// their earlier events are already folded in, and a command before that position cannot be
    /// decided again here (its context is not loaded as it was).
    public private(set) var knownThrough: [LedgerStream: Int64] = [:]
    /// Every command id judged so far: a command is recorded once, so a copy of an old signed
    /// command appended again (a replayed unlock) never counts.
    public private(set) var commands: Set<UUID> = []

    /// A service in an environment.
    public struct PlaceKey: Hashable, Sendable {
        public var environment: Environment
        public var service: ServiceName
    }

    /// - Parameter loaded: the streams that were read whole; nil for a walk of the whole log.
    public init(loaded: Set<LedgerStream>? = nil) {
        self.loaded = loaded
    }

    public func isLoaded(_ stream: LedgerStream) -> Bool { loaded?.contains(stream) ?? true }

    /// This world holding `streams` too, read whole from here on: for a walk that goes on with
    /// more streams whose events all come after what it judged (`JudgedTrust`).
    public func loading(_ streams: Set<LedgerStream>) -> LedgerWorld {
        var world = self
        world.loaded = loaded.map { $0.union(streams) }
        return world
    }

    /// True when `stream` is loaded as it was just before `position`.
    public func isLoaded(_ stream: LedgerStream, before position: Int64) -> Bool {
        isLoaded(stream) && position > knownThrough[stream, default: 0]
    }

    // MARK: Snapshots

    /// What a snapshot's state means: bump it when a snapshotted state's encoding or the
    /// judge's rules change, and every older snapshot is ignored.
    public static let snapshotFormat = "shiplog-snapshot-v1 service-environment-v1"

    /// The streams worth a snapshot: those that grow with every deploy.
    public static func isSnapshotted(_ stream: LedgerStream) -> Bool {
        if case .serviceEnvironment = stream { return true }
        return false
    }

    /// The state of a snapshotted stream as JSON.
    public func snapshot(of stream: LedgerStream) throws -> String? {
        guard case .serviceEnvironment(let environment, let service) = stream else { return nil }
        return String(decoding: try LedgerEvent.makeEncoder().encode(place(environment, service)), as: UTF8.self)
    }

    /// This world with `stream` started from a snapshot's state (see `restore`).
    public func restoring(_ stream: LedgerStream, from json: String, through position: Int64) throws -> LedgerWorld {
        var world = self
        try world.restore(stream, from: json, through: position)
        return world
    }

    /// Starts `stream` from a snapshot's state, which includes its events through `position`.
    public mutating func restore(_ stream: LedgerStream, from json: String, through position: Int64) throws {
        guard case .serviceEnvironment(let environment, let service) = stream else {
            throw LedgerError(.invalidValue, "\(stream) is not kept in snapshots")
        }
        places[PlaceKey(environment: environment, service: service)] = try LedgerEvent.makeDecoder().decode(
            ServiceEnvironment.State.self, from: Data(json.utf8))
        knownThrough[stream] = position
    }

    public func policy(_ environment: Environment) -> PolicyRecord.State {
        policies[environment] ?? PolicyRecord.initial
    }

    public func place(_ environment: Environment, _ service: ServiceName) -> ServiceEnvironment.State {
        places[PlaceKey(environment: environment, service: service)] ?? ServiceEnvironment.initial
    }

    public func environment(_ environment: Environment) -> EnvironmentWide.State {
        environments[environment] ?? EnvironmentWide.initial
    }

    /// The lock on a service in an environment (`service` given) or on the whole environment.
    public func lock(_ environment: Environment, _ service: ServiceName?) -> EnvironmentLock? {
        guard let service else { return self.environment(environment).lock }
        return place(environment, service).lock
    }

    /// The deploy aggregate's whole context.
    public func deployContext(id: DeployID, environment: Environment, service: ServiceName) -> Deploy.Context {
        Deploy.Context(
            deploy: deploys[id] ?? Deploy.initial,
            serviceEnvironment: place(environment, service),
            environment: self.environment(environment),
            builds: builds[service] ?? BuildCatalog.initial,
            policy: policy(environment),
            approvers: approvers,
            trustRoot: trustRoot,
            migrations: migrations[environment] ?? MigrationLog.initial)
    }

    /// Folds a counted event into the aggregate of its stream, in place.
    public mutating func apply(_ event: LedgerEvent, on stream: LedgerStream) {
        switch stream {
        case .ledger: TrustRoot.apply(event, to: &trustRoot)
        case .approvers: ApproverRegistry.apply(event, to: &approvers)
        case .tokens: TokenRegistry.apply(event, to: &tokens)
        case .policy(let environment):
            PolicyRecord.apply(event, to: &policies[environment, default: PolicyRecord.initial])
        case .build(let service, _):
            BuildCatalog.apply(event, to: &builds[service, default: BuildCatalog.initial])
        case .migrations(let environment):
            MigrationLog.apply(event, to: &migrations[environment, default: MigrationLog.initial])
        case .deploy(let id):
            Deploy.apply(event, to: &deploys[id, default: Deploy.initial])
            // Approvals matter to the gate until the start; a long walk need not keep them after.
            if case .deployStarted = event, loaded == nil { deploys[id]?.approvals = [] }
        case .serviceEnvironment(let environment, let service):
            ServiceEnvironment.apply(
                event, to: &places[PlaceKey(environment: environment, service: service), default: ServiceEnvironment.initial])
        case .environment(let environment):
            EnvironmentWide.apply(event, to: &environments[environment, default: EnvironmentWide.initial])
        case .alarm(let name):
            AlarmRecord.apply(event, to: &alarms[name, default: AlarmRecord.initial])
        case .refusals:
            break  // a record for audit; no rule reads it
        }
    }

    /// Judges `command` and, when it counts, folds its events in.
    public mutating func admit(
        _ command: RecordedCommand, signatureIsValid: Bool, verifier: some SignatureVerifier
    ) -> Judgment {
        let judgment = LedgerJudge.judge(command, signatureIsValid: signatureIsValid, in: self, verifier: verifier)
        commands.insert(command.id)
        if judgment.isCounted {
            for entry in command.entries where entry.position > knownThrough[entry.stream, default: 0] {
                apply(entry.event, on: entry.stream)
            }
        }
        return judgment
    }

    /// The actor a key speaks for here: an admin, or an enrolled approver (person, CI or Slack
    /// bot) whose key has not been revoked at this point of the log.
    public func signer(_ keyID: SignerKeyID) -> Result<(actor: LedgerActor, kind: SignerKind), LedgerError> {
        let actor: LedgerActor
        do {
            // Revoked at any earlier point of the log, whatever time its payload gives.
            actor = try LedgerActor.resolve(keyID: keyID, trustRoot: trustRoot, approvers: approvers, at: .distantFuture)
        } catch let error as LedgerError {
            return .failure(error)
        } catch {
            return .failure(LedgerError(.notAuthorized, "\(error)"))
        }
        if trustRoot.isAdmin(keyID) { return .success((actor, .admin)) }
        switch approvers.approver(keyID: keyID)?.kind {
        case .ci: return .success((actor, .ci))
        case .slackBot: return .success((actor, .slackBot))
        case .person, nil: return .success((actor, .person))
        }
    }

    /// Who acts for a signed intent here, and as what kind of signer:
    /// - `.signer`: the signing key's own actor (`signer(_:)`);
    /// - `.slack(evidence)`: the key is the Slack bot's, and the actor the enrolled, unrevoked
    ///   person with that Slack user id;
    /// - `.token(id)`: the key is the server's (the Slack bot key), the token is issued, not
    ///   revoked or expired at the intent's time, and holds the command's scope; the actor is
    ///   `token-<id>`, acting like a CI key.
    public func acting(for intent: CommandIntent) -> Result<(actor: LedgerActor, kind: SignerKind), LedgerError> {
        let signer: (actor: LedgerActor, kind: SignerKind)
        switch self.signer(intent.signer) {
        case .success(let found): signer = found
        case .failure(let error): return .failure(error)
        }
        switch intent.principal {
        case .signer:
            return .success(signer)
        case .slack(let evidence):
            guard signer.kind == .slackBot else {
                return .failure(
                    LedgerError(
                        .notAuthorized,
                        "only the Slack bot key signs for a Slack user; \(signer.actor.name)'s key \(intent.signer) does not"))
            }
            guard intent.command.allowedFromSlack else {
                return .failure(
                    LedgerError(.notAuthorized, "\(intent.command.name) cannot be done from Slack: it takes a person's own key"))
            }
            guard let person = approvers.activeApprover(slackUserID: evidence.userID, at: .distantFuture), person.kind == .person
            else {
                return .failure(
                    LedgerError(
                        .notAuthorized,
                        "Slack user \(evidence.userID) is not an enrolled approver: an admin can enroll them with shiplog approvers add NAME --slack-user \(evidence.userID)"))
            }
            return .success((LedgerActor(name: person.name, keyID: person.keyID), .person))
        case .token(let id):
            guard signer.kind == .slackBot else {
                return .failure(
                    LedgerError(
                        .notAuthorized,
                        "only the server's key signs for an API token; \(signer.actor.name)'s key \(intent.signer) does not"))
            }
            guard let token = tokens.tokens[id] else {
                return .failure(LedgerError(.notAuthorized, "API token \(id) was never issued"))
            }
            // A revocation recorded before counts whatever its date; an expiry by the intent's time.
            guard token.revokedAt == nil, token.expiresAt.map({ $0 > intent.at }) ?? true else {
                return .failure(LedgerError(.notAuthorized, "API token \(id) is revoked or expired"))
            }
            guard let scope = intent.command.tokenScope else {
                return .failure(
                    LedgerError(.notAuthorized, "an API token cannot \(intent.command.name): that takes a person's key"))
            }
            guard token.scopes.contains(scope) else {
                return .failure(
                    LedgerError(
                        .notAuthorized,
                        "API token \(id) lacks the \(scope) scope (it has: \(token.scopes.isEmpty ? "none" : token.scopes.joined(separator: ", ")))"))
            }
            if let allowed = token.environments, let environment = intent.command.environment(in: self),
                !allowed.contains(environment)
            {
                return .failure(
                    LedgerError(
                        .notAuthorized,
                        "API token \(id) may act on \(allowed.map(\.rawValue).joined(separator: ", ")) only, not \(environment)"))
            }
            return .success((Self.tokenActor(id, signer: intent.signer), .ci))
        }
    }

    /// The actor a CI token acts as: `token-<id>`, with the server's key id.
    public static func tokenActor(_ id: TokenID, signer: SignerKeyID) -> LedgerActor {
        LedgerActor(name: (try? ActorName("token-\(id.rawValue)")) ?? (try! ActorName("token")), keyID: signer)
    }

    /// Who holds a signing key.
    public enum SignerKind: Hashable, Sendable {
        case admin, person, ci, slackBot

        /// Keys that may act for the system itself (alarms, automatic rollbacks).
        public var actsForSystem: Bool { self != .person }
    }
}
