import Foundation

/// The enrolled keys (stream `approvers`): people who approve, CI pipelines, the Slack bot.
///
/// Rules: an active name is unique (a person whose key was revoked may be enrolled again
/// under the same name with a new key); a key is enrolled once, ever (a revoked key stays
/// known so old approvals still verify, but it never comes back); an active Slack user id is
/// unique; a person must be enrolled for at least one environment (there is no "all").
public enum ApproverRegistry: Aggregate {
    public struct State: Hashable, Sendable {
        /// Every enrollment, in order, revoked ones included.
        public var approvers: [Approver] = []

        public init() {}

        /// The enrollment of a key, revoked or not.
        public func approver(keyID: SignerKeyID) -> Approver? { approvers.first { $0.keyID == keyID } }

        /// The approver currently enrolled under `name` (not revoked at `date`).
        public func activeApprover(named name: ActorName, at date: Date) -> Approver? {
            approvers.last { $0.name == name && !$0.isRevoked(at: date) }
        }

        /// The approver currently enrolled with Slack user `userID`.
        public func activeApprover(slackUserID userID: SlackUserID, at date: Date) -> Approver? {
            approvers.last { $0.slackUserID == userID && !$0.isRevoked(at: date) }
        }

        /// The registry as a decision at `now` sees it: every revocation already recorded is in
        /// effect, even one dated after `now` (a command signed before a revocation but recorded
        /// after it): the log's order, not the signers' clocks, says what came first.
        public func inEffect(at now: Date) -> State {
            var state = self
            for index in state.approvers.indices {
                if let revokedAt = state.approvers[index].revokedAt, revokedAt > now { state.approvers[index].revokedAt = now }
            }
            return state
        }

        /// Everyone not revoked at `date`.
        public func active(at date: Date) -> [Approver] { approvers.filter { !$0.isRevoked(at: date) } }
    }

    public enum Command: Hashable, Sendable {
        /// `shiplog approvers add`.
        case enroll(
            name: ActorName, publicKey: PublicKeyBytes, keyID: SignerKeyID, slackUserID: SlackUserID?,
            environments: [Environment], kind: ApproverKind, by: LedgerActor)
        /// `shiplog approvers revoke`: revokes the name's current key.
        case revoke(name: ActorName, reason: String?, by: LedgerActor)
    }

    public static var initial: State { State() }

    public static func decide(_ command: Command, state: State, trustRoot: TrustRoot.State, now: Date) throws
        -> Decision
    {
        switch command {
        case .enroll(let name, let publicKey, let keyID, let slackUserID, let environments, let kind, let actor):
            try TrustRoot.requireAdmin(actor, in: trustRoot)
            if let existing = state.activeApprover(named: name, at: now) {
                throw LedgerError(
                    .alreadyExists,
                    "\(name) is already enrolled with key \(existing.keyID): revoke it first to enroll a new key")
            }
            if let existing = state.approvers.first(where: { $0.keyID == keyID || $0.publicKey == publicKey }) {
                let revoked = existing.revokedAt.map { " (revoked at \(LedgerTime.secondsString($0)))" } ?? ""
                throw LedgerError(
                    .alreadyExists,
                    "key \(keyID) is already enrolled for \(existing.name)\(revoked): a key is enrolled once; generate a new one"
                )
            }
            if let slackUserID, let existing = state.activeApprover(slackUserID: slackUserID, at: now) {
                throw LedgerError(.alreadyExists, "Slack user \(slackUserID) is already enrolled as \(existing.name)")
            }
            var allowed = Array(Set(environments)).sorted()
            switch kind {
            case .person:
                guard !allowed.isEmpty else {
                    throw LedgerError(
                        .invalidValue,
                        "\(name) must be allowed to approve at least one environment: pass --env prod,staging")
                }
            case .ci:
                guard slackUserID == nil else {
                    throw LedgerError(.invalidValue, "a CI key cannot have a Slack user")
                }
            case .slackBot:
                guard slackUserID == nil else {
                    throw LedgerError(.invalidValue, "the Slack bot key cannot have a Slack user of its own")
                }
                allowed = []
            }
            return Decision(
                stream: .approvers,
                events: [
                    .approverEnrolled(
                        .init(
                            name: name, publicKey: publicKey, keyID: keyID, slackUserID: slackUserID,
                            environments: allowed, kind: kind, enrolledBy: actor, enrolledAt: now))
                ])
        case .revoke(let name, let reason, let actor):
            try TrustRoot.requireAdmin(actor, in: trustRoot)
            let reason = try FreeText.optional(reason, what: "the reason")
            guard let approver = state.activeApprover(named: name, at: now) else {
                if let revoked = state.approvers.last(where: { $0.name == name }), let at = revoked.revokedAt {
                    throw LedgerError(
                        .wrongState,
                        "\(name)'s key \(revoked.keyID) was already revoked at \(LedgerTime.secondsString(at))")
                }
                throw LedgerError(.notFound, "no approver named \(name): see shiplog approvers list")
            }
            return Decision(
                stream: .approvers,
                events: [
                    .approverRevoked(
                        .init(name: name, keyID: approver.keyID, reason: reason, revokedBy: actor, revokedAt: now))
                ])
        }
    }

    public static func apply(_ event: LedgerEvent, to state: inout State) {
        switch event {
        case .approverEnrolled(let e):
            state.approvers.append(
                Approver(
                    name: e.name, publicKey: e.publicKey, keyID: e.keyID, slackUserID: e.slackUserID,
                    environments: e.environments, kind: e.kind, enrolledBy: e.enrolledBy, enrolledAt: e.enrolledAt))
        case .approverRevoked(let e):
            if let index = state.approvers.firstIndex(where: { $0.keyID == e.keyID }),
                state.approvers[index].revokedAt == nil
            {
                state.approvers[index].revokedAt = e.revokedAt
                state.approvers[index].revokedBy = e.revokedBy
                state.approvers[index].revocationReason = e.reason
            }
        default:
            break
        }
    }
}
