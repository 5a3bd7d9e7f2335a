import Hummingbird
import ShiplogSlack

/// Every request's context. `slack` is set only by `SlackVerificationMiddleware`, once the
/// request's Slack signature verified; routes read it through `SlackRequestContext`.
public struct ShiplogRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    var slack: VerifiedSlackRequest?
    /// When the request reached the router: a slash command's answer budget counts from here.
    let receivedAt = ContinuousClock.now

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
