import ShiplogCore
import ShiplogSlack

extension ApprovalMessage {
    /// The approval message for a deploy as the ledger holds it now.
    init(_ context: Deploy.Context, gate: GateDecision) {
        let request = context.deploy.request!
        self.init(
            deployID: request.deployID.rawValue, service: request.service.rawValue, version: request.version.rawValue,
            environment: request.environment.rawValue, artifact: request.artifact.rawValue,
            requester: request.requestedBy.name.rawValue, reason: request.reason, approvedBy: gate.approvedBy.map(\.rawValue),
            required: gate.required, status: context.deploy.status.map { "\($0)" } ?? "requested", gateOpen: gate.allowed)
    }
}
