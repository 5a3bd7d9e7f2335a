import Foundation
import Testing

@testable import ShiplogCore

@Suite struct ApproverRegistryTests {
    @Test func onlyAdminsEnroll() throws {
        var story = try Story()
        let frank = TestKey("frank")
        let error = ledgerError {
            _ = try ApproverRegistry.decide(
                .enroll(
                    name: frank.name, publicKey: frank.publicKey, keyID: frank.keyID, slackUserID: nil,
                    environments: [story.prod], kind: .person, by: story.alice.actor),
                state: story.ledger.state(ApproverRegistry.self, .approvers),
                trustRoot: story.ledger.state(TrustRoot.self, .ledger), now: story.now)
        }
        #expect(error?.code == .notAuthorized)
        try story.enroll(frank, [story.prod])
    }

    @Test func namesAndKeysAreUnique() throws {
        var story = try Story()
        let name = ledgerError { try story.enroll(TestKey("alice2").renamed("alice"), [story.prod]) }
        #expect(
            name?.message
                == "alice is already enrolled with key \(story.alice.keyID): revoke it first to enroll a new key")
        let key = ledgerError { try story.enroll(story.alice.renamed("alicia"), [story.prod]) }
        #expect(
            key?.message
                == "key \(story.alice.keyID) is already enrolled for alice: a key is enrolled once; generate a new one")
        let slack = ledgerError { try story.enroll(TestKey("frank"), [story.prod], slack: "U0BOB") }
        #expect(slack?.message == "Slack user U0BOB is already enrolled as bob")
    }

    @Test func aPersonMustListEnvironments() throws {
        var story = try Story()
        let error = ledgerError { try story.enroll(TestKey("frank"), []) }
        #expect(error?.message == "frank must be allowed to approve at least one environment: pass --env prod,staging")
    }

    @Test func revokedKeysStayKnownAndTheNameCanReturnWithANewKey() throws {
        var story = try Story()
        try story.revoke(story.bob)
        let twice = ledgerError { try story.revoke(story.bob) }
        #expect(twice?.message == "bob's key \(story.bob.keyID) was already revoked at 2026-11-22T13:00:00Z")
        let reused = ledgerError { try story.enroll(story.bob, [story.prod]) }
        #expect(reused?.message.contains("(revoked at 2026-11-22T13:00:00Z)") == true)

        let newBob = TestKey("bob-laptop-2").renamed("bob")
        try story.enroll(newBob, [story.prod])
        let registry = story.ledger.state(ApproverRegistry.self, .approvers)
        #expect(registry.approver(keyID: story.bob.keyID)?.isRevoked(at: story.now) == true)
        #expect(registry.activeApprover(named: name("bob"), at: story.now)?.keyID == newBob.keyID)
        #expect(
            ledgerError { try story.revoke(TestKey("nobody")) }?.message
                == "no approver named nobody: see shiplog approvers list")
    }

    @Test func approvalSignedWithAnOldKeyStopsCountingAfterRevocation() throws {
        var story = try Story(prodPolicy: EnvironmentPolicy(approvalsRequired: 1))
        try story.request("d-42")
        try story.approve("d-42", by: story.bob)
        story.advance(10)
        try story.revoke(story.bob)
        try story.enroll(TestKey("bob-2").renamed("bob"), [story.prod])
        #expect(story.gate("d-42").reasons.contains("bob's key was revoked at 2026-11-22T13:00:10Z"))
    }
}
