import Foundation
import Testing

@testable import ShiplogCore

@Suite struct AlarmAndTokenTests {
    @Test func alarmsRepeatWithoutNewEvents() throws {
        let alarm = try AlarmName("prod-web-5xx-errors")
        var state = AlarmRecord.State()
        let raise = AlarmRecord.Command.raise(
            alarm: alarm, environment: env("prod"), service: service("web"), reason: "Threshold Crossed")
        let raised = try AlarmRecord.decide(raise, state: state, now: storyStart)
        #expect(raised.appends.map(\.stream.name) == ["alarm-prod-web-5xx-errors"])
        state = AlarmRecord.replay(raised.events)
        #expect(state.isRaised)
        #expect(try AlarmRecord.decide(raise, state: state, now: storyStart).isEmpty)
        let resolved = try AlarmRecord.decide(.resolve(alarm: alarm, reason: nil), state: state, now: storyStart)
        state = resolved.events.reduce(state, AlarmRecord.evolve)
        #expect(!state.isRaised)
        #expect(try AlarmRecord.decide(.resolve(alarm: alarm, reason: nil), state: state, now: storyStart).isEmpty)
    }

    @Test func tokensAreAdminOnlyAndRevocable() throws {
        let story = try Story()
        let trust = story.ledger.state(TrustRoot.self, .ledger)
        let id = try TokenID("gha-web")
        let hash = String(repeating: "0", count: 64)
        let issue = TokenRegistry.Command.issue(
            id: id, label: "github actions", tokenHash: hash, scopes: ["deploy"], expiresAt: nil, by: story.root.actor)
        var state = TokenRegistry.replay(
            try TokenRegistry.decide(issue, state: TokenRegistry.State(), trustRoot: trust, now: story.now).events)
        #expect(state.token(hash: hash, at: story.now)?.id == id)
        #expect(
            ledgerError { _ = try TokenRegistry.decide(issue, state: state, trustRoot: trust, now: story.now) }?.message
                == "token gha-web already exists")
        let revoke = try TokenRegistry.decide(
            .revoke(id: id, reason: nil, by: story.root.actor), state: state, trustRoot: trust, now: story.now)
        state = revoke.events.reduce(state, TokenRegistry.evolve)
        #expect(state.token(hash: hash, at: story.now) == nil)
    }
}
