import Foundation
import ShiplogCrypto

/// Checks a request the way Slack signs it (v0): `X-Slack-Signature` must be `v0=` followed by
/// the lowercase hex HMAC-SHA256, under the app's signing secret, of
/// `v0:<X-Slack-Request-Timestamp>:<raw body>`, compared in constant time, and the timestamp
/// within `tolerance` of now either way. Replays inside that window are the server's to refuse
/// (it remembers signatures in PostgreSQL, so the guard holds across restarts and replicas).
public struct SlackVerifier: Sendable {
    /// How far a request's timestamp may be from now, either way.
    public static let tolerance: Int64 = 300

    private let secret: [UInt8]

    /// - Parameter signingSecret: the app's signing secret (never logged, never in an error).
    public init(signingSecret: [UInt8]) {
        self.secret = signingSecret
    }

    public func verify(_ request: SlackRequest, now: Date) throws(SlackRequestError) -> VerifiedSlackRequest {
        guard let signature = request.signature, let timestampText = request.timestamp else {
            throw SlackRequestError(.unsigned, "the request carries no Slack signature (X-Slack-Signature and X-Slack-Request-Timestamp)")
        }
        guard let timestamp = Int64(timestampText) else {
            throw SlackRequestError(.malformed, "X-Slack-Request-Timestamp is not Unix seconds")
        }
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        if timestamp < seconds - Self.tolerance {
            throw SlackRequestError(.stale, "the request was signed \(seconds - timestamp) s ago; Slack requests are good for \(Self.tolerance) s")
        }
        if timestamp > seconds + Self.tolerance {
            throw SlackRequestError(.fromTheFuture, "the request is dated \(timestamp - seconds) s in the future")
        }
        guard signature.hasPrefix("v0="), let code = try? Hex.decode(String(signature.dropFirst(3))),
            code.count == HMACSHA256.byteCount
        else {
            throw SlackRequestError(.malformed, "X-Slack-Signature is not v0= and a hex HMAC-SHA256")
        }
        guard HMACSHA256.isValidAuthenticationCode(code, for: Self.baseString(timestamp: timestampText, body: request.body), key: secret)
        else {
            throw SlackRequestError(.badSignature, "the Slack signature does not match the body: not from Slack, or altered on the way")
        }
        // Canonical (lowercase) form: the replay guard keys on it, so a re-cased copy is the same request.
        return VerifiedSlackRequest(body: request.body, timestamp: timestamp, signature: "v0=" + Hex.encode(code))
    }

    /// What Slack signs: `v0:<timestamp>:<raw body>`.
    public static func baseString(timestamp: String, body: [UInt8]) -> [UInt8] {
        Array("v0:\(timestamp):".utf8) + body
    }

    /// The `X-Slack-Signature` Slack would send for this body at this time: for tests and
    /// the demo, which sign requests exactly as Slack does.
    public func signature(timestamp: String, body: [UInt8]) -> String {
        "v0=" + Hex.encode(HMACSHA256.authenticationCode(for: Self.baseString(timestamp: timestamp, body: body), key: secret))
    }
}

/// Why a Slack request was refused (HTTP 401); the message never holds the secret or the body.
public struct SlackRequestError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unsigned, malformed, stale, fromTheFuture, badSignature, replayed
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
