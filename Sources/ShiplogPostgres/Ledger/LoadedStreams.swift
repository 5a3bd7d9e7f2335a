import ShiplogCore

/// Streams read for one decision: their events and the version each was at, so the decision
/// appends with exactly those expected versions (optimistic concurrency).
public struct LoadedStreams: Sendable {
    var events: [LedgerStream: [LedgerEvent]] = [:]
    var versions: [LedgerStream: Int64] = [:]

    /// The aggregate's state from its stream (initial when the stream is empty).
    public func state<A: Aggregate>(_: A.Type, _ stream: LedgerStream) -> A.State {
        A.replay(events[stream] ?? [])
    }

    public func version(_ stream: LedgerStream) -> Int64 { versions[stream] ?? 0 }

    /// The deploy aggregate's whole context, when its streams were loaded.
    public func deployContext(id: DeployID, environment: Environment, service: ServiceName) -> Deploy.Context {
        Deploy.Context(
            deploy: state(Deploy.self, .deploy(id)),
            serviceEnvironment: state(ServiceEnvironment.self, .serviceEnvironment(environment, service)),
            environment: state(EnvironmentWide.self, .environment(environment)),
            builds: state(BuildCatalog.self, .build(service)),
            policy: state(PolicyRecord.self, .policy(environment)),
            approvers: state(ApproverRegistry.self, .approvers),
            trustRoot: state(TrustRoot.self, .ledger))
    }
}
