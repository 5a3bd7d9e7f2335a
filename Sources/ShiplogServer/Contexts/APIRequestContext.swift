import Hummingbird
import ShiplogCore
import ShiplogLedger

/// The context of a `/v1` request that presented a valid API token: a route in the API group
/// cannot be reached without one, and reads who is calling only from here.
public struct APIRequestContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let token: TokenRegistry.Token

    public init(context: ShiplogRequestContext) throws {
        guard let token = context.apiToken else {
            // Unreachable behind APITokenMiddleware; refuse rather than trust.
            throw APIError(.unauthorized, .unauthorized, "send an API token as Authorization: Bearer <token>")
        }
        self.coreContext = context.coreContext
        self.token = token
    }
}
