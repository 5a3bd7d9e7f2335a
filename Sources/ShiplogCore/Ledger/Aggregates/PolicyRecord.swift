import Foundation

/// An environment's policy (stream `policy-<env>`): the newest PolicySet applies.
///
/// An environment with no policy is unknown: deploy requests, locks, migrations and the gate
/// refuse it with a message saying how to set one. There is no implicit default policy, because
/// a mistyped `--env prdo` must not become a new environment with lax rules.
public enum PolicyRecord: Aggregate {
    public struct State: Hashable, Sendable {
        public var environment: Environment?
        public var policy: EnvironmentPolicy?
        public var setBy: LedgerActor?
        public var setAt: Date?

        public init() {}
    }

    public enum Command: Hashable, Sendable {
        /// `shiplog policy set`.
        case set(environment: Environment, policy: EnvironmentPolicy, by: LedgerActor)
    }

    public static var initial: State { State() }

    public static func decide(_ command: Command, state: State, trustRoot: TrustRoot.State, now: Date) throws
        -> Decision
    {
        switch command {
        case .set(let environment, let policy, let actor):
            try TrustRoot.requireAdmin(actor, in: trustRoot)
            try policy.validate()
            return Decision(
                stream: .policy(environment),
                events: [.policySet(.init(environment: environment, policy: policy, setBy: actor, setAt: now))])
        }
    }

    /// The environment's policy, or the "unknown environment" error.
    public static func requirePolicy(_ state: State, for environment: Environment) throws -> EnvironmentPolicy {
        guard let policy = state.policy else { throw unknownEnvironment(environment) }
        return policy
    }

    static func unknownEnvironment(_ environment: Environment) -> LedgerError {
        LedgerError(
            .notFound,
            "unknown environment '\(environment)': no policy is set for it; an admin sets one with shiplog policy set --env \(environment) --approvals N"
        )
    }

    public static func apply(_ event: LedgerEvent, to state: inout State) {
        guard case .policySet(let e) = event else { return }
        state.environment = e.environment
        state.policy = e.policy
        state.setBy = e.setBy
        state.setAt = e.setAt
    }
}
