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
    public let loaded: Set<LedgerStream>?
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

    public func policy(_ environment: Environment) -> PolicyRecord.State {
        policies[environment] ?? PolicyRecord.initial
    }

    public func place(_ environment: Environment, _ service: ServiceName) -> ServiceEnvironment.State {
        places[PlaceKey(environment: environment, service: service)] ?? ServiceEnvironment.initial
    }

    public func environment(_ environment: Environment) -> EnvironmentWide.State {
        environments[environment] ?? EnvironmentWide.initial
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
            trustRoot: trustRoot)
    }

    /// Folds a counted event into the aggregate of its stream, in place.
    public mutating func apply(_ event: LedgerEvent, on stream: LedgerStream) {
        switch stream {
        case .ledger: TrustRoot.apply(event, to: &trustRoot)
        case .approvers: ApproverRegistry.apply(event, to: &approvers)
        case .tokens: TokenRegistry.apply(event, to: &tokens)
        case .policy(let environment):
            PolicyRecord.apply(event, to: &policies[environment, default: PolicyRecord.initial])
        case .build(let service):
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
        }
    }

    /// Judges `command` and, when it counts, folds its events in.
    public mutating func admit(
        _ command: RecordedCommand, signatureIsValid: Bool, verifier: some SignatureVerifier
    ) -> Judgment {
        let judgment = LedgerJudge.judge(command, signatureIsValid: signatureIsValid, in: self, verifier: verifier)
        commands.insert(command.id)
        if judgment.isCounted {
            for entry in command.entries { apply(entry.event, on: entry.stream) }
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

    /// Who holds a signing key.
    public enum SignerKind: Hashable, Sendable {
        case admin, person, ci, slackBot

        /// Keys that may act for the system itself (alarms, automatic rollbacks).
        public var actsForSystem: Bool { self != .person }
    }
}
