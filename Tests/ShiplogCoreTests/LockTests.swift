import Foundation
import Testing

@testable import ShiplogCore

@Suite struct LockTests {
    @Test func environmentWideAndServiceLocksLiveOnTheirOwnStreams() throws {
        var story = try Story()
        try story.lock(story.prod, reason: "incident 123", by: story.alice)
        try story.lock(story.prod, service: story.web, reason: "schema change", by: story.bob)
        #expect(story.ledger.events(.environment(story.prod)).map(\.type) == ["EnvironmentLocked"])
        #expect(story.ledger.events(.serviceEnvironment(story.prod, story.web)).map(\.type) == ["EnvironmentLocked"])
        let wide = story.ledger.state(EnvironmentWide.self, .environment(story.prod))
        #expect(
            story.serviceEnvironment().locks(with: wide).map(\.description) == [
                "prod is locked by alice: incident 123", "web on prod is locked by bob: schema change",
            ])
    }

    @Test func lockingTwiceOrUnlockingWhatIsNotLockedIsRefused() throws {
        var story = try Story()
        try story.lock(story.prod, reason: "incident 123", by: story.alice)
        let twice = ledgerError { try story.lock(story.prod, reason: "again", by: story.bob) }
        #expect(
            twice?.message
                == "prod is locked by alice: incident 123 (since 2026-11-22T13:00:00Z); unlock it first to change the reason"
        )

        let policy = story.ledger.state(PolicyRecord.self, .policy(story.prod))
        let serviceUnlock = ledgerError {
            _ = try EnvironmentLocks.decide(
                .unlock(environment: story.prod, service: story.web, reason: nil, by: story.alice.actor),
                current: story.serviceEnvironment().lock, policy: policy,
                trustRoot: story.ledger.state(TrustRoot.self, .ledger), now: story.now)
        }
        #expect(serviceUnlock?.message == "web on prod is not locked")

        func unlock(by key: TestKey) throws -> Decision {
            try EnvironmentLocks.decide(
                .unlock(environment: story.prod, service: nil, reason: "resolved", by: key.actor),
                current: story.ledger.state(EnvironmentWide.self, .environment(story.prod)).lock, policy: policy,
                trustRoot: story.ledger.state(TrustRoot.self, .ledger), now: story.now)
        }
        let notTheirs = ledgerError { _ = try unlock(by: story.bob) }
        #expect(notTheirs?.code == .notAuthorized)
        #expect(
            notTheirs?.message
                == "prod is locked by alice: incident 123 (since 2026-11-22T13:00:00Z): only alice or an admin can unlock it")
        _ = try unlock(by: story.root)
        try story.ledger.append(try unlock(by: story.alice))
        #expect(story.ledger.state(EnvironmentWide.self, .environment(story.prod)).lock == nil)
    }

    @Test func lockNeedsAReasonAndAKnownEnvironment() throws {
        var story = try Story()
        #expect(
            ledgerError { try story.lock(story.prod, reason: " ", by: story.alice) }?.message
                == "the reason for a lock must not be empty")
        #expect(ledgerError { try story.lock(env("qa"), reason: "x", by: story.alice) }?.code == .notFound)
    }
}
