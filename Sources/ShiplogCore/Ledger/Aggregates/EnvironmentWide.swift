import Foundation

/// An environment as a whole (stream `env-<env>`): its environment-wide lock.
public enum EnvironmentWide: Aggregate {
    public struct State: Hashable, Sendable {
        public var environment: Environment?
        /// The lock on every service of the environment, if any.
        public var lock: EnvironmentLock?

        public init() {}
    }

    public static var initial: State { State() }

    public static func apply(_ event: LedgerEvent, to state: inout State) {
        switch event {
        case .environmentLocked(let e) where e.service == nil:
            state.environment = e.environment
        case .environmentUnlocked(let e) where e.service == nil:
            state.environment = e.environment
        default:
            return
        }
        state.lock = EnvironmentLocks.evolve(state.lock, event, service: nil)
    }
}
