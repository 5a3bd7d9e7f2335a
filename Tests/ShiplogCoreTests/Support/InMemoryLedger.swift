import Foundation
import ShiplogCore

/// TEST DOUBLE of the event store: streams in a dictionary. Every appended event goes through
/// its payload JSON and back, so the tests exercise the stored form.
struct InMemoryLedger {
    private(set) var streams: [LedgerStream: [LedgerEvent]] = [:]

    mutating func append(_ decision: Decision) throws {
        for append in decision.appends {
            for event in append.events {
                let stored = try LedgerEvent.decode(type: event.type, payloadJSON: event.payloadJSON())
                precondition(stored == event, "\(event.type) does not survive its JSON")
                streams[append.stream, default: []].append(stored)
            }
        }
    }

    /// Appends an event as if an older or misbehaving writer had put it there.
    mutating func appendDirectly(_ event: LedgerEvent, to stream: LedgerStream) {
        streams[stream, default: []].append(event)
    }

    func events(_ stream: LedgerStream) -> [LedgerEvent] { streams[stream] ?? [] }

    func state<A: Aggregate>(_: A.Type, _ stream: LedgerStream) -> A.State { A.replay(events(stream)) }

    /// Every recorded build of `service`, from its per-version streams.
    func builds(_ service: ServiceName) -> BuildCatalog.State {
        BuildCatalog.replay(
            streams.filter { stream, _ in
                if case .build(service, _) = stream { return true }
                return false
            }.flatMap(\.value))
    }

    func deployContext(id: DeployID, environment: Environment, service: ServiceName) -> Deploy.Context {
        Deploy.Context(
            deploy: state(Deploy.self, .deploy(id)),
            serviceEnvironment: state(ServiceEnvironment.self, .serviceEnvironment(environment, service)),
            environment: state(EnvironmentWide.self, .environment(environment)),
            builds: builds(service),
            policy: state(PolicyRecord.self, .policy(environment)),
            approvers: state(ApproverRegistry.self, .approvers),
            trustRoot: state(TrustRoot.self, .ledger))
    }
}
