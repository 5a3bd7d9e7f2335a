import Foundation

/// The recorded builds of one service (one stream per version, `build-<service>/<version>`):
/// which artifact each version is. A command reads the one version it needs, never the
/// service's whole history.
///
/// A version names one artifact: recording it again with the same digest changes nothing
/// (CI reruns are harmless); with a different digest it is refused.
public enum BuildCatalog: Aggregate {
    public struct State: Hashable, Sendable {
        public var service: ServiceName?
        public var builds: [ServiceVersion: LedgerEvent.BuildRecorded] = [:]

        public init() {}

        public func build(version: ServiceVersion) -> LedgerEvent.BuildRecorded? { builds[version] }

        public func build(artifact: ArtifactDigest) -> LedgerEvent.BuildRecorded? {
            builds.values.filter { $0.artifact == artifact }.min { $0.recordedAt < $1.recordedAt }
        }
    }

    public enum Command: Hashable, Sendable {
        /// `shiplog build record`.
        case record(
            service: ServiceName, version: ServiceVersion, artifact: ArtifactDigest, commit: String?,
            taskDefinition: String?, by: LedgerActor)
    }

    public static var initial: State { State() }

    public static func decide(_ command: Command, state: State, now: Date) throws -> Decision {
        switch command {
        case .record(let service, let version, let artifact, let commit, let taskDefinition, let actor):
            let commit = try FreeText.token(commit, what: "the commit", maxLength: 200)
            let taskDefinition = try FreeText.token(taskDefinition, what: "the task definition")
            if let existing = state.build(version: version) {
                if existing.artifact == artifact { return .nothing }
                throw LedgerError(
                    .conflict,
                    "\(service) \(version) was already recorded as \(existing.artifact) by \(existing.recordedBy.name) at \(LedgerTime.secondsString(existing.recordedAt)); a version names one artifact: record this build under a new version"
                )
            }
            return Decision(
                stream: .build(service, version),
                events: [
                    .buildRecorded(
                        .init(
                            service: service, version: version, artifact: artifact, commit: commit,
                            taskDefinition: taskDefinition, recordedBy: actor, recordedAt: now))
                ])
        }
    }

    public static func apply(_ event: LedgerEvent, to state: inout State) {
        guard case .buildRecorded(let e) = event else { return }
        state.service = e.service
        state.builds[e.version] = e
    }
}
