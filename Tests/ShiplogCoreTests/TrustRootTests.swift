import Foundation
import Testing

@testable import ShiplogCore

@Suite struct TrustRootTests {
    @Test func initializesOnceAndOnlyAdminsAddAdmins() throws {
        let story = try Story()
        let trust = story.ledger.state(TrustRoot.self, .ledger)
        #expect(trust.isAdmin(story.root.keyID))
        let again = ledgerError {
            _ = try TrustRoot.decide(
                .initialize(name: story.alice.name, publicKey: story.alice.publicKey, keyID: story.alice.keyID),
                state: trust, now: story.now)
        }
        #expect(again?.message == "the ledger is already initialized (first admin: root, key \(story.root.keyID))")
        let byAlice = ledgerError {
            _ = try TrustRoot.decide(
                .addAdmin(
                    name: story.alice.name, publicKey: story.alice.publicKey, keyID: story.alice.keyID,
                    by: story.alice.actor),
                state: trust, now: story.now)
        }
        #expect(byAlice?.message == "alice is not an admin: this command must be signed with an admin key")
    }

    @Test func anotherAdminRemovesAnAdminNeverTheLast() throws {
        var story = try Story()
        let second = TestKey("second-admin")
        func decide(_ command: TrustRoot.Command) throws -> Decision {
            try TrustRoot.decide(command, state: story.ledger.state(TrustRoot.self, .ledger), now: story.now)
        }
        let alone = ledgerError { _ = try decide(.removeAdmin(name: second.name, reason: nil, by: story.root.actor)) }
        #expect(alone?.message == "second-admin is not an admin (admins: root)")
        let last = ledgerError { _ = try decide(.removeAdmin(name: story.root.name, reason: nil, by: story.root.actor)) }
        #expect(last?.message == "an admin cannot remove themself: another admin must sign the removal")

        try story.ledger.append(
            try decide(.addAdmin(name: second.name, publicKey: second.publicKey, keyID: second.keyID, by: story.root.actor)))
        let byApprover = ledgerError { _ = try decide(.removeAdmin(name: second.name, reason: nil, by: story.alice.actor)) }
        #expect(byApprover?.code == .notAuthorized)
        try story.ledger.append(try decide(.removeAdmin(name: story.root.name, reason: "key rotated", by: second.actor)))
        let trust = story.ledger.state(TrustRoot.self, .ledger)
        #expect(!trust.isAdmin(story.root.keyID))
        #expect(trust.isAdmin(second.keyID))
        let lastOne = ledgerError { _ = try decide(.removeAdmin(name: second.name, reason: nil, by: story.root.actor)) }
        #expect(lastOne?.code == .notAuthorized, "a removed admin signs nothing for the trust root")
    }

    @Test func uninitializedLedgerSaysHowToStart() throws {
        let story = try Story()
        let error = ledgerError {
            _ = try PolicyRecord.decide(
                .set(environment: story.prod, policy: EnvironmentPolicy(approvalsRequired: 1), by: story.root.actor),
                state: PolicyRecord.State(), trustRoot: TrustRoot.State(), now: story.now)
        }
        #expect(error?.message == "the ledger is not initialized: run shiplog init --key ADMIN_KEY first")
    }

    @Test func actorResolvesFromAdminOrActiveApproverKey() throws {
        var story = try Story()
        let trust = story.ledger.state(TrustRoot.self, .ledger)
        var approvers = story.ledger.state(ApproverRegistry.self, .approvers)
        #expect(
            try LedgerActor.resolve(keyID: story.root.keyID, trustRoot: trust, approvers: approvers, at: story.now).name
                == name("root"))
        #expect(
            try LedgerActor.resolve(keyID: story.bob.keyID, trustRoot: trust, approvers: approvers, at: story.now).name
                == name("bob"))
        try story.revoke(story.bob)
        approvers = story.ledger.state(ApproverRegistry.self, .approvers)
        let revoked = ledgerError {
            _ = try LedgerActor.resolve(keyID: story.bob.keyID, trustRoot: trust, approvers: approvers, at: story.now)
        }
        #expect(revoked?.code == .notAuthorized)
        let stranger = TestKey("mallory")
        let unknown = ledgerError {
            _ = try LedgerActor.resolve(keyID: stranger.keyID, trustRoot: trust, approvers: approvers, at: story.now)
        }
        #expect(unknown?.message.hasPrefix("key \(stranger.keyID) is not enrolled") == true)
    }
}
