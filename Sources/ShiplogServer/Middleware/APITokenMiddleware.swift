import Foundation
import Hummingbird
import ShiplogLedger

/// In front of every `/v1` route but the OpenAPI document: the request must carry
/// `Authorization: Bearer <token>` with a token the ledger issued and has not revoked, that
/// has not expired; else 401 with which it is. Only then does the route see it, as
/// `context.token`.
struct APITokenMiddleware: RouterMiddleware {
    typealias Context = ShiplogRequestContext

    let tokens: TokenCache
    let clock: @Sendable () -> Date

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer "),
            case let secret = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces), !secret.isEmpty
        else {
            throw APIError(
                .unauthorized, .unauthorized,
                "send an API token as Authorization: Bearer <token> (an admin creates one with shiplog tokens create NAME)")
        }
        guard let token = try await tokens.token(secret: secret) else {
            throw APIError(.unauthorized, .unauthorized, "the API token is unknown: check the secret, or ask an admin for one")
        }
        let now = clock()
        if let revokedAt = token.revokedAt, revokedAt <= now {
            throw APIError(.unauthorized, .unauthorized, "API token \(token.id) was revoked: ask an admin for a new one")
        }
        if let expiresAt = token.expiresAt, expiresAt <= now {
            throw APIError(
                .unauthorized, .unauthorized,
                "API token \(token.id) expired at \(Timestamps.iso8601(expiresAt)): ask an admin for a new one")
        }
        var context = context
        context.apiToken = token
        context.logger[metadataKey: "token"] = "\(token.id)"
        return try await next(request, context)
    }
}
