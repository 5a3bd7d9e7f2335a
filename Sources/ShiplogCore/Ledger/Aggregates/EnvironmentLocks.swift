import Foundation

/// `shiplog lock` / `shiplog unlock`: locking an environment, or one service in it.
///
/// `--env prod` without `--service` locks every service of prod: the lock is an
/// EnvironmentLocked event with no service on stream `env-prod` (`EnvironmentWide`).
/// With `--service web` it is on `env-prod-web` (`ServiceEnvironment`). The gate for web on prod
/// reads both (`ServiceEnvironment.State.locks(with:)`). Each lock is lifted by an unlock of the
/// same scope: unlocking web does not lift a lock on all of prod.
/// Any enrolled actor may lock (the on-call engineer must be able to); only an admin or the person
/// who placed the lock may lift it. Who did is on the record.
public enum EnvironmentLocks {
    public enum Command: Hashable, Sendable {
        case lock(environment: Environment, service: ServiceName?, reason: String, by: LedgerActor)
        case unlock(environment: Environment, service: ServiceName?, reason: String?, by: LedgerActor)
    }

    /// The stream a lock of this scope lives on.
    public static func stream(environment: Environment, service: ServiceName?) -> LedgerStream {
        service.map { .serviceEnvironment(environment, $0) } ?? .environment(environment)
    }

    /// Decides a lock or unlock. `current` is the lock on the command's own stream:
    /// `EnvironmentWide.State.lock` without a service, `ServiceEnvironment.State.lock` with one.
    public static func decide(
        _ command: Command, current: EnvironmentLock?, policy: PolicyRecord.State, trustRoot: TrustRoot.State,
        now: Date
    ) throws -> Decision {
        switch command {
        case .lock(let environment, let service, let reason, let actor):
            _ = try PolicyRecord.requirePolicy(policy, for: environment)
            let reason = try FreeText.required(reason, what: "the reason for a lock")
            if let current {
                throw LedgerError(
                    .wrongState,
                    "\(current) (since \(LedgerTime.secondsString(current.lockedAt))); unlock it first to change the reason"
                )
            }
            return Decision(
                stream: stream(environment: environment, service: service),
                events: [
                    .environmentLocked(
                        .init(
                            environment: environment, service: service, reason: reason, lockedBy: actor, lockedAt: now))
                ])
        case .unlock(let environment, let service, let reason, let actor):
            _ = try PolicyRecord.requirePolicy(policy, for: environment)
            let reason = try FreeText.optional(reason, what: "the reason")
            guard let current else {
                let what = service.map { "\($0) on \(environment)" } ?? environment.rawValue
                throw LedgerError(.wrongState, "\(what) is not locked")
            }
            guard current.lockedBy.name == actor.name || trustRoot.isAdmin(actor.keyID) else {
                throw LedgerError(
                    .notAuthorized,
                    "\(current) (since \(LedgerTime.secondsString(current.lockedAt))): only \(current.lockedBy.name) or an admin can unlock it"
                )
            }
            return Decision(
                stream: stream(environment: environment, service: service),
                events: [
                    .environmentUnlocked(
                        .init(
                            environment: environment, service: service, reason: reason, unlockedBy: actor,
                            unlockedAt: now))
                ])
        }
    }

    /// The lock after `event`, for a stream of the given scope.
    static func evolve(_ lock: EnvironmentLock?, _ event: LedgerEvent, service: ServiceName?) -> EnvironmentLock? {
        switch event {
        case .environmentLocked(let e) where e.service == service:
            return EnvironmentLock(
                environment: e.environment, service: e.service, reason: e.reason, lockedBy: e.lockedBy,
                lockedAt: e.lockedAt)
        case .environmentUnlocked(let e) where e.service == service:
            return nil
        default:
            return lock
        }
    }
}
