import Foundation
import Testing

@testable import ShiplogCore

/// The issue's story at the domain level: carol requests web 1.2.3 to prod, which needs two
/// approvals; her own is refused; alice brings it to 1 of 2; bob opens the gate.
@Suite struct DeployStoryTests {
    @Test func carolRequestsAliceAndBobApproveAndTheDeploySucceeds() throws {
        var story = try Story()

        let requested = try story.request("d-42", by: story.carol)
        #expect(
            requested.appends.map(\.stream) == [.deploy(deployID("d-42")), .serviceEnvironment(story.prod, story.web)])

        story.advance(60)
        let own = ledgerError { try story.approve("d-42", by: story.carol) }
        #expect(own?.code == .approvalRefused)
        #expect(own?.message == "approval refused: carol requested this deploy and cannot approve it")
        var gate = story.gate("d-42")
        #expect(!gate.allowed)
        #expect(gate.approvals == 0)
        #expect(gate.required == 2)
        #expect(gate.reasons == ["needs 2 approvals, has 0 of 2"])

        story.advance(60)
        try story.approve("d-42", by: story.alice)
        gate = story.gate("d-42")
        #expect(!gate.allowed)
        #expect(gate.approvals == 1)
        #expect(gate.reasons.first == "needs 2 approvals, has 1 of 2 (alice)")
        #expect(gate.reasons.first?.contains("1 of 2") == true)
        #expect(gate.verdicts.map(\.counted) == [true])

        let refused = ledgerError {
            try story.run(.start(deployID: deployID("d-42"), by: story.ci.actor, breakGlassReason: nil), on: "d-42")
        }
        #expect(refused?.code == .gateClosed)
        #expect(refused?.message.hasPrefix("deploy d-42 may not start: needs 2 approvals, has 1 of 2 (alice)") == true)
        #expect(refused?.gate?.approvals == 1)

        story.advance(60)
        try story.approve("d-42", by: story.bob)
        gate = story.gate("d-42")
        #expect(gate.allowed)
        #expect(gate.approvals == 2)
        #expect(gate.reasons.isEmpty)
        #expect(gate.approvedBy == [name("alice"), name("bob")])

        let started = try story.run(
            .start(deployID: deployID("d-42"), by: story.ci.actor, breakGlassReason: nil), on: "d-42")
        guard case .deployStarted(let start) = started.events.first else {
            Issue.record("expected DeployStarted")
            return
        }
        #expect(start.approvedBy == [name("alice"), name("bob")])
        #expect(!start.breakGlass)

        story.advance(300)
        try story.run(.succeed(deployID: deployID("d-42"), by: story.ci.actor), on: "d-42")
        let deploy = story.ledger.state(Deploy.self, .deploy(deployID("d-42")))
        #expect(deploy.status == .succeeded)
        let place = story.serviceEnvironment()
        #expect(place.active == nil)
        #expect(place.running?.version == version("1.2.3"))
        #expect(place.running?.artifact == story.artifact123)
        #expect(place.running?.deployID == deployID("d-42"))
    }
}
