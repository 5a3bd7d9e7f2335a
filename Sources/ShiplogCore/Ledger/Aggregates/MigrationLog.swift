import Foundation

/// The database migrations of one environment (stream `migrations-<env>`).
///
/// A migration that was applied must not change: recording it again with the same checksum
/// changes nothing, with another checksum is refused. A failure may be recorded any number of
/// times until the migration is applied.
public enum MigrationLog: Aggregate {
    public struct State: Hashable, Sendable {
        public var environment: Environment?
        public var applied: [MigrationName: LedgerEvent.MigrationApplied] = [:]
        /// The latest failure of each migration not applied since.
        public var failed: [MigrationName: LedgerEvent.MigrationFailed] = [:]

        public init() {}
    }

    public enum Command: Hashable, Sendable {
        /// `shiplog migration record`.
        case recordApplied(
            environment: Environment, name: MigrationName, checksum: MigrationChecksum, service: ServiceName?,
            by: LedgerActor)
        /// `shiplog migration record --failed`.
        case recordFailed(
            environment: Environment, name: MigrationName, checksum: MigrationChecksum, service: ServiceName?,
            error: String?, by: LedgerActor)
    }

    public static var initial: State { State() }

    public static func decide(_ command: Command, state: State, policy: PolicyRecord.State, now: Date) throws
        -> Decision
    {
        switch command {
        case .recordApplied(let environment, let name, let checksum, let service, let actor):
            _ = try PolicyRecord.requirePolicy(policy, for: environment)
            if let existing = state.applied[name] {
                if existing.checksum == checksum { return .nothing }
                throw changed(existing, checksum)
            }
            return Decision(
                stream: .migrations(environment),
                events: [
                    .migrationApplied(
                        .init(
                            environment: environment, name: name, checksum: checksum, service: service,
                            recordedBy: actor, appliedAt: now))
                ])
        case .recordFailed(let environment, let name, let checksum, let service, let error, let actor):
            _ = try PolicyRecord.requirePolicy(policy, for: environment)
            let error = try FreeText.optional(error, what: "the error")
            if let existing = state.applied[name] {
                if existing.checksum != checksum { throw changed(existing, checksum) }
                throw LedgerError(
                    .wrongState,
                    "migration \(name) was already applied to \(environment) at \(LedgerTime.secondsString(existing.appliedAt)); it cannot fail now"
                )
            }
            return Decision(
                stream: .migrations(environment),
                events: [
                    .migrationFailed(
                        .init(
                            environment: environment, name: name, checksum: checksum, service: service,
                            error: error, recordedBy: actor, failedAt: now))
                ])
        }
    }

    private static func changed(_ existing: LedgerEvent.MigrationApplied, _ checksum: MigrationChecksum)
        -> LedgerError
    {
        LedgerError(
            .conflict,
            "migration \(existing.name) was applied to \(existing.environment) with checksum \(existing.checksum); this one has \(checksum): an applied migration must not change, write a new one"
        )
    }

    public static func apply(_ event: LedgerEvent, to state: inout State) {
        switch event {
        case .migrationApplied(let e):
            state.environment = e.environment
            state.applied[e.name] = e
            state.failed[e.name] = nil
        case .migrationFailed(let e):
            state.environment = e.environment
            state.failed[e.name] = e
        default:
            break
        }
    }
}

extension MigrationLog.State {
    /// The migrations recorded failed and not applied since, that concern `service` (theirs,
    /// or the whole environment's), in name order.
    public func standingFailures(for service: ServiceName) -> [LedgerEvent.MigrationFailed] {
        failed.values.filter { applied[$0.name] == nil && ($0.service == nil || $0.service == service) }
            .sorted { $0.name.rawValue < $1.name.rawValue }
    }
}
