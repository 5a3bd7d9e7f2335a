import Foundation
import Logging
import ShiplogAWS
import ShiplogCore
import ShiplogLedger
import ShiplogPostgres

/// `POST /hooks/eventbridge`: an EventBridge "CloudWatch Alarm State Change" event, sent by an
/// API destination with `Authorization: Bearer <token>`: an API token holding the `alarm`
/// scope (`shiplog tokens issue … --scope alarm`). The alarm is recorded on the token's behalf;
/// the rollbacks it starts are the server's own. Acted on once per event `id`.
struct EventBridgeHandler: Sendable {
    let ledger: LedgerService
    let intake: AlarmIntake

    enum Answer: Sendable {
        case handled(String)
        case duplicate
        case unauthorized(String)
        case forbidden(String)
        case malformed(String)
    }

    func handle(_ body: [UInt8], authorization: String?, receivedAt: Date, logger: Logger) async throws -> Answer {
        guard let authorization, authorization.hasPrefix("Bearer "), authorization.count > 7 else {
            return .unauthorized("send the API token as Authorization: Bearer <token>")
        }
        guard let token = try await ledger.token(secret: String(authorization.dropFirst(7))), token.isValid(at: Date()) else {
            return .unauthorized("the API token is unknown, revoked or expired")
        }
        guard token.scopes.contains("alarm") else {
            return .forbidden("API token \(token.id) lacks the alarm scope")
        }
        let alarm: CloudWatchAlarm
        do {
            alarm = try CloudWatchAlarm.fromEventBridge(body)
        } catch let error as SNSError {
            return .malformed(error.message)
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        let eventID = "eventbridge:" + ((object?["id"] as? String) ?? UUID().uuidString)
        guard try await intake.firstDelivery(eventID, source: "eventbridge") else { return .duplicate }
        do {
            return .handled(try await intake.act(on: alarm, receivedAt: receivedAt, for: .token(token.id)))
        } catch {
            await intake.forget(eventID)
            throw error
        }
    }
}
