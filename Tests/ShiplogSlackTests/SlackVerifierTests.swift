import Foundation
import Testing

@testable import ShiplogSlack

/// Slack's own documented example (api.slack.com/authentication/verifying-requests-from-slack),
/// and every way a request is refused.
@Suite struct SlackVerifierTests {
    static let secret = Array("8f742231b10e8888abcd99yyyzzz85a5".utf8)
    static let body = Array(
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
            .utf8)
    static let timestamp = "1531420618"
    static let signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    static let signedAt = Date(timeIntervalSince1970: 1_531_420_618)

    let verifier = SlackVerifier(signingSecret: secret)

    @Test func slacksOwnExampleVerifies() throws {
        #expect(verifier.signature(timestamp: Self.timestamp, body: Self.body) == Self.signature)
        let verified = try verifier.verify(
            SlackRequest(timestamp: Self.timestamp, signature: Self.signature, body: Self.body), now: Self.signedAt)
        #expect(verified.form["user_id"] == "U2CERLKJA")
        #expect(verified.form["response_url"] == "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN")
    }

    @Test func everyWayARequestIsRefused() {
        func code(_ request: SlackRequest, now: Date = Self.signedAt) -> SlackRequestError.Code? {
            do {
                _ = try verifier.verify(request, now: now)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code(SlackRequest(timestamp: nil, signature: nil, body: Self.body)) == .unsigned)
        #expect(code(SlackRequest(timestamp: Self.timestamp, signature: "v0=00", body: Self.body)) == .malformed)
        #expect(code(SlackRequest(timestamp: "soon", signature: Self.signature, body: Self.body)) == .malformed)
        let wrong = "v0=" + String(repeating: "0", count: 64)
        #expect(code(SlackRequest(timestamp: Self.timestamp, signature: wrong, body: Self.body)) == .badSignature)
        var altered = Self.body
        altered[altered.count - 1] ^= 1
        #expect(code(SlackRequest(timestamp: Self.timestamp, signature: Self.signature, body: altered)) == .badSignature)
        #expect(code(SlackRequest(timestamp: Self.timestamp, signature: Self.signature, body: Self.body), now: Self.signedAt + 301) == .stale)
        #expect(code(SlackRequest(timestamp: Self.timestamp, signature: Self.signature, body: Self.body), now: Self.signedAt - 301) == .fromTheFuture)
        #expect(code(SlackRequest(timestamp: Self.timestamp, signature: Self.signature, body: Self.body), now: Self.signedAt + 300) == nil)
        // The other secret: a request signed by someone else.
        let other = SlackVerifier(signingSecret: Array("another-secret".utf8))
        #expect((try? other.verify(SlackRequest(timestamp: Self.timestamp, signature: Self.signature, body: Self.body), now: Self.signedAt)) == nil)
    }

    @Test func errorsNeverHoldTheSecretOrTheBody() {
        do {
            _ = try verifier.verify(SlackRequest(timestamp: Self.timestamp, signature: "v0=" + String(repeating: "1", count: 64), body: Self.body), now: Self.signedAt)
        } catch {
            #expect(!error.message.contains("8f742231"))
            #expect(!error.message.contains("xyzz0WbapA4vBCDEFasx0q6G"))
        }
    }
}
