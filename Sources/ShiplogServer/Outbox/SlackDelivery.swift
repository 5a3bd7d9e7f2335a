import Foundation
import ShiplogHTTP

/// Sends one message to Slack, through the Web API (`chat.postMessage`, `chat.update`, with the
/// bot token) or an incoming webhook, and says what became of it.
struct SlackDelivery: Sendable {
    enum Outcome: Sendable, Equatable {
        /// Delivered; `ts` is the message's, from the Web API.
        case delivered(ts: String?)
        /// Not now (Slack down, rate limited, a network failure): try again after `after`.
        case retry(reason: String, after: TimeInterval?)
        /// Never (a channel that does not exist, a bad token, a message too long): recorded, not retried.
        case permanent(reason: String)
    }

    let http: HTTPClient
    let apiURL: String
    let token: String?
    let webhookURL: String?

    /// Slack's answers that no retry will change.
    static let permanentErrors: Set<String> = [
        "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "msg_too_long", "account_inactive",
        "token_revoked", "token_expired", "no_permission", "invalid_blocks", "missing_scope", "not_authed",
        "invalid_arguments", "restricted_action",
    ]

    /// `chat.postMessage` (or `chat.update` when `ts` is given) with `body` (JSON without channel).
    func webAPI(_ method: String, body: [String: Any]) async -> Outcome {
        guard let token else { return .permanent(reason: "no SLACK_BOT_TOKEN") }
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        let request = HTTPRequest(
            method: .post, url: "\(apiURL)/\(method)",
            headers: [("Content-Type", "application/json; charset=utf-8"), ("Authorization", "Bearer \(token)")],
            body: Array(data), timeout: .seconds(10), connectTimeout: .seconds(5))
        let response: HTTPResponse
        do {
            response = try await http.send(request, retry: .never)
        } catch {
            return .retry(reason: "\(method): \(error)", after: nil)
        }
        if let transient = Self.transient(response, method) { return transient }
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            return .retry(reason: "\(method): an answer that is not JSON (HTTP \(response.status))", after: nil)
        }
        if object["ok"] as? Bool == true { return .delivered(ts: object["ts"] as? String) }
        let error = object["error"] as? String ?? "unknown_error"
        return Self.permanentErrors.contains(error) ? .permanent(reason: "\(method): \(error)") : .retry(reason: "\(method): \(error)", after: nil)
    }

    /// The message this bot already posted to `channel` for outbox row `outbox`, found by the
    /// metadata every post carries (`conversations.history`, newest first): its `ts`, or nil.
    func findPosted(outbox: Int64, channel: String) async -> String?? {
        guard let token else { return .some(nil) }
        let request = HTTPRequest(
            method: .get,
            url: "\(apiURL)/conversations.history?channel=\(channel)&limit=100&include_all_metadata=true",
            headers: [("Authorization", "Bearer \(token)")], timeout: .seconds(10), connectTimeout: .seconds(5))
        guard let response = try? await http.send(request, retry: .never), response.status == 200,
            let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            object["ok"] as? Bool == true
        else { return nil }  // unknown: do not post blind
        for message in object["messages"] as? [[String: Any]] ?? [] {
            let payload = (message["metadata"] as? [String: Any])?["event_payload"] as? [String: Any]
            if (payload?["outbox"] as? NSNumber)?.int64Value == outbox || payload?["outbox"] as? String == String(outbox) {
                return .some(message["ts"] as? String)
            }
        }
        return .some(nil)
    }

    /// An incoming webhook: text only.
    func webhook(text: String) async -> Outcome {
        guard let webhookURL else { return .permanent(reason: "no SLACK_WEBHOOK_URL") }
        let data = (try? JSONSerialization.data(withJSONObject: ["text": text])) ?? Data()
        let response: HTTPResponse
        do {
            response = try await http.send(
                HTTPRequest(method: .post, url: webhookURL, headers: [("Content-Type", "application/json")], body: Array(data),
                    timeout: .seconds(10), connectTimeout: .seconds(5)),
                retry: .never)
        } catch {
            return .retry(reason: "webhook: \(error)", after: nil)
        }
        if let transient = Self.transient(response, "webhook") { return transient }
        if (200..<300).contains(response.status) { return .delivered(ts: nil) }
        return .permanent(reason: "webhook: HTTP \(response.status) \(String(decoding: response.body.prefix(200), as: UTF8.self))")
    }

    /// 429 (with its Retry-After) and 5xx: not now.
    private static func transient(_ response: HTTPResponse, _ what: String) -> Outcome? {
        if response.status == 429 {
            let after = response.header("Retry-After").flatMap(TimeInterval.init)
            return .retry(reason: "\(what): rate limited (HTTP 429)", after: after)
        }
        if response.status >= 500 { return .retry(reason: "\(what): HTTP \(response.status)", after: nil) }
        return nil
    }
}
