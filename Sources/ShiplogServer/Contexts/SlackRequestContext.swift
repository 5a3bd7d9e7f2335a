import Hummingbird
import ShiplogSlack

/// The context of a request Slack signed: a route in the Slack group cannot be reached by a
/// request whose signature did not verify, and reads the body only from here.
public struct SlackRequestContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let slack: VerifiedSlackRequest
    /// When the request reached the router.
    public let receivedAt: ContinuousClock.Instant

    public init(context: ShiplogRequestContext) throws {
        guard let slack = context.slack else {
            // Unreachable behind SlackVerificationMiddleware; refuse rather than trust.
            throw HTTPError(.unauthorized, message: "the request carries no verified Slack signature")
        }
        self.coreContext = context.coreContext
        self.slack = slack
        self.receivedAt = context.receivedAt
    }
}
