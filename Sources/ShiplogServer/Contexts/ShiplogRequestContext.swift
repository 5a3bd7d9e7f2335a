import Hummingbird
import ShiplogCore
import ShiplogSlack

/// Every request's context. `slack` is set only by `SlackVerificationMiddleware`, once the
/// request's Slack signature verified; routes read it through `SlackRequestContext`.
/// `apiToken` is set only by `APITokenMiddleware`, once the bearer token proved valid; `/v1`
/// routes read it through `APIRequestContext`.
public struct ShiplogRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    var slack: VerifiedSlackRequest?
    var apiToken: TokenRegistry.Token?
    /// When the request reached the router: a slash command's answer budget counts from here.
    let receivedAt = ContinuousClock.now

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
