import Foundation
import Testing

@testable import ShiplogCore

@Suite struct PolicyTests {
    @Test func policyValuesAreChecked() throws {
        var story = try Story()
        let error = ledgerError { try story.setPolicy(story.prod, EnvironmentPolicy(approvalsRequired: -1)) }
        #expect(error?.message == "approvals required must be between 0 and 20, got -1")
        let ttl = ledgerError {
            try story.setPolicy(story.prod, EnvironmentPolicy(approvalsRequired: 1, approvalTTLSeconds: 5))
        }
        #expect(ttl?.message == "approval lifetime must be between 1 minute and 30 days, got 5 seconds")
    }

    @Test func defaultsAreThoseOfProduction() throws {
        let policy = EnvironmentPolicy(approvalsRequired: 2)
        #expect(policy.approvalTTLSeconds == 3600)
        #expect(!policy.allowSelfApproval)
        #expect(!policy.requirePersonalKey)
        #expect(policy.autoRollback)
        let decoded = try LedgerEvent.makeDecoder().decode(
            EnvironmentPolicy.self, from: Data(#"{"approvalsRequired":2}"#.utf8))
        #expect(decoded == policy)
    }
}
