import Foundation

/// A request as it arrived at a Slack endpoint, before anything in it is believed: the two
/// signing headers and the raw body. Handlers never read it; they read a `VerifiedSlackRequest`,
/// which only `SlackVerifier.verify` makes.
public struct SlackRequest: Sendable {
    /// `X-Slack-Request-Timestamp`: Unix seconds, as text.
    public var timestamp: String?
    /// `X-Slack-Signature`: `v0=` and 64 lowercase hex digits.
    public var signature: String?
    /// The body exactly as received; the signature covers these bytes.
    public var body: [UInt8]

    public init(timestamp: String?, signature: String?, body: [UInt8]) {
        self.timestamp = timestamp
        self.signature = signature
        self.body = body
    }
}

/// A request whose Slack signature verified within the time window: the only way a handler
/// sees a Slack body.
public struct VerifiedSlackRequest: Sendable {
    /// The raw body Slack signed.
    public let body: [UInt8]
    /// Its `X-Slack-Request-Timestamp`, in Unix seconds.
    public let timestamp: Int64
    /// Its `X-Slack-Signature`, as recorded in the evidence of what it caused.
    public let signature: String

    init(body: [UInt8], timestamp: Int64, signature: String) {
        self.body = body
        self.timestamp = timestamp
        self.signature = signature
    }

    /// The body's `application/x-www-form-urlencoded` fields.
    public var form: FormBody { FormBody(body) }
}
